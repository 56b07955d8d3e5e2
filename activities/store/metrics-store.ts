import type { Kysely } from 'kysely';
import type { AttributionSettings } from '../../workflows/messages';
import type { AnalyticsRow, MetricLevel } from '../pinterest/analytics';
import type { Database } from './database-schema';

/** Rows per INSERT statement. */
const UPSERT_ROWS = 1000;

const integer = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0);
const sum = (...values: unknown[]) => values.reduce<number>((total, value) => total + integer(value), 0);

/** Typed columns of `metrics_daily` and the Pinterest columns each is read from. */
function typedColumns(c: Record<string, unknown>) {
  return {
    spend_micro: integer(c.SPEND_IN_MICRO_DOLLAR),
    impressions: integer(c.PAID_IMPRESSION ?? c.IMPRESSION_1),
    earned_impressions: integer(c.IMPRESSION_2),
    saves: sum(c.REPIN_1, c.REPIN_2),
    pin_clicks: integer(c.TOTAL_CLICKTHROUGH ?? sum(c.CLICKTHROUGH_1, c.CLICKTHROUGH_2)),
    outbound_clicks: sum(c.OUTBOUND_CLICK_1, c.OUTBOUND_CLICK_2),
    engagements: integer(c.TOTAL_ENGAGEMENT ?? sum(c.ENGAGEMENT_1, c.ENGAGEMENT_2)),
    video_mrc_views: integer(c.TOTAL_VIDEO_MRC_VIEWS ?? sum(c.VIDEO_MRC_VIEWS_1, c.VIDEO_MRC_VIEWS_2)),
    video_3s_views: integer(c.TOTAL_VIDEO_3SEC_VIEWS),
    video_p100_complete: integer(c.TOTAL_VIDEO_P100_COMPLETE),
    idea_pin_product_tag_visits: integer(c.TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT),
    pinterest_conversions: integer(c.TOTAL_CONVERSIONS),
    checkouts: integer(c.TOTAL_CHECKOUT),
    checkout_value_micro: integer(c.TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR),
    click_checkouts: integer(c.TOTAL_CLICK_CHECKOUT),
    engagement_checkouts: integer(c.TOTAL_ENGAGEMENT_CHECKOUT),
    view_checkouts: integer(c.TOTAL_VIEW_CHECKOUT),
    web_checkouts: integer(c.TOTAL_WEB_CHECKOUT),
  };
}

/**
 * Upserts daily metrics of one level, keyed by account, level, entity, date and the attribution
 * settings they were pulled under, so a repeated or retried pull overwrites instead of
 * double-counting. Money stays integer micro-currency beside the account's currency code; every
 * column Pinterest returned is kept in `columns`.
 * @returns the number of rows written.
 */
export async function upsertMetrics(
  db: Kysely<Database>,
  input: {
    adAccountId: string;
    level: MetricLevel;
    currency: string;
    settings: AttributionSettings;
    rows: AnalyticsRow[];
    /** Account-timezone date of today: its row is marked partial. */
    today: string;
    now: Date;
  },
): Promise<number> {
  if (input.rows.length === 0) return 0;
  const values = input.rows.map((row) => ({
    ad_account_id: input.adAccountId,
    level: input.level,
    entity_id: row.entity_id,
    date: row.date,
    ...input.settings,
    currency: input.currency,
    ...typedColumns(row.columns),
    is_partial: row.date >= input.today,
    columns: JSON.stringify(row.columns),
    pulled_at: input.now,
  }));
  const updated = Object.keys(values[0]!).filter(
    (column) =>
      !['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'].includes(column),
  ) as Array<keyof (typeof values)[number]>;
  // PostgreSQL takes at most 65,535 bind parameters per statement: ~33 columns × 1,000 rows stays under.
  for (let i = 0; i < values.length; i += UPSERT_ROWS) {
    await db
      .insertInto('metrics_daily')
      .values(values.slice(i, i + UPSERT_ROWS))
      .onConflict((oc) =>
        oc
          .columns(['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'])
          .doUpdateSet((eb) => Object.fromEntries(updated.map((column) => [column, eb.ref(`excluded.${column}` as never)]))),
      )
      .execute();
  }
  return values.length;
}
