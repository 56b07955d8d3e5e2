import type { Reconciliation } from '../domain/conversion-reconciliation';

const ROUTY_ONLY_WORDS = { engagement: 'credited to saves', not_sendable: 'not sendable', stale: 'stale', not_yet_sent: 'not yet sent' } as const;
const PINTEREST_ONLY_WORDS = { held_pending: 'held pending', expired: 'expired', view_through: 'view-through outside Routy\'s touchpoints' } as const;

/**
 * A row's reconciliation in one line, e.g. "difference +3: Routy only 4 (credited to saves 3,
 * not yet sent 1); Pinterest only 2 (view-through outside Routy's touchpoints 2); unexplained 1";
 * null when the difference and every cause are 0.
 */
export function reconciliationText(r: Reconciliation): string | null {
  const parts = <K extends string>(counts: Record<K, number>, words: Record<K, string>) =>
    (Object.keys(words) as K[]).filter((k) => counts[k] > 0).map((k) => `${words[k]} ${counts[k]}`);
  const routy = parts(r.routy_only, ROUTY_ONLY_WORDS);
  const pinterest = parts(r.pinterest_only, PINTEREST_ONLY_WORDS);
  if (r.difference === 0 && routy.length === 0 && pinterest.length === 0) return null;
  const total = (counts: object) => Object.values(counts).reduce((n: number, v: number) => n + v, 0);
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
  return [
    `difference ${signed(r.difference)}:`,
    routy.length > 0 ? ` Routy only ${total(r.routy_only)} (${routy.join(', ')});` : '',
    pinterest.length > 0 ? ` Pinterest only ${total(r.pinterest_only)} (${pinterest.join(', ')});` : '',
    ` unexplained ${signed(r.unexplained)}`,
  ].join('');
}
