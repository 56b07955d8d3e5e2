import type { Kysely } from 'kysely';
import type { AttributionSettings } from '../../workflows/messages';
import type { AdAnalyticsRow } from '../pinterest/analytics';
import type { Database } from './database-schema';

const integer = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0);

/**
 * Upserts daily ad (pin) metrics, keyed by account, level, ad, date and the attribution settings
 * they were pulled under, so a repeated or retried pull overwrites instead of double-counting.
 * Spend stays integer micro-currency beside the account's currency code.
 * @returns the number of rows written.
 */
export async function upsertAdMetrics(
  db: Kysely<Database>,
  input: {
    adAccountId: string;
    currency: string;
    settings: AttributionSettings;
    rows: AdAnalyticsRow[];
    /** Account-timezone date of today: its row is marked partial. */
    today: string;
    now: Date;
  },
): Promise<number> {
  if (input.rows.length === 0) return 0;
  const values = input.rows.map((row) => ({
    ad_account_id: input.adAccountId,
    level: 'ad',
    entity_id: row.AD_ID,
    date: row.DATE,
    ...input.settings,
    currency: input.currency,
    spend_micro: integer(row.SPEND_IN_MICRO_DOLLAR),
    impressions: integer(row.PAID_IMPRESSION),
    saves: integer(row.REPIN_1) + integer(row.REPIN_2),
    pin_clicks: integer(row.TOTAL_CLICKTHROUGH),
    outbound_clicks: integer(row.OUTBOUND_CLICK_1) + integer(row.OUTBOUND_CLICK_2),
    is_partial: row.DATE >= input.today,
    columns: JSON.stringify(row),
    pulled_at: input.now,
  }));
  await db
    .insertInto('metrics_daily')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns([
          'ad_account_id',
          'level',
          'entity_id',
          'date',
          'click_window_days',
          'engagement_window_days',
          'view_window_days',
          'conversion_report_time',
        ])
        .doUpdateSet((eb) => ({
          currency: eb.ref('excluded.currency'),
          spend_micro: eb.ref('excluded.spend_micro'),
          impressions: eb.ref('excluded.impressions'),
          saves: eb.ref('excluded.saves'),
          pin_clicks: eb.ref('excluded.pin_clicks'),
          outbound_clicks: eb.ref('excluded.outbound_clicks'),
          is_partial: eb.ref('excluded.is_partial'),
          columns: eb.ref('excluded.columns'),
          pulled_at: eb.ref('excluded.pulled_at'),
        })),
    )
    .execute();
  return values.length;
}
