// The ad account workflow only wires (Temporal's safe-message-handlers sample): it registers the
// message handlers, runs rounds of activities and continues-as-new. What each message, result and
// failure means is AdAccountState's to decide; the Pinterest reads are in ad-account-calls.ts.
import { allHandlersFinished, condition, continueAsNew, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import { noted, pinterestFailure, pumpInbox, readPinterest, recordEach, records, sends, showConnectionStatus, syncUnsyncedAds } from './ad-account-calls';
import { registerHandlers } from './ad-account-handlers';
import { askReadHealthPatch, showHealth } from './ad-account-reads';
import { carryOf } from './ad-account-snapshot';
import { AdAccountState } from './ad-account-state';
import { adSyncDue } from './unsynced-ads';
import type { AdAccountWorkflowInput } from './ad-account-types';
import { CallGuard, ORIGIN_PATCH, refuseUnusableInput } from './call-guards';
import { runCpaAlerts } from './cpa-alerts';
import { AD_ACCOUNT_ID, CONNECTION_STATUS, HEALTH } from './shared';

/**
 * One workflow per connected Pinterest ad account (id from `adAccountWorkflowId`). Runs until
 * disconnected: syncs entities and pulls daily metrics on their schedules, takes Routy's
 * conversions and touchpoints by signal, attributes them and posts matches to the Conversions
 * API through activities, expires holds with one timer, and continues-as-new when Temporal
 * suggests it. A refused grant parks it in `needs_reauth` until the `connected` signal.
 */
export async function adAccountWorkflow(input: AdAccountWorkflowInput): Promise<void> {
  refuseUnusableInput(input);
  const state = new AdAccountState(input, Date.now());
  const { connection, buffers } = state;
  const id = input.ad_account_id;
  // Asked before any handler runs (signals that came with the start wait for their handler).
  const originsRequired = patched(ORIGIN_PATCH);
  registerHandlers(state, new CallGuard(originsRequired, state.counters), originsRequired);
  // Runs with this patch retry Pinterest reads themselves, so `status.health` knows each attempt,
  // and show the health in `PinterestHealth` (workflows/ad-account-reads.ts).
  const healthShown = askReadHealthPatch(state);
  upsertSearchAttributes([
    { key: AD_ACCOUNT_ID, value: id },
    { key: CONNECTION_STATUS, value: connection.status },
    ...(healthShown ? [{ key: HEALTH, value: state.health.state }] : []),
  ]);

  // Runs started before this patch await the reads inside the loop, as they always did; newer runs
  // let the loop record, attribute and send while a pull or a backfill report (up to 2 hours) runs.
  const readsBeside = patched('pinterest-reads-beside-records');
  let reads: Promise<void> | undefined;
  let readsEnded = false;
  // Runs started before this patch drain the buffers in every round, as they always did: under a
  // steady stream of signals that drain may never end and the continue-as-new check below is never
  // reached. Newer runs take a bounded round (RecordBuffers.takeRound); the rest waits for the next.
  const boundedRounds = patched('bounded-rounds');
  // The record pump (Routy's records through PostgreSQL's inbox) runs beside the loop, like the reads.
  // Only runs that got a `recordsWaiting` nudge start it: histories from before have none.
  let pump: Promise<void> | undefined;
  let pumpEnded = false;
  // The on-demand ad sync (ads the pump credited before any sync saw them) runs beside the loop too.
  // Pump results recorded before it carry no such ads: replays of older histories queue none and
  // never reach its `sync-unsynced-ads` patch.
  let adSync: Promise<void> | undefined;
  let adSyncEnded = false;
  // CPA alerts (evaluation, then webhook deliveries) run beside the loop too, once a pull, a target
  // change or a pump made them due: only runs with the `cpa-alerts` patch ever make them due.
  let alerts: Promise<void> | undefined;
  let alertsEnded = false;
  const storeTouchpoints = async (touchpoints: TouchpointRecord[]) => {
    state.touchpointsRecorded(await records.recordTouchpoints({ ad_account_id: id, touchpoints, settings: state.settings }));
  };
  const storeConversions = async (conversions: ConversionRecord[]) => {
    const result = await records.recordConversions({ ad_account_id: id, conversions, settings: state.settings, hold_seconds: input.schedule.hold_seconds });
    state.conversionsRecorded(Date.now(), result);
  };

  // A disconnect still stores what Routy already handed over before the workflow ends.
  while (!connection.disconnected || state.hasBufferedWork() || pump) {
    if (readsBeside) {
      // Every reason to wake is one the round below acts on, so the loop never spins.
      await condition(
        () =>
          buffers.hasRecords() ||
          readsEnded ||
          pumpEnded ||
          adSyncEnded ||
          alertsEnded ||
          (!alerts && state.cpaAlerts.due && !workflowInfo().continueAsNewSuggested) ||
          (!adSync && adSyncDue(state, Date.now()) && !workflowInfo().continueAsNewSuggested) ||
          // Waiting records start a pump, or, once continue-as-new is suggested, the continue-as-new
          // that carries them (after the reads under way end).
          (state.recordsWaiting && !pump && !(workflowInfo().continueAsNewSuggested && reads)) ||
          // While the pump runs, a disconnect waits for its end, and so do reads once continue-as-new
          // is suggested (the round could neither start them nor continue as new: it would spin).
          (!reads &&
            ((connection.disconnected && !pump) ||
              state.pendingSettings !== undefined ||
              (state.pinterestReadsDue(Date.now()) && !(pump && workflowInfo().continueAsNewSuggested)))),
        state.msUntilNextDue(Date.now(), { pinterestInFlight: reads !== undefined }),
      );
      readsEnded = false;
      pumpEnded = false;
      adSyncEnded = false;
      alertsEnded = false;
    } else {
      await condition(
        () => state.hasBufferedWork() || connection.disconnected || state.pullDue(Date.now()) || state.backfillDue(Date.now()),
        state.msUntilNextDue(Date.now()),
      );
    }

    // Saved only between reads: a pull under way must not end after the save and mark its old
    // settings' days as pulled.
    if (state.pendingSettings && !reads) {
      const settings = state.pendingSettings;
      await records.saveAttributionSettings({ ad_account_id: id, settings });
      state.settingsSaved(settings, Date.now());
    }
    // No new reads once Temporal suggests continue-as-new: a queue of backfill reports must not
    // keep one running at every check below and hold the history growing for hours.
    if (readsBeside && !reads && state.pinterestReadsDue(Date.now()) && !workflowInfo().continueAsNewSuggested) {
      reads = readPinterest(state).finally(() => {
        reads = undefined;
        readsEnded = true;
      });
    } else if (!readsBeside) {
      await readPinterest(state);
    }
    if (state.recordsWaiting && !pump && !workflowInfo().continueAsNewSuggested && patched('records-pump')) {
      state.recordsWaiting = false;
      pump = pumpInbox(state).finally(() => {
        pump = undefined;
        pumpEnded = true;
      });
    }
    // Seconds after the pump credited an ad no sync saw, not at the next hourly sync.
    if (!adSync && adSyncDue(state, Date.now()) && !workflowInfo().continueAsNewSuggested) {
      if (patched('sync-unsynced-ads')) {
        adSync = syncUnsyncedAds(state).finally(() => {
          adSync = undefined;
          adSyncEnded = true;
        });
      } else {
        // Unreachable (a history without the marker has no pump result that queued ads); dropping
        // them keeps the loop from spinning.
        state.unsyncedAds.take();
        state.unsyncedAds.dropped();
      }
    }
    if (!alerts && state.cpaAlerts.due && !workflowInfo().continueAsNewSuggested) {
      alerts = runCpaAlerts(state).finally(() => {
        alerts = undefined;
        alertsEnded = true;
      });
    }
    // Each call below is awaited here, in the loop itself: an await moved into a helper would shift
    // how the loop interleaves with the reads beside it, and replays of running workflows with it.
    if (boundedRounds) {
      const round = buffers.takeRound();
      for (const batch of round.touchpoints) await recordEach(state, batch, storeTouchpoints);
      for (const batch of round.conversions) await recordEach(state, batch, storeConversions);
    } else {
      while (buffers.touchpoints.length > 0) await recordEach(state, buffers.takeTouchpoints(), storeTouchpoints);
      while (buffers.conversions.length > 0) await recordEach(state, buffers.takeConversions(), storeConversions);
    }
    // One sender at a time: while the pump posts, matches of this round wait for the next.
    if (!pump && state.recordsStored()) {
      const reconnects = connection.reconnects;
      try {
        state.matchesSent((await sends.sendMatchedConversions({ ad_account_id: id })).sent);
        showHealth(state, state.health.succeeded('sendMatchedConversions', Date.now()));
      } catch (error) {
        // Matches stay stored and are sent on a later round; the reason shows in status.
        const [failure, staleReauthIgnored] = pinterestFailure(state, error, reconnects);
        showHealth(state, state.health.failed('sendMatchedConversions', undefined, failure.message, Date.now()));
        noted(state, state.sendFailed(Date.now(), failure, staleReauthIgnored));
      }
    }
    if (state.schedule.expiryDue(Date.now())) state.holdsExpired(await records.expirePendingConversions({ ad_account_id: id }));
    // With empty buffers, or small ones: under a steady stream of signals the buffers are never
    // empty here, and the history must not reach Temporal's hard limit. Buffers too large to carry
    // shrink by a bounded round at a time until they fit.
    if (
      workflowInfo().continueAsNewSuggested &&
      !reads &&
      !pump &&
      !adSync &&
      !alerts &&
      (boundedRounds
        ? buffers.fitCarry()
        : !state.hasBufferedWork() || (buffers.fitCarry() && patched('continue-as-new-with-small-buffers')))
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof adAccountWorkflow>(carryOf(state));
    }
  }
  if (reads) await reads;
  if (pump) await pump;
  if (adSync) await adSync;
  if (alerts) await alerts;
  showConnectionStatus(state);
  await condition(allHandlersFinished);
}
