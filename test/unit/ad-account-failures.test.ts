// What a failed activity call means for an ad account, decided by AdAccountState without a server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { statusOf } from '../../workflows/ad-account-snapshot';
import { AdAccountState } from '../../workflows/ad-account-state';
import type { AdAccountWorkflowInput } from '../../workflows/ad-account-types';
import { FAILURE_TYPES, REPORT_TRIES, type CallFailure } from '../../workflows/failure-types';

const input: AdAccountWorkflowInput = {
  ad_account_id: '1',
  settings: DEFAULT_ATTRIBUTION_SETTINGS,
  schedule: { pull_interval_seconds: 60, entity_sync_interval_seconds: 600, hold_seconds: 100, backfill_days: 90 },
};

const failure = (type: string | undefined, message: string, extra: Partial<CallFailure> = {}): CallFailure => ({ type, message, nonRetryable: true, ...extra });
const refused = failure(FAILURE_TYPES.reauth, 'Pinterest refused the grant; reconnect the account: 401');
const dailyCap = failure(FAILURE_TYPES.rateLimitedLong, 'rate limited for 7200 s', { details: [{ retry_after_seconds: 7200 }] });
const serverError = failure(undefined, 'Pinterest answered 503', { nonRetryable: false });
const expired = failure(FAILURE_TYPES.reportExpired, 'the report expired before it was downloaded');

/** A state whose first pull and entity sync are done at 0 (next pull at 60 s, next sync at 600 s). */
function started(): AdAccountState {
  const state = new AdAccountState(input, 0);
  state.pulled(0, { rows: 1 });
  state.schedule.entitySyncEnded(0);
  return state;
}

describe('a failed pull', () => {
  it('waits for a reconnect when Pinterest refuses the grant', () => {
    const state = started();
    assert.equal(state.pullFailed(1_000, refused, false), 'needs-reauth');
    assert.equal(state.connection.status, 'needs_reauth');
    assert.equal(state.connection.visibleStatus, 'needs_reauth');
    assert.equal(state.lastError, refused.message);
    assert.equal(state.pinterestReadsDue(3_600_000), false);
  });

  it('keeps the account connected when the refused grant is one a reconnect replaced', () => {
    const state = started();
    const reconnectsAtCall = state.connection.reconnects;
    assert.equal(state.refusedReplacedGrant(refused, reconnectsAtCall), false, 'no reconnect yet: the patch is not asked');
    state.reconnected(500);
    assert.equal(state.refusedReplacedGrant(refused, reconnectsAtCall), true);
    assert.equal(state.refusedReplacedGrant(dailyCap, reconnectsAtCall), false, 'only a refused grant is asked about');
    assert.equal(state.pullFailed(1_000, refused, true), 'replaced-grant');
    assert.equal(state.connection.status, 'connected');
    assert.equal(state.lastError, `refused the grant the reconnect replaced: ${refused.message}`);
  });

  it('parks runs the stale-reauth-ignored patch does not apply to, as before the patch', () => {
    const state = started();
    state.reconnected(500);
    assert.equal(state.pullFailed(1_000, refused, false), 'needs-reauth');
    assert.equal(state.connection.status, 'needs_reauth');
  });

  it('waits out a daily cap for the wait Pinterest names, or an hour', () => {
    const state = started();
    assert.equal(state.pullFailed(1_000, dailyCap, false), 'rate-limited');
    assert.equal(state.schedule.rateLimitedUntil, 7_201_000);
    assert.equal(state.schedule.nextPullAt, 7_201_000);
    const unnamed = started();
    unnamed.pullFailed(1_000, failure(FAILURE_TYPES.rateLimitedLong, 'rate limited'), false);
    assert.equal(unnamed.schedule.rateLimitedUntil, 3_601_000);
  });

  it('notes any other failure and pulls again an interval later', () => {
    const state = started();
    assert.equal(state.pullFailed(1_000, serverError, false), 'failed');
    assert.equal(state.lastError, 'Pinterest answered 503');
    assert.equal(state.schedule.nextPullAt, 61_000);
    assert.equal(state.connection.status, 'connected');
    state.pulled(61_000, { rows: 3 });
    assert.equal(state.lastError, undefined, 'a pull that succeeds clears the error');
  });
});

describe('a failed entity sync or send', () => {
  it('notes an entity sync failure and syncs again an interval later, pulls unchanged', () => {
    const state = started();
    assert.equal(state.entitySyncFailed(2_000, serverError, false), 'failed');
    assert.equal(state.lastError, 'entity sync: Pinterest answered 503');
    assert.equal(state.schedule.nextEntitySyncAt, 602_000);
    assert.equal(state.schedule.nextPullAt, 60_000);
  });

  it('parks on a refused grant during an entity sync', () => {
    const state = started();
    assert.equal(state.entitySyncFailed(2_000, refused, false), 'needs-reauth');
    assert.equal(state.connection.status, 'needs_reauth');
    assert.equal(state.schedule.nextEntitySyncAt, 602_000);
  });

  it('keeps matches for a later round when a send fails', () => {
    const state = started();
    state.conversionsRecorded(1_000, { matched: 2, pending: 0, pending_total: 0 });
    assert.equal(state.recordsStored(), true);
    assert.equal(state.sendFailed(1_000, serverError, false), 'failed');
    assert.equal(state.unsentMatches, true);
    assert.equal(state.lastError, 'Conversions API: Pinterest answered 503');
    assert.equal(state.recordsStored(), true, 'the next round sends them though nothing new matched');
    state.matchesSent(2);
    assert.equal(state.unsentMatches, false);
    assert.equal(state.counters.conversions_sent, 2);
  });

  it('waits out a daily cap hit by a send like one hit by a pull', () => {
    const state = started();
    assert.equal(state.sendFailed(1_000, dailyCap, false), 'rate-limited');
    assert.equal(state.unsentMatches, true);
    assert.equal(statusOf(state).rate_limited_until, new Date(7_201_000).toISOString());
  });
});

describe('a failed backfill report', () => {
  const range = { start_date: '2025-01-01', end_date: '2025-03-31' };

  it('asks again for an expired report up to REPORT_TRIES times, then drops the range', () => {
    const state = started();
    state.backfill.add(range);
    for (let attempt = 1; attempt < REPORT_TRIES; attempt += 1) {
      assert.equal(state.backfillReportFailed(1_000, attempt, expired, false), 'ask-again');
      assert.deepEqual(state.backfill.ranges, [range]);
    }
    assert.equal(state.backfillReportFailed(1_000, REPORT_TRIES, expired, false), 'failed');
    assert.deepEqual(state.backfill.ranges, []);
    assert.equal(state.lastError, `backfill 2025-01-01..2025-03-31: ${expired.message}`);
  });

  it('keeps the range when the grant is refused or a daily cap is hit', () => {
    const state = started();
    state.backfill.add(range);
    assert.equal(state.backfillReportFailed(1_000, 1, dailyCap, false), 'rate-limited');
    assert.deepEqual(state.backfill.ranges, [range]);
    assert.equal(state.backfillDue(7_200_000), false);
    assert.equal(state.backfillReportFailed(1_000, 1, refused, false), 'needs-reauth');
    assert.deepEqual(state.backfill.ranges, [range]);
  });

  it('drops the range of a failed report with the reason, and goes on with the next', () => {
    const state = started();
    state.backfill.add(range);
    state.backfill.add({ start_date: '2025-04-01', end_date: '2025-04-30' });
    const failed = failure(FAILURE_TYPES.reportFailed, 'the report ended FAILED', { details: [{ status: 'FAILED' }] });
    assert.equal(state.backfillReportFailed(1_000, 1, failed, false), 'failed');
    assert.equal(state.lastError, 'backfill 2025-01-01..2025-03-31: the report ended FAILED');
    assert.deepEqual(state.backfill.head, { start_date: '2025-04-01', end_date: '2025-04-30' });
    state.backfillCollected(30);
    assert.deepEqual(state.backfill.ranges, []);
    assert.deepEqual([state.counters.backfill_ranges_done, state.counters.metric_rows_upserted], [1, 31]);
  });
});

describe('a batch the store refuses', () => {
  it('is recorded one record at a time, so only the invalid ones are dropped', () => {
    const state = started();
    const invalid = failure(FAILURE_TYPES.invalidRecord, 'the database refused a record: value out of range');
    assert.deepEqual(state.batchRefused(['a', 'b', 'c'], invalid), [['a'], ['b'], ['c']]);
    assert.equal(state.counters.records_refused, undefined, 'nothing is dropped yet');
    assert.deepEqual(state.batchRefused(['b'], invalid), []);
    assert.deepEqual(state.batchRefused(['c'], invalid), []);
    assert.equal(state.counters.records_refused, 2);
    assert.equal(state.lastError, invalid.message);
  });

  it('is not split when a retry could still take it, or when the grant was refused', () => {
    const state = started();
    assert.equal(state.batchRefused(['a', 'b'], serverError), undefined);
    assert.equal(state.batchRefused(['a', 'b'], refused), undefined);
    assert.equal(state.batchRefused(['a'], refused), undefined);
    assert.equal(state.counters.records_refused, undefined);
    assert.equal(state.lastError, undefined);
  });
});
