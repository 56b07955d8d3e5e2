// How the ad account workflow calls activities and hands their results and failures to its state
// (AdAccountState decides what they mean). Workflow code: deterministic, activities enter as types
// only. The main loop's own calls stay in the workflow function, awaited exactly where they were:
// moving an await changes how the loop interleaves with the Pinterest reads running beside it.
import { log, patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activityTypes from '../activities/index';
import { failureOf, read, showHealth } from './ad-account-reads';
import type { AdAccountState } from './ad-account-state';
import { BACKFILL_PROGRESS_PATCH } from './backfill-progress';
import { cpaAlertsAfterPull, cpaAlertsAfterPump } from './cpa-alerts';
import { parks, type CallFailure, type FailureMeaning } from './failure-types';
import { PRODUCT_PULLS_PATCH, pullProducts } from './product-pulls';
import { ACTIVITY_OPTIONS, CONNECTION_STATUS, LAST_SUCCESSFUL_PULL } from './shared';

type Activities = activityTypes.Activities;

/** Conversions API sends. */
export const sends = proxyActivities<Activities>(ACTIVITY_OPTIONS.sends);
/** Storing Routy's records and settings, expiring holds. */
export const records = proxyActivities<Activities>(ACTIVITY_OPTIONS.records);

/** Shows the connection, or `paused`, in the account's `PinterestConnectionStatus` search attribute. */
export function showConnectionStatus(state: AdAccountState): void {
  upsertSearchAttributes([{ key: CONNECTION_STATUS, value: state.connection.visibleStatus }]);
}

/**
 * A failed Pinterest call, and whether the patch that keeps the refusal of a replaced grant from
 * parking the account applies. `reconnectsAtCall`: `connection.reconnects` when the call began.
 */
export function pinterestFailure(state: AdAccountState, error: unknown, reconnectsAtCall: number): [CallFailure, boolean] {
  return withStaleReauth(state, failureOf(error), reconnectsAtCall);
}

/** The same for a failure already read as plain facts (the record pump returns its post's failure). */
function withStaleReauth(state: AdAccountState, failure: CallFailure, reconnectsAtCall: number): [CallFailure, boolean] {
  // patched() records a marker: it is asked only for a grant refused after a reconnect, as always.
  return [failure, state.refusedReplacedGrant(failure, reconnectsAtCall) && patched('stale-reauth-ignored')];
}

/** Acts on what the state made of a failed Pinterest call: a refused grant shows in the search attribute. */
export function noted(state: AdAccountState, meaning: FailureMeaning): void {
  if (meaning === 'needs-reauth') showConnectionStatus(state);
  log.warn('Pinterest call failed', { ad_account_id: state.input.ad_account_id, meaning, error: state.lastError });
}

/** Records a batch; when the state says the store refused it, records what the state hands back instead. */
export async function recordEach<T>(state: AdAccountState, batch: T[], record: (items: T[]) => Promise<void>): Promise<void> {
  try {
    await record(batch);
  } catch (error) {
    const instead = state.batchRefused(batch, failureOf(error));
    if (!instead) throw error;
    if (instead.length === 0) log.warn('record refused by the store', { error: state.lastError });
    for (const items of instead) await recordEach(state, items, record);
  }
}

/** Entity sync, pull and one backfill range, each when due: the Pinterest reads of a round. */
export async function readPinterest(state: AdAccountState): Promise<void> {
  const { ad_account_id } = state.input;
  if (state.entitySyncDue(Date.now())) {
    const reconnects = state.connection.reconnects;
    try {
      await read(state, 'syncEntities', (a) => a.syncEntities({ ad_account_id }));
      state.schedule.entitySyncEnded(Date.now());
      state.unsyncedAds.fullSyncDone();
    } catch (error) {
      noted(state, state.entitySyncFailed(Date.now(), ...pinterestFailure(state, error, reconnects)));
    }
  }
  if (state.pullDue(Date.now())) {
    const reconnects = state.connection.reconnects;
    try {
      const request = { ad_account_id, min_days: state.restatementDays(), backfill_days: state.input.schedule.backfill_days, settings: state.settings };
      const pulled = await read(state, 'pullMetrics', (a) => a.pullMetrics(request));
      state.pulled(Date.now(), pulled);
      state.backfill.learned(pulled);
      if (pulled.dropped) {
        const { start_date, end_date, days, reason } = pulled.dropped;
        log.warn('the automatic backfill left days out', { ad_account_id, start_date, end_date, days, reason });
      }
      upsertSearchAttributes([{ key: LAST_SUCCESSFUL_PULL, value: new Date() }]);
      if (patched(PRODUCT_PULLS_PATCH)) {
        // A refused grant or a daily cap parks the account; any other failure shows in last_error and the next pull tries again.
        await pullProducts(state).catch((error: unknown) => noted(state, state.adSyncFailed(Date.now(), ...pinterestFailure(state, error, reconnects), 'product pull')));
      }
      cpaAlertsAfterPull(state);
    } catch (error) {
      noted(state, state.pullFailed(Date.now(), ...pinterestFailure(state, error, reconnects)));
    }
  }
  if (state.backfillDue(Date.now())) {
    const range = state.backfill.head!;
    const reconnects = state.connection.reconnects;
    // Since this patch the head's steps and the finished pieces show in `status` (nothing else changes).
    if (patched(BACKFILL_PROGRESS_PATCH)) state.backfill.trackProgress();
    for (let attempt = 1; ; attempt += 1) {
      try {
        state.backfill.step('requesting_report', attempt);
        const token = await read(state, 'requestAdReport', (a) => a.requestAdReport({ ad_account_id, ...range, settings: state.settings }));
        state.backfill.step('collecting_report', attempt);
        const collected = await read(state, 'collectAdReport', (a) => a.collectAdReport({ ad_account_id, token, settings: state.settings }), { polled: true });
        state.backfillCollected(collected.rows);
        return;
      } catch (error) {
        const meaning = state.backfillReportFailed(Date.now(), attempt, ...pinterestFailure(state, error, reconnects));
        if (meaning === 'ask-again') continue;
        noted(state, meaning);
        return;
      }
    }
  }
}

/**
 * Runs the record pump once (`pumpRecords`): it takes the inbox's records, stores and attributes
 * them and, while Pinterest can be reached, posts the matches. A failed post is handed to the state
 * like a failed send; the matches then wait for the loop's next send.
 */
export async function pumpInbox(state: AdAccountState): Promise<void> {
  const { input, connection } = state;
  const send = connection.canReachPinterest;
  const reconnects = connection.reconnects;
  state.pumping = true;
  try {
    const result = await records.pumpRecords({ ad_account_id: input.ad_account_id, settings: state.settings, hold_seconds: input.schedule.hold_seconds, send });
    state.pumped(Date.now(), result, send);
    cpaAlertsAfterPump(state, result.matched);
    const failed = result.send_failure;
    if (failed) showHealth(state, state.health.failed('pumpRecords', undefined, failed.message, Date.now()));
    else if (send) showHealth(state, state.health.succeeded('pumpRecords', Date.now()));
    if (failed) {
      const failure: CallFailure = { type: failed.type, message: failed.message, details: failed.details, nonRetryable: failed.non_retryable };
      noted(state, state.sendFailed(Date.now(), ...withStaleReauth(state, failure, reconnects)));
    }
  } catch (error) {
    // The records stay in the inbox; the next nudge (or continue-as-new) takes them.
    state.lastError = `record pump: ${failureOf(error).message}`;
    showHealth(state, state.health.failed('pumpRecords', undefined, state.lastError, Date.now()));
    log.warn('record pump failed', { ad_account_id: input.ad_account_id, error: state.lastError });
  } finally {
    state.pumping = false;
  }
}

/**
 * Syncs the next batch of queued ads (`syncAds`: the ads by id, their ad groups, campaigns and
 * pins; the attributions that lacked placement completed). Ids Pinterest does not list are
 * remembered until the next full sync. On a refused grant or a daily cap the ids go back to the
 * queue and the account waits; on any other failure they are left to the hourly full sync.
 */
export async function syncUnsyncedAds(state: AdAccountState): Promise<void> {
  const batch = state.unsyncedAds.take();
  const reconnects = state.connection.reconnects;
  try {
    const request = { ad_account_id: state.input.ad_account_id, ...batch };
    state.unsyncedAds.synced(await read(state, 'syncAds', (a) => a.syncAds(request), { beside: true }));
  } catch (error) {
    const [failure, staleReauthIgnored] = pinterestFailure(state, error, reconnects);
    if (parks(failure)) state.unsyncedAds.putBack();
    else state.unsyncedAds.dropped();
    noted(state, state.adSyncFailed(Date.now(), failure, staleReauthIgnored));
  }
}
