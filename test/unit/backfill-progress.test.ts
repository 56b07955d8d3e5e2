// The backfill's progress as `status` shows it (kept in memory under the `backfill-progress` patch,
// never carried) and as the CLI reads it for its pieces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { AdAccountState } from '../../workflows/ad-account-state';
import { carryOf, statusOf } from '../../workflows/ad-account-snapshot';
import { FAILURE_TYPES } from '../../workflows/failure-types';
import { backfillSummary, pieceLine, pieceStates } from '../../cli/backfill-pieces';

const input = { ad_account_id: '1', settings: DEFAULT_ATTRIBUTION_SETTINGS, schedule: { pull_interval_seconds: 60, hold_seconds: 100, backfill_days: 90 } };
const A = { start_date: '2025-01-01', end_date: '2025-01-10' };
const B = { start_date: '2025-01-11', end_date: '2025-01-20' };
const C = { start_date: '2025-02-01', end_date: '2025-02-05' };

describe('backfill progress', () => {
  it('is absent from status until tracked, then shows the head\'s step and the finished pieces, and is never carried', () => {
    const state = new AdAccountState(input, 0);
    state.backfill.add(A);
    state.backfill.step('requesting_report', 1);
    assert.equal(statusOf(state).backfill_progress, undefined, 'not tracked: runs before the patch answer as before');
    state.backfill.trackProgress();
    state.backfill.step('requesting_report', 1);
    assert.deepEqual(statusOf(state).backfill_progress, { head: { ...A, step: 'requesting_report', attempt: 1 }, finished: [], finished_total: 0 });
    state.backfill.step('collecting_report', 1);
    state.backfillCollected(40);
    assert.deepEqual(statusOf(state).backfill_progress, { finished: [{ ...A, step: 'stored', attempt: 1, rows: 40, seq: 1 }], finished_total: 1 });
    assert.equal(state.counters.metric_rows_upserted, 40);
    assert.equal(JSON.stringify(carryOf(state)).includes('progress'), false);
  });

  it('notes a dropped piece, and clears the head of one that waits for a reconnect', () => {
    const state = new AdAccountState(input, 0);
    state.backfill.trackProgress();
    state.backfill.add(A);
    state.backfill.add(B);
    state.backfill.step('requesting_report', 1);
    assert.equal(state.backfillReportFailed(0, 1, { type: 'PinterestReportFailed', message: 'FAILED', nonRetryable: true }, false), 'failed');
    state.backfill.step('requesting_report', 1);
    state.backfillReportFailed(0, 1, { type: FAILURE_TYPES.reauth, message: 'refused', nonRetryable: true }, false);
    const progress = statusOf(state).backfill_progress!;
    assert.deepEqual(progress, { finished: [{ ...A, step: 'dropped', attempt: 1, seq: 1 }], finished_total: 1 });
    assert.deepEqual(statusOf(state).backfill_queue, [B]);
  });

  it('the CLI reads its own pieces: only those finished after its baseline, under way or queued behind others', () => {
    const state = new AdAccountState(input, 0);
    state.backfill.trackProgress();
    state.backfill.add(A);
    state.backfill.collected(5);
    const baseline = statusOf(state).backfill_progress!.finished_total;
    state.backfill.add(C);
    const pieces = [A, B].map((piece) => ({ ...piece }));
    state.backfill.add(A);
    state.backfill.add(B);
    // C (queued before) is under way: the CLI's pieces wait; the earlier A before the baseline is not theirs.
    state.backfill.step('collecting_report', 2);
    assert.deepEqual(pieceStates(pieces, statusOf(state), baseline).map((s) => s.step), ['queued', 'queued']);
    state.backfill.collected(7);
    state.backfill.step('collecting_report', 2);
    assert.deepEqual(pieceStates(pieces, statusOf(state), baseline).map((s) => [s.step, s.attempt]), [['collecting_report', 2], ['queued', undefined]]);
    state.backfill.collected(11);
    state.backfill.collected(13);
    const states = pieceStates(pieces, statusOf(state), baseline);
    assert.deepEqual(states.map((s) => [s.step, s.rows]), [['stored', 11], ['stored', 13]]);
    assert.deepEqual(states.map(pieceLine), ['2025-01-01..2025-01-10 (10 days): stored, 11 rows', '2025-01-11..2025-01-20 (10 days): stored, 13 rows']);
    assert.deepEqual(backfillSummary(states), ['backfill done: 2 of 2 pieces stored, 20 days, 24 rows']);
  });

  it('a piece that left the queue unseen (continue-as-new, or an older worker) counts as stored, rows unknown; clamped ranges are summed up', () => {
    const status = statusOf(new AdAccountState(input, 0));
    const clamped = { ...A, requested_start_date: '2024-12-01', clamped_by: 'account_created' as const, clamped_days: 31 };
    const states = pieceStates([clamped], status, 3);
    assert.deepEqual(states.map((s) => [s.step, s.rows]), [['stored', undefined]]);
    assert.deepEqual(backfillSummary(states), [
      'backfill done: 1 of 1 piece stored, 10 days, at least 0 rows',
      'clamped: asked from 2024-12-01, started at 2025-01-01: 31 days before the ad account was created left out',
    ]);
  });
});
