import { stringify } from 'csv-stringify/sync';
import { terminalSafe } from '../domain/terminal-text';
import type { ReportRow, WindowFigures } from './performance-report';

/**
 * A CSV cell of text someone else controls (a campaign name, a pin title): control characters and
 * bidi overrides written out as visible escapes (terminalSafe, so the file can be printed to a
 * terminal), then text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.
 */
export const safeText = (text: string) => {
  const shown = terminalSafe(text);
  return /^[=+\-@\t\r]/.test(shown) ? `'${shown}` : shown;
};

/** Every string cell of a CSV row made terminal-safe (terminalSafe); numbers, booleans and empty cells as they are. */
export const terminalSafeRow = (row: unknown[]) => row.map((cell) => (typeof cell === 'string' ? terminalSafe(cell) : cell));

const amount = (n: number) => n.toFixed(2);

/** An extra column's cell: numbers as they are, names made safe (safeText), empty when unknown. */
const extraCell = (value: number | string | null | undefined) => (typeof value === 'string' ? safeText(value) : value ?? '');

/**
 * The currency notes of one window's figures, one string each: a converted part as
 * "1500.00 JPY at 0.0067 (rate of 2026-11-20) = 10.05 USD, 1 conversion", an unconverted one as
 * "50.00 GBP not converted (no rate on or before the conversion date), 1 conversion".
 */
export function currencyNotes(figures: WindowFigures, accountCurrency: string): string[] {
  const count = (n: number) => `${n} conversion${n === 1 ? '' : 's'}`;
  return [
    ...figures.converted.map((p) => `${amount(p.revenue)} ${p.currency} at ${p.rate} (rate of ${p.rate_date}) = ${amount(p.converted_revenue)} ${accountCurrency}, ${count(p.conversions)}`),
    ...figures.unconverted.map((p) =>
      p.currency === null
        ? `${amount(p.revenue)} without a currency not converted, ${count(p.conversions)}`
        : `${amount(p.revenue)} ${p.currency} not converted (no rate on or before the conversion date), ${count(p.conversions)}`,
    ),
  ];
}

/** The reconciliation's counts as CSV columns (README "Reconciliation"), in this order. */
const RECONCILIATION_COLUMNS = ['engagement_conversions', 'not_sendable', 'stale', 'not_yet_sent', 'held_pending', 'expired', 'view_through', 'unexplained'];

const reconciliationCells = ({ reconciliation: { routy_only: r, pinterest_only: p, unexplained } }: ReportRow) =>
  [r.engagement, r.not_sendable, r.stale, r.not_yet_sent, p.held_pending, p.expired, p.view_through, unexplained];

/**
 * CSV with one header line; money in currency units, the account's currency in its own column.
 * `spend`, `cost_per_conversion` and `roas` are empty where unknown; `synced` is false for rows of
 * entities not synced yet; `objective_type` and `is_performance_plus` of the row's campaign (empty:
 * unknown); after `difference` its causes (engagement_conversions, not_sendable, stale and
 * not_yet_sent Routy counts alone; held_pending, expired and view_through Pinterest counts alone),
 * the `unexplained` rest and the engagement note; `converted` and `unconverted` hold the window's currency notes
 * (currencyNotes), joined with "; ". The accounts' extra sync-analytics columns of the level follow,
 * one CSV column each under its Pinterest name (the union over the rows' accounts; empty where a
 * row's account did not add it or nothing was pulled).
 */
export function reportToCsv(rows: ReportRow[]): string {
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r.extra_columns ?? {})))];
  const header = ['ad_account_id', 'currency', 'level', 'id', 'pin_id', 'name', 'spend', 'impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'objective_type', 'is_performance_plus', 'window_days', 'conversions', 'revenue', 'cost_per_conversion', 'roas', 'compare_window_days', 'compare_conversions', 'compare_cost_per_conversion', 'pinterest_conversions', 'difference', ...RECONCILIATION_COLUMNS, 'engagement_note', 'synced', 'converted', 'unconverted', ...extra];
  const notes = (r: ReportRow, kind: 'converted' | 'unconverted') =>
    currencyNotes({ ...r.routy, converted: kind === 'converted' ? r.routy.converted : [], unconverted: kind === 'unconverted' ? r.routy.unconverted : [] }, r.currency).join('; ');
  return stringify(
    rows.map((r) => terminalSafeRow([r.ad_account_id, r.currency, r.level, r.id, r.pin_id, safeText(r.name), r.spend, r.impressions, r.saves, r.pin_clicks, r.outbound_clicks, r.objective_type === null ? '' : safeText(r.objective_type), r.is_performance_plus === null ? '' : String(r.is_performance_plus), r.routy.window_days, r.routy.conversions, r.routy.revenue, r.routy.cost_per_conversion, r.routy.roas, r.compare?.window_days, r.compare?.conversions, r.compare?.cost_per_conversion, r.pinterest.conversions, r.pinterest.difference, ...reconciliationCells(r), r.reconciliation.engagement_note ?? '', String(r.synced), notes(r, 'converted'), notes(r, 'unconverted'), ...extra.map((c) => extraCell(r.extra_columns?.[c]))])),
    { header: true, columns: header },
  );
}
