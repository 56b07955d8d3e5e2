import { stringify } from 'csv-stringify/sync';
import { safeText, terminalSafeRow } from './performance-csv';
import type { ProductRow } from './product-report';

const amount = (n: number | null) => (n === null ? '' : n.toFixed(2));

/**
 * The products report as CSV, one line per row (ad account, SKU, conversion currency): `revenue`
 * in `currency` units, `cost_share` in `account_currency` units (both empty where unknown), the
 * chosen window's figures then the compare window's, `pins` as "pin id (ad id): n conversions"
 * joined with "; " (chosen window), and Pinterest's figures (empty until pulled).
 */
export function productReportToCsv(rows: ProductRow[]): string {
  const header = ['ad_account_id', 'account_currency', 'sku', 'currency', 'window_days', 'conversions', 'units', 'revenue', 'unpriced_conversions', 'cost_share', 'compare_window_days', 'compare_conversions', 'compare_units', 'compare_revenue', 'compare_cost_share', 'pins', 'pinterest_conversions', 'pinterest_conversion_value'];
  const pins = (r: ProductRow) => r.pins.map((p) => `${p.pin_id ?? '-'} (${p.synced ? 'ad' : 'not synced'} ${p.id}): ${p.conversions}`).join('; ');
  return stringify(
    rows.map((r) =>
      terminalSafeRow([
        r.ad_account_id, r.account_currency, safeText(r.sku), r.currency ?? '',
        r.routy.window_days, r.routy.conversions, r.routy.units, amount(r.routy.revenue), r.routy.unpriced_conversions, amount(r.routy.cost_share),
        r.compare.window_days, r.compare.conversions, r.compare.units, amount(r.compare.revenue), amount(r.compare.cost_share),
        pins(r), r.pinterest_conversions ?? '', r.pinterest_conversion_value_micro === null ? '' : amount(r.pinterest_conversion_value_micro / 1_000_000),
      ]),
    ),
    { header: true, columns: header },
  );
}
