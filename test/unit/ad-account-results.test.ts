// What AdAccountState counts and schedules after each activity result, without a server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import type { ConversionRecord, TouchpointRecord } from '../../domain/routy-records';
import { statusOf } from '../../workflows/ad-account-snapshot';
import { AdAccountState } from '../../workflows/ad-account-state';
import type { AdAccountWorkflowInput } from '../../workflows/ad-account-types';

const input: AdAccountWorkflowInput = {
  ad_account_id: '1',
  settings: DEFAULT_ATTRIBUTION_SETTINGS,
  schedule: { pull_interval_seconds: 60, hold_seconds: 100, backfill_days: 90 },
};

const touchpoint = (n: number, pad = 0): TouchpointRecord => ({
  ad_account_id: '1',
  type: 'click',
  occurred_at: '2026-11-29T00:00:00.000Z',
  click_id: `${n}`.padEnd(pad, 'x'),
  user_data: {},
});

const conversion = (n: number): ConversionRecord => ({
  event_id: `e${n}`,
  event_name: 'lead',
  event_time: '2026-11-29T00:00:00.000Z',
  ad_account_id: '1',
  action_source: 'web',
  user_data: {},
});

describe('counters after activity results', () => {
  it('queue the days a pull missed beyond the synchronous 90 as report-sized backfill ranges', () => {
    const state = new AdAccountState(input, 0);
    state.pulled(0, { rows: 120, missed_before: { start_date: '2024-01-01', end_date: '2024-12-31' } });
    assert.deepEqual(state.backfill.ranges, [
      { start_date: '2024-01-01', end_date: '2024-07-04' },
      { start_date: '2024-07-05', end_date: '2024-12-31' },
    ]);
    assert.deepEqual([state.counters.pulls, state.counters.metric_rows_upserted], [1, 120]);
    assert.deepEqual(state.backfill.add({ start_date: '2025-01-01', end_date: '2025-01-02' }), [{ start_date: '2025-01-01', end_date: '2025-01-02' }]);
    assert.equal(statusOf(state).backfill_queue.length, 3);
  });

  it('count a round’s matches once its records are all stored, and send them when Pinterest can be reached', () => {
    const state = new AdAccountState(input, 0);
    state.bufferTouchpoints([touchpoint(1), touchpoint(2)]);
    assert.equal(state.counters.touchpoints_received, 2);
    state.touchpointsRecorded({ matched: 1, pending_total: 4 });
    state.conversionsRecorded(5_000, { matched: 2, pending: 1, pending_total: 5 });
    assert.equal(state.counters.conversions_matched, 0, 'not before the round’s records are all stored');
    assert.equal(state.counters.conversions_pending, 5);
    assert.equal(state.schedule.nextExpiryAt, 105_000);
    assert.equal(state.recordsStored(), true);
    assert.equal(state.counters.conversions_matched, 3);
    assert.equal(state.recordsStored(), false, 'nothing new matched and nothing waits');
    assert.equal(state.counters.conversions_matched, 3);
  });

  it('keep matches made while paused for the round after resume', () => {
    const state = new AdAccountState(input, 0);
    state.connection.pause('audit');
    state.conversionsRecorded(1_000, { matched: 1, pending: 0 });
    assert.equal(state.recordsStored(), false);
    assert.equal(state.unsentMatches, true);
    assert.equal(state.counters.conversions_matched, 1);
    state.resume(2_000);
    assert.equal(state.recordsStored(), true);
    assert.equal(state.counters.conversions_matched, 1);
  });

  it('follow the store’s next hold end after holds expire', () => {
    const state = new AdAccountState(input, 0);
    state.conversionsRecorded(0, { matched: 0, pending: 2, pending_total: 2 });
    assert.equal(state.schedule.expiryDue(99_999), false);
    assert.equal(state.schedule.expiryDue(100_000), true);
    state.holdsExpired({ expired: 1, pending_total: 1, next_expiry_at: '1970-01-01T00:02:30.000Z' });
    assert.deepEqual([state.counters.conversions_expired, state.counters.conversions_pending], [1, 1]);
    assert.equal(state.schedule.nextExpiryAt, 150_000);
    state.holdsExpired({ expired: 1, pending_total: 0 });
    assert.deepEqual([state.counters.conversions_expired, state.counters.conversions_pending], [2, 0]);
    assert.equal(state.schedule.nextExpiryAt, undefined);
    assert.equal(state.schedule.expiryDue(1_000_000), false);
  });
});

describe('record buffers', () => {
  it('hand out batches of at most 1000 records, oldest first', () => {
    const state = new AdAccountState(input, 0);
    state.bufferTouchpoints(Array.from({ length: 2500 }, (_, n) => touchpoint(n)));
    const sizes = [];
    while (state.buffers.touchpoints.length > 0) sizes.push(state.buffers.takeTouchpoints().length);
    assert.deepEqual(sizes, [1000, 1000, 500]);
    assert.equal(state.buffers.hasRecords(), false);
  });

  it('cut a batch at about 512 KB of JSON, and carry only buffers that small into continue-as-new', () => {
    const state = new AdAccountState(input, 0);
    state.bufferTouchpoints(Array.from({ length: 6 }, (_, n) => touchpoint(n, 120 * 1024)));
    assert.equal(state.buffers.fitCarry(), false);
    assert.equal(state.buffers.takeTouchpoints().length, 4, 'four records of about 120 KB; a fifth would pass 512 KB');
    assert.equal(state.buffers.fitCarry(), true);
    assert.equal(state.buffers.takeTouchpoints().length, 2);
  });

  it('take a bounded round: at most four batches of each kind, what arrives later waits for the next round', () => {
    const state = new AdAccountState(input, 0);
    state.bufferTouchpoints(Array.from({ length: 5500 }, (_, n) => touchpoint(n)));
    state.bufferConversions(Array.from({ length: 10 }, (_, n) => conversion(n)));
    const first = state.buffers.takeRound();
    assert.deepEqual(first.touchpoints.map((batch) => batch.length), [1000, 1000, 1000, 1000]);
    assert.deepEqual(first.conversions.map((batch) => batch.length), [10]);
    assert.equal(first.touchpoints[0]![0]!.click_id, '0', 'oldest first');
    // Signals keep coming while the round's activities run: they join the buffers, not this round.
    state.bufferTouchpoints([touchpoint(5500)]);
    assert.deepEqual([state.buffers.touchpoints.length, state.buffers.conversions.length], [1501, 0]);
    const second = state.buffers.takeRound();
    assert.deepEqual(second.touchpoints.map((batch) => batch.length), [1000, 501]);
    assert.equal(second.touchpoints[1]!.at(-1)!.click_id, '5500');
    assert.deepEqual(second.conversions, []);
    assert.deepEqual(state.buffers.takeRound(), { touchpoints: [], conversions: [] });
  });

  it('take a bounded round by size too, until what is left fits a continue-as-new', () => {
    const state = new AdAccountState(input, 0);
    state.bufferTouchpoints(Array.from({ length: 20 }, (_, n) => touchpoint(n, 120 * 1024)));
    const round = state.buffers.takeRound();
    assert.deepEqual(round.touchpoints.map((batch) => batch.length), [4, 4, 4, 4], 'four batches of about 480 KB');
    assert.equal(state.buffers.touchpoints.length, 4);
    assert.equal(state.buffers.fitCarry(), true);
  });

  it('count the distinct conversions a record pump stored, what it matched and sent, and pump again while records are left', () => {
    const state = new AdAccountState(input, 0);
    const pumped = { conversions_taken: 6, conversions_inserted: 5, touchpoints_taken: 7, matched: 4, pending: 1, refused: 1, pending_total: 3, sends: { sent: 4 }, more: true, unsent_left: false };
    state.pumped(1000, pumped, true);
    const status = statusOf(state);
    assert.deepEqual(
      [status.counters.conversions_received, status.counters.touchpoints_received, status.counters.conversions_matched, status.counters.conversions_sent, status.counters.records_refused, status.counters.conversions_pending],
      [5, 7, 4, 4, 1, 3],
    );
    assert.equal(status.records_waiting, true, 'records were left: the loop pumps again');
    assert.equal(status.next_expiry_at, new Date(1000 + 100_000).toISOString(), 'a new pending conversion sets the expiry timer');
    assert.equal(state.unsentMatches, false);
  });

  it('keep matches a pump could not post for the next send, and clear them once a pump posted all', () => {
    const state = new AdAccountState(input, 0);
    const none = { conversions_taken: 1, conversions_inserted: 1, touchpoints_taken: 0, matched: 1, pending: 0, refused: 0, sends: { sent: 0 }, more: false, unsent_left: true };
    state.pumped(0, none, false);
    assert.equal(state.unsentMatches, true, 'paused: the match waits');
    assert.equal(state.recordsWaiting, false);
    state.pumped(0, { ...none, matched: 0, unsent_left: false }, false);
    assert.equal(state.unsentMatches, true, 'a pump that could not post leaves older matches waiting');
    state.pumped(0, { ...none, sends: { sent: 1 }, unsent_left: false }, true);
    assert.equal(state.unsentMatches, false);
    assert.equal(statusOf(state).counters.conversions_sent, 1);
  });
});
