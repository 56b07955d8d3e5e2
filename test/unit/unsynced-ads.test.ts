import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { AdAccountState } from '../../workflows/ad-account-state';
import { carryOf, statusOf } from '../../workflows/ad-account-snapshot';
import type { AdAccountWorkflowInput, PumpCounts } from '../../workflows/ad-account-types';
import { FAILURE_TYPES } from '../../workflows/failure-types';
import { adSyncDue, IDS_PER_SYNC, MAX_QUEUED_IDS, UnsyncedAds } from '../../workflows/unsynced-ads';

const input: AdAccountWorkflowInput = {
  ad_account_id: '1',
  settings: DEFAULT_ATTRIBUTION_SETTINGS,
  schedule: { pull_interval_seconds: 60, hold_seconds: 100, backfill_days: 90 },
};

const pump = (extra: Partial<PumpCounts> = {}): PumpCounts => ({
  conversions_taken: 1, conversions_inserted: 1, touchpoints_taken: 1, matched: 1, pending: 0, refused: 0, sends: { sent: 1 }, more: false, unsent_left: false, ...extra,
});

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(1000 + from + i));

describe('UnsyncedAds', () => {
  it('queues ad and pin ids once each, oldest first, and takes one call of 250 at a time', () => {
    const queue = new UnsyncedAds();
    assert.equal(queue.waiting, false);
    assert.equal(queue.add(['7', '8', '7'], ['900']), 3);
    assert.equal(queue.add(['8', '9'], ['900']), 1, 'ids already queued are not queued again');
    assert.deepEqual(queue.take(), { ad_ids: ['7', '8', '9'], pin_ids: ['900'] });
    assert.equal(queue.waiting, false);
    queue.add(ids(IDS_PER_SYNC + 10));
    assert.equal(queue.take().ad_ids.length, IDS_PER_SYNC);
    assert.deepEqual(queue.take().ad_ids, ids(10, IDS_PER_SYNC));
  });

  it('is bounded: ids beyond MAX_QUEUED_IDS are left to the hourly full sync', () => {
    const queue = new UnsyncedAds();
    assert.equal(queue.add(ids(MAX_QUEUED_IDS + 5)), MAX_QUEUED_IDS);
    assert.equal(queue.adIds.length, MAX_QUEUED_IDS);
    const batch = queue.take();
    queue.add(['1']);
    queue.putBack();
    assert.equal(queue.adIds.length, MAX_QUEUED_IDS, 'put back at the head, still bounded');
    assert.deepEqual(queue.adIds.slice(0, IDS_PER_SYNC), batch.ad_ids);
  });

  it('does not ask again for ads Pinterest did not list, until the next full sync', () => {
    const queue = new UnsyncedAds();
    queue.add(['7', '8'], ['900']);
    const batch = queue.take();
    queue.synced({ unknown_ad_ids: ['8'], unknown_pin_ids: ['900'] });
    assert.equal(queue.add(['8'], ['900']), 0, 'a new credit to an unknown ad queues nothing: no loop');
    assert.equal(queue.add(['7']), 1, 'a listed ad may be asked for again (its attribution raced the sync)');
    queue.take();
    queue.synced({ unknown_ad_ids: [], unknown_pin_ids: [] });
    queue.fullSyncDone();
    assert.equal(queue.add(batch.ad_ids, batch.pin_ids), 3, 'after a full sync, unknown ids may be asked for again');
  });

  it('queues an ad credited again while its sync runs once more only if Pinterest listed it', () => {
    const queue = new UnsyncedAds();
    queue.add(['7', '8']);
    queue.take();
    assert.equal(queue.add(['7', '8', '9']), 1, 'in flight: only the new id is queued');
    queue.synced({ unknown_ad_ids: ['8'], unknown_pin_ids: [] });
    assert.deepEqual(queue.take().ad_ids, ['9', '7'], 'the listed one comes back (its attribution may postdate the fill), the unknown one does not');
    queue.dropped();
    assert.equal(queue.add(['9']), 1, 'a failed sync leaves nothing in flight');
  });

  it('is carried across continue-as-new, and absent from the carry when empty', () => {
    const state = new AdAccountState(input, 0);
    assert.equal(carryOf(state).carried?.unsynced_ads, undefined);
    state.pumped(0, pump({ unsynced_ad_ids: ['7', '8'], unsynced_pin_ids: ['900'] }), true);
    state.unsyncedAds.synced({ unknown_ad_ids: ['6'], unknown_pin_ids: [] });
    const carried = carryOf(state);
    assert.deepEqual(carried.carried?.unsynced_ads, { ad_ids: ['7', '8'], pin_ids: ['900'], unknown_ad_ids: ['6'], unknown_pin_ids: [] });
    const next = new AdAccountState(JSON.parse(JSON.stringify(carried)) as AdAccountWorkflowInput, 1000);
    assert.deepEqual(next.unsyncedAds.take(), { ad_ids: ['7', '8'], pin_ids: ['900'] });
    assert.equal(next.unsyncedAds.add(['6']), 0);
    assert.deepEqual(Object.keys(statusOf(next)).includes('unsynced_ads'), false, 'the status answer keeps its shape');
  });
});

describe('the on-demand ad sync in the account state', () => {
  it('is due only with ids waiting, Pinterest reachable and no daily cap', () => {
    const state = new AdAccountState(input, 0);
    assert.equal(adSyncDue(state, 0), false);
    state.pumped(0, pump({ unsynced_ad_ids: ['7'] }), true);
    assert.equal(adSyncDue(state, 0), true);
    state.connection.pause('audit');
    assert.equal(adSyncDue(state, 0), false, 'paused');
    state.resume(0);
    assert.equal(adSyncDue(state, 0), true);
    const cap = { type: FAILURE_TYPES.rateLimitedLong, message: 'daily cap', details: [{ retry_after_seconds: 3600 }], nonRetryable: true };
    assert.equal(state.adSyncFailed(1000, cap, false), 'rate-limited');
    assert.equal(adSyncDue(state, 2000), false, 'waits for the daily cap to end');
    assert.equal(adSyncDue(state, 1000 + 3600_000), true);
    const refused = { type: FAILURE_TYPES.reauth, message: 'refused', nonRetryable: true };
    assert.equal(state.adSyncFailed(5000, refused, false), 'needs-reauth');
    assert.equal(adSyncDue(state, 4000_000), false, 'waits for re-authorization');
    state.reconnected(4000_000);
    assert.equal(adSyncDue(state, 4000_000), true);
    assert.equal(state.adSyncFailed(5000, { message: 'HTTP 500', nonRetryable: false }, false), 'failed');
    assert.equal(statusOf(state).last_error, 'ad sync: HTTP 500');
  });

  it('a pump from before the on-demand sync (no unsynced ids in its result) queues nothing', () => {
    const state = new AdAccountState(input, 0);
    state.pumped(0, pump(), true);
    assert.equal(state.unsyncedAds.waiting, false);
  });
});
