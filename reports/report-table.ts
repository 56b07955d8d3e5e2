import { terminalSafe } from '../domain/terminal-text';
import { currencyNotes } from './performance-csv';
import type { ReportRow } from './performance-report';
import type { ProductRow } from './product-report';
import { reconciliationText } from './reconciliation-text';
import type { SlowBurnRow } from './slow-burn-report';

const money = (n: number | null) => (n === null ? '-' : n.toFixed(2));
/** `text` cut to `max` characters, the last one an ellipsis. Names are made terminal-safe first (terminalSafe), so an escape is shown, never run. */
const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A readable fixed-width table of report rows, one block per currency (never summed together);
 * '-' where a figure is unknown (no spend pulled); `P+` says whether the row's campaign is a
 * Performance+ campaign. Under each block, a line per row whose revenue holds converted values or
 * leaves unconverted ones out (currencyNotes, first window), and per row whose Routy and Pinterest
 * counts differ, the difference split into its causes (reconciliationText) and the engagement note.
 */
export function formatReportTable(rows: ReportRow[]): string {
  if (rows.length === 0) return 'no data for that range';
  const compare = rows.some((r) => r.compare);
  const blocks: string[] = [];
  for (const currency of [...new Set(rows.map((r) => r.currency))]) {
    const some = rows.filter((r) => r.currency === currency);
    const w = some[0]!.routy.window_days;
    const c = some.find((r) => r.compare)?.compare?.window_days;
    const header = ['id', 'name', `spend ${terminalSafe(currency)}`, `conv ${w}d`, `revenue ${w}d`, `cost/conv ${w}d`, `ROAS ${w}d`, ...(compare ? [`conv ${c}d`, `cost/conv ${c}d`] : []), 'pinterest conv', 'P+'];
    const body = some.map((r) => [
      terminalSafe(r.pin_id ?? r.id),
      shorten(terminalSafe(r.name), 36),
      money(r.spend),
      String(r.routy.conversions),
      money(r.routy.revenue),
      money(r.routy.cost_per_conversion),
      r.routy.roas === null ? '-' : r.routy.roas.toFixed(2),
      ...(compare ? [String(r.compare?.conversions ?? 0), money(r.compare?.cost_per_conversion ?? null)] : []),
      String(r.pinterest.conversions),
      r.is_performance_plus === null ? '-' : r.is_performance_plus ? 'yes' : 'no',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
    const notes = some.flatMap((r) => [
      ...currencyNotes(r.routy, currency),
      ...[reconciliationText(r.reconciliation), r.reconciliation.engagement_note].filter((line): line is string => line !== null),
    ].map((note) => terminalSafe(`  ${r.pin_id ?? r.id}: ${note}`)));
    blocks.push([line(header), line(widths.map((n) => '-'.repeat(n))), ...body.map(line), ...notes].join('\n'));
  }
  return blocks.join('\n\n');
}

/**
 * The products report as a table, one block per ad account and conversion currency (never summed
 * together): per SKU, conversions, units, revenue (in the block's currency) and cost share (in the
 * account's) under the window and the compare window, the top pins, and Pinterest's conversions
 * ('-' where unknown). Revenue '-' means no price was given (content_ids only).
 */
export function formatProductTable(rows: ProductRow[]): string {
  if (rows.length === 0) return 'no products in that range';
  const blocks: string[] = [];
  for (const block of [...new Set(rows.map((r) => JSON.stringify([r.ad_account_id, r.currency])))]) {
    const some = rows.filter((r) => JSON.stringify([r.ad_account_id, r.currency]) === block);
    const first = some[0]!;
    const [w, c] = [first.routy.window_days, first.compare.window_days];
    const cur = terminalSafe(first.currency ?? 'no currency');
    const spendCur = terminalSafe(first.account_currency);
    const header = ['sku', `conv ${w}d`, `units ${w}d`, `revenue ${cur} ${w}d`, `cost share ${spendCur} ${w}d`, `conv ${c}d`, `revenue ${cur} ${c}d`, `cost share ${spendCur} ${c}d`, 'pinterest conv', 'pins'];
    const body = some.map((r) => [
      shorten(terminalSafe(r.sku), 30),
      String(r.routy.conversions),
      String(r.routy.units),
      money(r.routy.revenue),
      money(r.routy.cost_share),
      String(r.compare.conversions),
      money(r.compare.revenue),
      money(r.compare.cost_share),
      r.pinterest_conversions === null ? '-' : String(r.pinterest_conversions),
      shorten(terminalSafe(r.pins.map((p) => `${p.pin_id ?? p.id} (${p.conversions})`).join(', ')), 48),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const last = header.length - 1;
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === last ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    blocks.push([`ad account ${terminalSafe(first.ad_account_id)}, revenue in ${cur}`, line(header), line(widths.map((n) => '-'.repeat(n))), ...body.map(line)].map((l) => l.trimEnd()).join('\n'));
  }
  return blocks.join('\n\n');
}

const SPARKS = '▁▂▃▄▅▆▇█';
const percent = (share: number) => `${Math.round(share * 100)}%`;

/**
 * The slow-burn curve as a table: name, conversions, the cumulative share by day 1, 7, 14 and 30
 * (those within the window), the share after day 7, and the whole curve as a sparkline (one mark a day).
 */
export function formatSlowBurnTable(rows: SlowBurnRow[]): string {
  if (rows.length === 0) return 'no attributed conversions in that range';
  const windowDays = rows[0]!.cumulative_share.length - 1;
  const marks = [1, 7, 14, 30].filter((d) => d <= windowDays);
  const header = [rows[0]!.level === 'pin' ? 'pin' : 'campaign', 'name', 'conversions', ...marks.map((d) => `by day ${d}`), 'after day 7', `curve, day 0 to ${windowDays}`];
  const body = rows.map((r) => [
    terminalSafe(r.id),
    shorten(terminalSafe(r.name), 30),
    String(r.conversions),
    ...marks.map((d) => percent(r.cumulative_share[d]!)),
    percent(r.share_after_day_7),
    r.cumulative_share.map((s) => SPARKS[Math.min(SPARKS.length - 1, Math.floor(s * SPARKS.length))]).join(''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const last = header.length - 1;
  const line = (cells: string[]) => cells.map((cell, i) => (i <= 1 || i === last ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

/**
 * A fixed-width text table: every cell made terminal-safe first (terminalSafe: an escape is shown,
 * never run), each column as wide as its widest cell, two spaces apart, the columns whose index is
 * in `right` right-aligned, a dashed line under the header.
 */
export function fixedWidthTable(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const cells = [header, ...rows].map((row) => row.map(terminalSafe));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => widths.map((width, i) => (right.has(i) ? (row[i] ?? '').padStart(width) : (row[i] ?? '').padEnd(width))).join('  ').trimEnd();
  return [line(cells[0]!), line(widths.map((n) => '-'.repeat(n))), ...cells.slice(1).map(line)].join('\n');
}
