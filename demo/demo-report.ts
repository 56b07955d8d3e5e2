import type { Kysely } from 'kysely';
import { conversionCounts, type ConversionCounts } from '../reports/conversion-counts';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { countMsotPosted } from '../store/msot-store';
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
  /** `msot_posted`: Measurement Source of Truth events Pinterest took (the demo account opts in). */
  counts: Omit<ConversionCounts, 'attributed_with_capi_outcome'> & { msot_posted: number };
}

/**
 * The demo's report for one ad account over [startDate, endDate] (account-timezone dates): the
 * performance report at campaign and pin level (30-day window against 7 days), the slow-burn
 * curve by campaign, and how many conversions were received, attributed, held, sent, and posted as MSOT events.
 */
export async function buildDemoReport(db: Kysely<Database>, adAccountId: string, startDate: string, endDate: string): Promise<DemoReport> {
  const account = await getAdAccount(db, adAccountId);
  const range = { ad_account_id: adAccountId, start_date: startDate, end_date: endDate };
  const [campaigns, pins, slowBurn] = await Promise.all([
    performanceReport(db, { ...range, level: 'campaign', window: 30, compare: 7 }),
    performanceReport(db, { ...range, level: 'pin', window: 30, compare: 7 }),
    slowBurnReport(db, { ...range, level: 'campaign', window: 30 }),
  ]);
  const { attributed_with_capi_outcome: _settled, ...counts } = await conversionCounts(db, adAccountId);
  return {
    ad_account_id: adAccountId,
    currency: account.currency,
    start_date: startDate,
    end_date: endDate,
    campaigns,
    pins,
    slow_burn: slowBurn,
    counts: { ...counts, msot_posted: await countMsotPosted(db, adAccountId) },
  };
}
