import type { Kysely } from 'kysely';
import { conversionCounts, type ConversionCounts } from '../reports/conversion-counts';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { countMsotPosted } from '../store/msot-store';
import { performanceReport, type ReportRow } from '../reports/performance-report';
import { slowBurnReport, type SlowBurnRow } from '../reports/slow-burn-report';
import { productReport, type ProductRow } from '../reports/product-report';
import { cpaTargets, listCpaAlerts, type CpaAlert } from '../store/cpa-alerts-store';
import type { CpaTargets } from '../domain/cpa-targets';

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
  /**
   * Per SKU and currency under 30 days: attributed conversions, units, revenue (currency units of
   * `currency`; null without prices), cost share (account currency units), conversions under 7
   * days and the pins that drove them (see productReport; `product_rows` has the full rows).
   */
  products: DemoProduct[];
  /** The products report's own rows (30 days beside 7), as the API and `report --level product` give them. */
  product_rows: ProductRow[];
  /** The account's target cost per conversion (the demo sets it: `ROUTY_DEMO_CPA_TARGET`, default DEMO_CPA_TARGET). */
  cpa_targets: CpaTargets;
  /** The CPA alerts the evaluation after the target was set opened (open ones, newest first; see CpaAlert). */
  alerts: CpaAlert[];
  /** `msot_posted`: Measurement Source of Truth events Pinterest took (the demo account opts in). */
  counts: Omit<ConversionCounts, 'attributed_with_capi_outcome'> & { msot_posted: number };
}

/** A products report row, flattened for the demo's JSON. */
export interface DemoProduct {
  sku: string;
  currency: string | null;
  conversions: number;
  units: number;
  revenue: number | null;
  cost_share: number | null;
  conversions_7d: number;
  pins: string[];
}

/**
 * The demo's report for one ad account over [startDate, endDate] (account-timezone dates): the
 * performance report at campaign and pin level (30-day window against 7 days), the slow-burn
 * curve by campaign, the products report (per SKU), the CPA targets and open alerts, and how many conversions were received, attributed, held, sent, and posted as MSOT events.
 */
export async function buildDemoReport(db: Kysely<Database>, adAccountId: string, startDate: string, endDate: string): Promise<DemoReport> {
  const account = await getAdAccount(db, adAccountId);
  const range = { ad_account_id: adAccountId, start_date: startDate, end_date: endDate };
  const [campaigns, pins, slowBurn, productRows] = await Promise.all([
    performanceReport(db, { ...range, level: 'campaign', window: 30, compare: 7 }),
    performanceReport(db, { ...range, level: 'pin', window: 30, compare: 7 }),
    slowBurnReport(db, { ...range, level: 'campaign', window: 30 }),
    productReport(db, { ...range, window: 30, compare: 7 }),
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
    products: productRows.map((r) => ({
      sku: r.sku,
      currency: r.currency,
      conversions: r.routy.conversions,
      units: r.routy.units,
      revenue: r.routy.revenue,
      cost_share: r.routy.cost_share,
      conversions_7d: r.compare.conversions,
      pins: r.pins.map((p) => p.pin_id ?? p.id),
    })),
    product_rows: productRows,
    cpa_targets: await cpaTargets(db, adAccountId),
    alerts: await listCpaAlerts(db, { ad_account_id: adAccountId }),
    counts: { ...counts, msot_posted: await countMsotPosted(db, adAccountId) },
  };
}
