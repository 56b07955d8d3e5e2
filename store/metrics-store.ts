import { sql, type Kysely } from 'kysely';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { AnalyticsRow, MetricLevel } from '../pinterest/analytics';
import { copyUpsert, inCopySession } from './copy-upsert';
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
    /** Every entity asked about: their running totals are carried through today even without rows. */
    entityIds?: string[];
    /** Account-timezone date of today: its row is marked partial. */
    today: string;
    now: Date;
  },
): Promise<number> {
  if (input.rows.length === 0 && !input.entityIds?.length) return 0;
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
  const keyColumns = ['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'];
  const updated = Object.keys(values[0] ?? {}).filter((column) => !keyColumns.includes(column)) as Array<keyof (typeof values)[number]>;
  const entityIds = [...new Set([...(input.entityIds ?? []), ...values.map((v) => v.entity_id)])];
  const from = values.reduce((min, v) => (v.date < min ? v.date : min), input.today);
  await inCopySession(db, async (trx, client) => {
    // On a PostgreSQL server: staged through COPY and merged by one INSERT ... SELECT ... ON CONFLICT
    // (about twice as fast as multi-row INSERTs; `npm run bench -- pull`).
    if (client) await copyUpsert(client, { table: 'metrics_daily', rows: values, keyColumns });
    // PostgreSQL takes at most 65,535 bind parameters per statement: ~33 columns × 1,000 rows stays under.
    else for (let i = 0; i < values.length; i += UPSERT_ROWS) {
      await trx
        .insertInto('metrics_daily')
        .values(values.slice(i, i + UPSERT_ROWS))
        .onConflict((oc) =>
          oc
            .columns(['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'])
            .doUpdateSet((eb) => Object.fromEntries(updated.map((column) => [column, eb.ref(`excluded.${column}` as never)]))),
        )
        .execute();
    }
    for (let i = 0; i < entityIds.length; i += UPSERT_ROWS) {
      const slice = entityIds.slice(i, i + UPSERT_ROWS);
      await refreshCumulativeMetrics(trx, { adAccountId: input.adAccountId, level: input.level, settings: input.settings, entityIds: slice, from, through: input.today });
    }
  });
  return values.length;
}

/** The report columns kept as running totals in `metrics_cumulative`. */
export const CUMULATIVE_COLUMNS = ['spend_micro', 'impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'pinterest_conversions', 'checkout_value_micro'] as const;

/**
 * Rewrites the running totals of `metrics_cumulative` for these entities (one level and set of
 * attribution settings): one row per day from `from` (or from the day after the entity's last
 * total, when that is earlier, or from its first daily row when it has no total yet) through
 * `through`, days without a daily row adding 0. Dates are account-timezone `YYYY-MM-DD`. Daily rows
 * are only ever upserted, never deleted, so totals before `from` stay right.
 */
export async function refreshCumulativeMetrics(
  db: Kysely<Database>,
  input: { adAccountId: string; level: string; settings: AttributionSettings; entityIds: string[]; from: string; through: string },
): Promise<void> {
  if (input.entityIds.length === 0) return;
  const s = input.settings;
  const key = (alias: string) => sql`${sql.ref(`${alias}.ad_account_id`)} = ${input.adAccountId} AND ${sql.ref(`${alias}.level`)} = ${input.level}
    AND ${sql.ref(`${alias}.click_window_days`)} = ${s.click_window_days} AND ${sql.ref(`${alias}.engagement_window_days`)} = ${s.engagement_window_days}
    AND ${sql.ref(`${alias}.view_window_days`)} = ${s.view_window_days} AND ${sql.ref(`${alias}.conversion_report_time`)} = ${s.conversion_report_time}`;
  const ids = sql.join(input.entityIds);
  await sql`
    WITH base AS (
      SELECT DISTINCT ON (b.entity_id) b.entity_id, b.date, ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql.ref(`b.${c}`)))}
      FROM metrics_cumulative b
      WHERE ${key('b')} AND b.entity_id IN (${ids}) AND b.date < ${input.from}::date
      ORDER BY b.entity_id, b.date DESC
    ),
    first_day AS (
      SELECT f.entity_id, min(f.date) AS date FROM metrics_daily f
      WHERE ${key('f')} AND f.entity_id IN (${ids}) AND f.entity_id NOT IN (SELECT entity_id FROM base)
      GROUP BY f.entity_id
    ),
    spans AS (
      SELECT base.entity_id, base.date + 1 AS first_date FROM base
      UNION ALL SELECT first_day.entity_id, first_day.date FROM first_day
    ),
    daily AS MATERIALIZED (
      SELECT d.entity_id, d.date, ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql.ref(`d.${c}`)))} FROM metrics_daily d
      WHERE ${key('d')} AND d.entity_id IN (${ids}) AND d.date >= (SELECT min(first_date) FROM spans)
    )
    INSERT INTO metrics_cumulative (ad_account_id, level, click_window_days, engagement_window_days, view_window_days, conversion_report_time, entity_id, date, ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql.id(c)))})
    SELECT ${input.adAccountId}, ${input.level}, ${s.click_window_days}::int, ${s.engagement_window_days}::int, ${s.view_window_days}::int, ${s.conversion_report_time},
           spans.entity_id, g.day::date,
           ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql`coalesce(${sql.ref(`base.${c}`)}, 0) + sum(coalesce(${sql.ref(`d.${c}`)}, 0)) OVER w`))}
    FROM spans
    CROSS JOIN LATERAL generate_series(spans.first_date, greatest(${input.through}::date, spans.first_date), interval '1 day') AS g(day)
    LEFT JOIN base ON base.entity_id = spans.entity_id
    LEFT JOIN daily d ON d.entity_id = spans.entity_id AND d.date = g.day::date
    WINDOW w AS (PARTITION BY spans.entity_id ORDER BY g.day)
    ON CONFLICT (ad_account_id, level, click_window_days, engagement_window_days, view_window_days, conversion_report_time, entity_id, date)
    DO UPDATE SET ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}`.execute(db);
}
