import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdAccountState } from '../../workflows/ad-account-state';
import { carryOf, statusOf } from '../../workflows/ad-account-snapshot';
import { FAILURE_TYPES } from '../../workflows/failure-types';
import { backfillProblems } from '../../domain/pull-plan';
import { DEFAULT_ATTRIBUTION_SETTINGS, settingsProblems } from '../../domain/attribution-settings';
import type { AdAccountWorkflowInput } from '../../workflows/ad-account-types';

const input: AdAccountWorkflowInput = {
  ad_account_id: '1',
  settings: { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 14, engagement_window_days: 60 },
  schedule: { pull_interval_seconds: 60, hold_seconds: 100, backfill_days: 90 },
};

const refused = { type: FAILURE_TYPES.reauth, message: 'refused', nonRetryable: true };

describe('AdAccountState', () => {
  it('re-reads the restatement window (longest of click and engagement) every pull interval', () => {
    const state = new AdAccountState(input, 0);
    assert.equal(state.pullDue(0), true);
    assert.equal(state.restatementDays(), 60);
    state.pulled(1_000, { rows: 500 });
    assert.equal(state.pullDue(60_999), false);
    assert.equal(state.pullDue(61_000), true);
    assert.deepEqual([state.counters.pulls, state.counters.metric_rows_upserted], [1, 500]);
    assert.equal(statusOf(state).last_pull_at, new Date(1_000).toISOString());
  });

  it('parks pulls while the grant is refused and pulls at once when reconnected', () => {
    const state = new AdAccountState(input, 0);
    state.pulled(0, { rows: 1 });
    state.schedule.entitySyncEnded(0);
    assert.equal(state.pullFailed(5_000, refused, false), 'needs-reauth');
    assert.equal(state.pullDue(10 * 60_000), false);
    assert.equal(state.msUntilNextDue(10 * 60_000), undefined, 'no timer while parked and nothing pending');
    state.reconnected(10 * 60_000);
    assert.equal(statusOf(state).connection_status, 'connected');
    assert.equal(state.connection.reconnects, 1);
    assert.equal(state.pullDue(10 * 60_000), true);
    assert.equal(state.entitySyncDue(10 * 60_000), true);
  });

  it('stays disconnected when a reconnect comes after a disconnect', () => {
    const state = new AdAccountState(input, 0);
    state.connection.disconnect();
    state.reconnected(1_000);
    assert.equal(state.connection.status, 'disconnected');
    assert.equal(state.connection.reconnects, 0);
  });

  it('shows a pause in the search attribute and pulls at once on resume', () => {
    const state = new AdAccountState(input, 0);
    state.pulled(0, { rows: 1 });
    state.connection.pause('audit');
    state.connection.pause(undefined);
    assert.equal(state.connection.visibleStatus, 'paused');
    assert.equal(statusOf(state).paused_reason, 'audit', 'a pause without a reason keeps the earlier one');
    assert.equal(state.pullDue(120_000), false);
    state.resume(30_000);
    assert.equal(state.connection.visibleStatus, 'connected');
    assert.equal(statusOf(state).paused_reason, undefined);
    assert.equal(state.pullDue(30_000), true);
  });

  it('waits out a long rate limit and shows it in status', () => {
    const state = new AdAccountState(input, 0);
    state.schedule.entitySyncEnded(0);
    state.backfill.add({ start_date: '2025-01-01', end_date: '2025-01-31' });
    const capped = { type: FAILURE_TYPES.rateLimitedLong, message: 'daily cap', details: [{ retry_after_seconds: 7200 }], nonRetryable: true };
    assert.equal(state.pullFailed(1_000, capped, false), 'rate-limited');
    assert.equal(statusOf(state).rate_limited_until, new Date(7_201_000).toISOString());
    assert.equal(statusOf(state).last_error, 'daily cap');
    assert.equal(state.pullDue(7_200_999), false);
    assert.equal(state.backfillDue(7_200_999), false);
    assert.equal(state.entitySyncDue(7_200_999), false);
    assert.equal(state.pullDue(7_201_000), true);
    assert.equal(state.backfillDue(7_201_000), true);
    state.pulled(7_201_000, { rows: 0 });
    assert.equal(statusOf(state).rate_limited_until, undefined, 'a pull that succeeds ends the cap');
  });

  it('applies a saved settings change and pulls under it at once', () => {
    const state = new AdAccountState(input, 0);
    state.pulled(0, { rows: 1 });
    assert.deepEqual(state.requestSettings({ click_window_days: 7 }), { ...input.settings, click_window_days: 7 });
    assert.deepEqual(state.requestSettings({ view_window_days: 0 }), { ...input.settings, click_window_days: 7, view_window_days: 0 }, 'changes merge in order');
    assert.equal(state.hasBufferedWork(), true);
    state.settingsSaved(state.pendingSettings!, 5_000);
    assert.equal(state.pendingSettings, undefined);
    assert.equal(state.settings.click_window_days, 7);
    assert.equal(state.pullDue(5_000), true);
    assert.equal(state.hasBufferedWork(), false);
  });

  it('keeps one expiry time, the earliest, and survives continue-as-new as plain JSON', () => {
    const state = new AdAccountState(input, 0);
    state.pulled(0, { rows: 1 });
    state.schedule.entitySyncEnded(0);
    state.conversionsRecorded(10_000, { matched: 0, pending: 1 });
    state.conversionsRecorded(20_000, { matched: 0, pending: 1 });
    assert.equal(state.schedule.nextExpiryAt, 110_000);
    assert.equal(state.msUntilNextDue(30_000), 30_000, 'the pull at 60 s comes before the expiry at 110 s');
    assert.equal(state.msUntilNextDue(30_000, { pinterestInFlight: true }), 80_000, 'a pull under way wakes the loop itself');
    state.bufferConversions([
      { event_id: 'a', event_name: 'lead', event_time: '2026-11-29T00:00:00.000Z', ad_account_id: '1', action_source: 'web', user_data: {} },
    ]);
    state.backfill.add({ start_date: '2025-01-01', end_date: '2025-06-30' });
    state.unsentMatches = true;
    state.requestSettings({ click_window_days: 7 });
    state.connection.pause('audit');
    state.lastError = 'entity sync: 503';
    const next = new AdAccountState(JSON.parse(JSON.stringify(carryOf(state))), 30_000);
    assert.deepEqual(statusOf(next), statusOf(state));
    assert.equal(next.unsentMatches, true);
    assert.deepEqual(next.pendingSettings, { ...input.settings, click_window_days: 7 });
    assert.deepEqual(next.backfill.ranges, [{ start_date: '2025-01-01', end_date: '2025-06-30' }]);
    assert.equal(next.connection.visibleStatus, 'paused');
    assert.equal(next.buffers.takeConversions().length, 1);
  });
});

describe('history bounds', () => {
  const today = '2026-11-29';
  it('clamps a backfill to the creation date a pull told, and its oldest piece says so', () => {
    const state = new AdAccountState(input, 0);
    assert.deepEqual(state.backfill.addWithinHistory({ start_date: '2020-01-01', end_date: '2024-09-30' }, today), [
      { start_date: '2024-05-30', end_date: '2024-09-30', requested_start_date: '2020-01-01', clamped_by: 'history_limit', clamped_days: 1611 },
    ]);
    state.backfill.learned({ account_created_date: '2025-03-01', dropped: { start_date: '2024-11-30', end_date: '2025-02-28', days: 91, reason: 'account_created' } });
    assert.deepEqual(state.backfill.addWithinHistory({ start_date: '2025-01-01', end_date: '2025-10-31' }, today), [
      { start_date: '2025-03-01', end_date: '2025-09-02', requested_start_date: '2025-01-01', clamped_by: 'account_created', clamped_days: 59 },
      { start_date: '2025-09-03', end_date: '2025-10-31' },
    ]);
    assert.deepEqual(state.backfill.addWithinHistory({ start_date: '2025-06-01', end_date: '2025-06-30' }, today), [{ start_date: '2025-06-01', end_date: '2025-06-30' }]);
    assert.deepEqual(backfillProblems({ start_date: '2025-01-01', end_date: '2025-02-01' }, today, state.backfill.history.account_created_date), [
      'end_date: must not be before 2025-03-01: the ad account was created on 2025-03-01, nothing to backfill',
    ]);
  });

  it('shows the creation date and the days the automatic backfill left out in status, across continue-as-new', () => {
    const state = new AdAccountState(input, 0);
    assert.equal(statusOf(state).history_dropped, undefined);
    const dropped = { start_date: '2024-11-30', end_date: '2025-02-28', days: 91, reason: 'account_created' as const };
    state.backfill.learned({ account_created_date: '2025-03-01', dropped });
    assert.deepEqual(statusOf(state).history_dropped, dropped);
    assert.equal(statusOf(state).account_created_date, '2025-03-01');
    const next = new AdAccountState(JSON.parse(JSON.stringify(carryOf(state))), 30_000);
    assert.deepEqual(statusOf(next), statusOf(state));
    // A later pull that dropped nothing keeps the last word (it is still true of the account's history).
    next.backfill.learned({ account_created_date: '2025-03-01' });
    assert.deepEqual(statusOf(next).history_dropped, dropped);
  });
});

describe('update validators', () => {
  const today = '2026-11-29';
  it('name each field of a refused backfill range', () => {
    assert.deepEqual(backfillProblems({ start_date: '2026-01-01', end_date: '2026-01-05' }, today), []);
    assert.deepEqual(backfillProblems({}, today), ['start_date: is required', 'end_date: is required']);
    assert.deepEqual(backfillProblems({ start_date: '2026-02-30', end_date: 20260305 }, today), ['start_date: must be a YYYY-MM-DD date', 'end_date: must be a YYYY-MM-DD date']);
    assert.deepEqual(backfillProblems({ start_date: '2026-03-05', end_date: '2026-03-01' }, today), ['start_date: must not be after end_date']);
    assert.deepEqual(backfillProblems({ start_date: '2026-13-01', end_date: '2026-01-05' }, today), ['start_date: must be a YYYY-MM-DD date'], 'no comparison with a broken date');
    assert.deepEqual(backfillProblems({ start_date: '2024-05-28', end_date: '2026-11-30' }, today), ['end_date: must not be after today']);
    assert.deepEqual(backfillProblems({ start_date: '2020-05-29', end_date: today }, today), [], 'reaching past 914 days is clamped, not refused');
    assert.deepEqual(backfillProblems({ start_date: '2020-05-29', end_date: '2024-05-29' }, today), ['end_date: must not be before 2024-05-30: Pinterest keeps 914 days of history, nothing to backfill']);
    assert.deepEqual(backfillProblems({ start_date: '2026-01-01', end_date: '2026-01-05', level: 'ad' }, today), ['level: is not a known field']);
    assert.match(backfillProblems(['2026-01-01'], today)[0]!, /^\(request\): must be an object like/);
  });

  it('name each field of a refused settings change', () => {
    assert.deepEqual(settingsProblems({ click_window_days: 7, conversion_report_time: 'TIME_OF_CONVERSION' }), []);
    assert.deepEqual(settingsProblems({ click_window_days: 3, view_window_days: '1' }), ['click_window_days: must be one of 0, 1, 7, 14, 30, 60', 'view_window_days: must be one of 0, 1, 7, 14, 30, 60']);
    assert.deepEqual(settingsProblems({ conversion_report_time: 'NOW' }), ['conversion_report_time: must be TIME_OF_AD_ACTION or TIME_OF_CONVERSION']);
    assert.deepEqual(settingsProblems({ click_window: 7 }), ['click_window: is not a known field']);
    assert.match(settingsProblems(null)[0]!, /^\(request\): must be an object like/);
  });
});
