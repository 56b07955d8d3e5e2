// The split of a report row's difference into causes: always adds up, floors Pinterest's own
// engagement and view-through counts at what Routy already counts, notes save-driven conversions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NO_RECONCILIATION_INPUTS, reconcile } from '../../domain/conversion-reconciliation';
import { reconciliationText } from '../../reports/reconciliation-text';

describe('reconcile', () => {
  it('takes Pinterest\'s engagement and view-through conversions off Routy\'s own, never below 0', () => {
    const r = reconcile(5, { ...NO_RECONCILIATION_INPUTS, routy_engagement: 4, pinterest_engagement: 1, routy_view: 3, pinterest_view: 2, not_yet_sent: 1 });
    assert.deepEqual(r.routy_only, { engagement: 3, not_sendable: 0, stale: 0, not_yet_sent: 1 });
    assert.deepEqual(r.pinterest_only, { held_pending: 0, expired: 0, view_through: 0 });
    assert.equal(r.unexplained, 1);
    assert.match(r.engagement_note!, /^3 conversions Routy credits to a save: .*engagement_window_days since v5\.15/);
    assert.equal(reconcile(0, NO_RECONCILIATION_INPUTS).engagement_note, null);
  });

  it('adds up to the difference for any inputs', () => {
    const count = fc.nat({ max: 1000 });
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), fc.record({ routy_engagement: count, routy_view: count, not_sendable: count, stale: count, not_yet_sent: count, pinterest_engagement: count, pinterest_view: count, held_pending: count, expired: count }), (difference, inputs) => {
        const r = reconcile(difference, inputs);
        const sum = (o: object) => Object.values(o).reduce((n: number, v: number) => n + v, 0);
        assert.equal(sum(r.routy_only) - sum(r.pinterest_only) + r.unexplained, difference);
        assert.ok([...Object.values(r.routy_only), ...Object.values(r.pinterest_only)].every((v) => v >= 0));
      }),
    );
  });

  it('reads as one line naming only the causes present, or nothing when all is equal', () => {
    assert.equal(
      reconciliationText(reconcile(-1, { ...NO_RECONCILIATION_INPUTS, stale: 2, held_pending: 1, pinterest_view: 2 })),
      "difference -1: Routy only 2 (stale 2); Pinterest only 3 (held pending 1, view-through outside Routy's touchpoints 2); unexplained 0",
    );
    assert.equal(reconciliationText(reconcile(0, NO_RECONCILIATION_INPUTS)), null);
  });
});
