import type { ReportRow } from './performance-report';

const money = (n: number | null) => (n === null ? '-' : n.toFixed(2));

/** A readable fixed-width table of report rows, one block per currency (never summed together). */
export function formatReportTable(rows: ReportRow[]): string {
  if (rows.length === 0) return 'no data for that range';
  const compare = rows.some((r) => r.compare);
  const blocks: string[] = [];
  for (const currency of [...new Set(rows.map((r) => r.currency))]) {
    const some = rows.filter((r) => r.currency === currency);
    const w = some[0]!.routy.window_days;
    const c = some.find((r) => r.compare)?.compare?.window_days;
    const header = ['id', 'name', `spend ${currency}`, `conv ${w}d`, `cost/conv ${w}d`, `ROAS ${w}d`, ...(compare ? [`conv ${c}d`, `cost/conv ${c}d`] : []), 'pinterest conv'];
    const body = some.map((r) => [
      r.pin_id ?? r.id,
      r.name.length > 36 ? `${r.name.slice(0, 35)}…` : r.name,
      money(r.spend),
      String(r.routy.conversions),
      money(r.routy.cost_per_conversion),
      r.routy.roas === null ? '-' : r.routy.roas.toFixed(2),
      ...(compare ? [String(r.compare?.conversions ?? 0), money(r.compare?.cost_per_conversion ?? null)] : []),
      String(r.pinterest.conversions),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
    blocks.push([line(header), line(widths.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n'));
  }
  return blocks.join('\n\n');
}
