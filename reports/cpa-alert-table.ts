// The CPA alerts as a text table. Names and ids are made terminal-safe (fixedWidthTable).
import type { CpaAlert } from '../store/cpa-alerts-store';
import { fixedWidthTable } from './report-table';

/**
 * The alerts as a table (the CLI's `alerts`, the demo): first seen (UTC), direction, level, id, name,
 * 30-day and 7-day cost per conversion, target and spend (units of the account's currency),
 * conversions under 30 / 7 days, open or cleared. Rows from `status` lack names and counts (`-`).
 */
export function formatAlertTable(alerts: Array<Partial<CpaAlert> & Pick<CpaAlert, 'level' | 'entity_id' | 'direction' | 'currency' | 'target' | 'cpa_30d' | 'cpa_7d' | 'first_seen_at'>>): string {
  if (alerts.length === 0) return 'no alerts';
  const money = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toFixed(2));
  const rows = alerts.map((a) => [
    a.first_seen_at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
    a.direction,
    a.level,
    a.entity_id,
    a.name ?? '',
    money(a.cpa_30d),
    money(a.cpa_7d),
    `${money(a.target)} ${a.currency}`,
    money(a.spend),
    a.conversions_30d === undefined ? '-' : `${a.conversions_30d}/${a.conversions_7d}`,
    a.cleared_at ? 'cleared' : 'open',
  ]);
  return fixedWidthTable(['first seen (UTC)', 'direction', 'level', 'id', 'name', 'cpa 30d', 'cpa 7d', 'target', 'spend', 'conv 30d/7d', 'state'], rows, new Set([5, 6, 7, 8, 9]));
}
