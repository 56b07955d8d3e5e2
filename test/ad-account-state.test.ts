import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdAccountState } from '../workflows/ad-account-state';
import { DEFAULT_ATTRIBUTION_SETTINGS, type AdAccountWorkflowInput } from '../workflows/messages';

const input: AdAccountWorkflowInput = {
  ad_account_id: '1',
  settings: { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 14, engagement_window_days: 60 },
  schedule: { pull_interval_seconds: 60, hold_seconds: 100, backfill_days: 90 },
};

describe('AdAccountState', () => {
  it('re-reads the restatement window (longest of click and engagement) every pull interval', () => {
    const state = new AdAccountState(input, 0);
    assert.equal(state.pullDue(0), true);
    assert.equal(state.restatementDays(), 60);
    state.pullSucceeded(1_000, 500);
    assert.equal(state.pullDue(60_999), false);
    assert.equal(state.pullDue(61_000), true);
  });

  it('parks pulls while the grant is refused and pulls at once when reconnected', () => {
    const state = new AdAccountState(input, 0);
    state.pullSucceeded(0, 1);
    state.entitySyncSucceeded(0);
    state.needsReauth('refused');
    assert.equal(state.pullDue(10 * 60_000), false);
    assert.equal(state.msUntilNextDue(10 * 60_000), undefined, 'no timer while parked and nothing pending');
    state.reconnected(10 * 60_000);
    assert.equal(state.status().connection_status, 'connected');
    assert.equal(state.pullDue(10 * 60_000), true);
  });

  it('waits out a long rate limit and shows it in status', () => {
    const state = new AdAccountState(input, 0);
    state.rateLimitedFor(1_000, 7200, 'daily cap');
    assert.equal(state.status().rate_limited_until, new Date(7_201_000).toISOString());
    assert.equal(state.pullDue(7_200_999), false);
    assert.equal(state.pullDue(7_201_000), true);
  });

  it('keeps one expiry time, the earliest, and survives continue-as-new as plain JSON', () => {
    const state = new AdAccountState(input, 0);
    state.pullSucceeded(0, 1);
    state.entitySyncSucceeded(0);
    state.pendingAdded(10_000);
    state.pendingAdded(20_000);
    assert.equal(state.nextExpiryAt, 110_000);
    assert.equal(state.msUntilNextDue(30_000), 30_000, 'the pull at 60 s comes before the expiry at 110 s');
    state.bufferConversions([
      { event_id: 'a', event_name: 'lead', event_time: '2026-11-29T00:00:00.000Z', ad_account_id: '1', action_source: 'web', user_data: {} },
    ]);
    state.backfillQueue.push({ start_date: '2025-01-01', end_date: '2025-06-30' });
    state.unsentMatches = true;
    state.requestSettings({ click_window_days: 7 });
    state.lastError = 'entity sync: 503';
    const next = new AdAccountState(JSON.parse(JSON.stringify(state.carry())), 30_000);
    assert.deepEqual(next.status(), state.status());
    assert.equal(next.unsentMatches, true);
    assert.deepEqual(next.pendingSettings, { ...input.settings, click_window_days: 7 });
    assert.deepEqual(next.backfillQueue, [{ start_date: '2025-01-01', end_date: '2025-06-30' }]);
    assert.equal(next.takeConversions().length, 1);
  });
});
