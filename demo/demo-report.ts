import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database-schema';
import { performanceReport, type ReportRow } from '../reports/performance-report';
import { slowBurnReport, type SlowBurnRow } from '../reports/slow-burn-report';

/** What `npm run demo` prints: the same reports the HTTP API and CLI give, plus processing counts. */
export interface DemoReport {
  ad_account_id: string;
  currency: string;
  /** Account-timezone dates the report covers. */
  start_date: string;
  end_date: string;
  /** Cost per conversion under 30 days beside 7 days (currency units). */
  campaigns: ReportRow[];
  pins: ReportRow[];
  /** The slow-burn curve per campaign over 30 days. */
  slow_burn: SlowBurnRow[];
  counts: {
    conversions: number;
    attributed: number;
    pending: number;
    expired: number;
    sent_to_conversions_api: number;
    attributed_with_lag_over_7_days: number;
  };
}

/**
 * The demo's report for one ad account over [startDate, endDate] (account-timezone dates): the
 * performance report at campaign and pin level (30-day window against 7 days), the slow-burn
 * curve by campaign, and how many conversions were received, attributed, held and sent.
 */
export async function buildDemoReport(db: Kysely<Database>, adAccountId: string, startDate: string, endDate: string): Promise<DemoReport> {
  const account = await db.selectFrom('ad_accounts').selectAll().where('ad_account_id', '=', adAccountId).executeTakeFirstOrThrow();
  const range = { ad_account_id: adAccountId, start_date: startDate, end_date: endDate };
  const [campaigns, pins, slowBurn] = await Promise.all([
    performanceReport(db, { ...range, level: 'campaign', window: 30, compare: 7 }),
    performanceReport(db, { ...range, level: 'pin', window: 30, compare: 7 }),
    slowBurnReport(db, { ...range, level: 'campaign', window: 30 }),
  ]);
  const states = await db
    .selectFrom('conversions')
    .select([
      (eb) => eb.fn.countAll<string>().as('all'),
      sql<string>`count(*) filter (where attribution_state = 'matched')`.as('matched'),
      sql<string>`count(*) filter (where attribution_state = 'pending')`.as('pending'),
      sql<string>`count(*) filter (where attribution_state = 'expired')`.as('expired'),
      sql<string>`count(*) filter (where capi_state = 'sent')`.as('sent'),
    ])
    .where('ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  const slow = await db
    .selectFrom('attributions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ad_account_id', '=', adAccountId)
    .where('lag_seconds', '>', String(7 * 86_400))
    .executeTakeFirstOrThrow();
  return {
    ad_account_id: adAccountId,
    currency: account.currency,
    start_date: startDate,
    end_date: endDate,
    campaigns,
    pins,
    slow_burn: slowBurn,
    counts: {
      conversions: Number(states.all),
      attributed: Number(states.matched),
      pending: Number(states.pending),
      expired: Number(states.expired),
      sent_to_conversions_api: Number(states.sent),
      attributed_with_lag_over_7_days: Number(slow.n),
    },
  };
}
