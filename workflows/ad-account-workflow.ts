import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activityTypes from '../activities/index';
import { AdAccountState, CARRY_MAX_BYTES } from './ad-account-state';
import { AD_ACCOUNT_ID, CONNECTION_STATUS, connectedSignal, conversionsSignal, disconnectSignal, disconnectUpdate, pauseUpdate, resumeUpdate, LAST_SUCCESSFUL_PULL, backfillUpdate, pullNowSignal, statusQuery, touchpointsSignal, updateSettingsUpdate, FAILURE_TYPES, ACTIVITY_OPTIONS, REPORT_TRIES } from './shared';
import { pauseProblems, type AdAccountWorkflowInput } from './ad-account-types';
import { backfillProblems, splitBackfill } from '../domain/pull-plan';
import { settingsProblems } from '../domain/attribution-settings';

type Activities = activityTypes.Activities;

const REAUTH = FAILURE_TYPES.reauth;
const RATE_LIMITED_LONG = FAILURE_TYPES.rateLimitedLong;
const REPORT_EXPIRED = FAILURE_TYPES.reportExpired;

const pulls = proxyActivities<Activities>(ACTIVITY_OPTIONS.pinterestReads);
const reportPolls = proxyActivities<Activities>(ACTIVITY_OPTIONS.reportPolls);
const sends = proxyActivities<Activities>(ACTIVITY_OPTIONS.sends);
const records = proxyActivities<Activities>(ACTIVITY_OPTIONS.records);

const causeOf = (error: unknown): ApplicationFailure | undefined =>
  error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;

const errorMessage = (error: unknown): string =>
  error instanceof ActivityFailure && error.cause ? error.cause.message : error instanceof Error ? error.message : String(error);

/**
 * Records a batch; when the store refuses it as invalid (non-retryable), records its items one by
 * one so only the faulty ones are dropped, each noted in `status`.
 */
async function recordEach<T>(state: AdAccountState, batch: T[], record: (items: T[]) => Promise<void>): Promise<void> {
  try {
    await record(batch);
  } catch (error) {
    const cause = causeOf(error);
    if (!cause?.nonRetryable || cause.type === REAUTH) throw error;
    if (batch.length === 1) {
      state.counters.records_refused = (state.counters.records_refused ?? 0) + 1;
      state.lastError = errorMessage(error);
      log.warn('record refused by the store', { error: state.lastError });
      return;
    }
    for (const item of batch) await recordEach(state, [item], record);
  }
}

/**
 * One workflow per connected Pinterest ad account (id from `adAccountWorkflowId`). Runs until
 * disconnected: syncs entities and pulls daily metrics on their schedules, takes Routy's
 * conversions and touchpoints by signal, attributes them and posts matches to the Conversions
 * API through activities, expires holds with one timer, and continues-as-new when Temporal
 * suggests it. A refused grant parks it in `needs_reauth` until the `connected` signal.
 */
export async function adAccountWorkflow(input: AdAccountWorkflowInput): Promise<void> {
  const state = new AdAccountState(input, Date.now());
  const id = input.ad_account_id;
  const setConnectionStatus = () => upsertSearchAttributes([{ key: CONNECTION_STATUS, value: state.visibleStatus }]);

  setHandler(conversionsSignal, (batch) => state.bufferConversions(batch));
  setHandler(touchpointsSignal, (batch) => state.bufferTouchpoints(batch));
  setHandler(disconnectSignal, () => {
    state.connectionStatus = 'disconnected';
  });
  setHandler(connectedSignal, () => {
    state.reconnected(Date.now());
    setConnectionStatus();
  });
  setHandler(pullNowSignal, () => state.pullNow(Date.now()));
  const refuse = (message: string) => {
    throw ApplicationFailure.nonRetryable(message, 'InvalidState');
  };
  setHandler(
    pauseUpdate,
    (request) => {
      state.pause(request?.reason);
      setConnectionStatus();
      return state.status();
    },
    {
      validator: (request) => {
        const problems = pauseProblems(request);
        if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidPause');
        if (state.disconnected) refuse('the ad account is disconnected');
      },
    },
  );
  setHandler(
    resumeUpdate,
    () => {
      state.resume(Date.now());
      setConnectionStatus();
      return state.status();
    },
    { validator: () => void (state.paused || refuse('the ad account is not paused')) },
  );
  setHandler(
    disconnectUpdate,
    () => {
      state.connectionStatus = 'disconnected';
      return state.status();
    },
    { validator: () => void (state.disconnected && refuse('the ad account is already disconnected')) },
  );
  setHandler(statusQuery, () => state.status());
  // The handler only queues the change; the main loop saves and applies it between activities,
  // so it never races a running pull or another update.
  setHandler(updateSettingsUpdate, (change) => state.requestSettings(change), {
    validator: (change) => {
      const problems = settingsProblems(change);
      if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidSettings');
    },
  });
  setHandler(
    backfillUpdate,
    (range) => {
      const pieces = splitBackfill(range);
      state.backfillQueue.push(...pieces);
      return pieces;
    },
    {
      validator: (range) => {
        const problems = backfillProblems(range, new Date().toISOString().slice(0, 10));
        if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidBackfill');
      },
    },
  );
  upsertSearchAttributes([
    { key: AD_ACCOUNT_ID, value: id },
    { key: CONNECTION_STATUS, value: state.connectionStatus },
  ]);

  /** A refused grant or a daily cap: the account waits (reconnect or the cap's end). */
  const isParking = (error: unknown) => ([REAUTH, RATE_LIMITED_LONG] as string[]).includes(causeOf(error)?.type ?? '');

  /**
   * A failure Pinterest will not fix by itself: park the account or note the wait; else note it
   * and retry at the next pull. `reconnectsAtCall` is `state.reconnects` when the call began: a
   * refused grant reported after a reconnect was the old grant, and the account stays connected.
   */
  const onPinterestFailure = (error: unknown, reconnectsAtCall: number): void => {
    const cause = causeOf(error);
    if (cause?.type === REAUTH && state.reconnects !== reconnectsAtCall && patched('stale-reauth-ignored')) {
      state.lastError = `refused the grant the reconnect replaced: ${cause.message}`;
      log.info('a call with the replaced grant was refused; the account stays connected', { ad_account_id: id });
    } else if (cause?.type === REAUTH) {
      state.needsReauth(cause.message);
      setConnectionStatus();
    } else if (cause?.type === RATE_LIMITED_LONG) {
      const wait = (cause.details?.[0] as { retry_after_seconds?: number } | undefined)?.retry_after_seconds ?? 3600;
      state.rateLimitedFor(Date.now(), wait, cause.message);
    } else {
      state.pullFailed(Date.now(), errorMessage(error));
    }
    log.warn('Pinterest call failed', { ad_account_id: id, error: state.lastError });
  };

  /** Entity sync, pull and one backfill range, each when due: the Pinterest reads of a round. */
  const readPinterest = async (): Promise<void> => {
    if (state.entitySyncDue(Date.now())) {
      const reconnects = state.reconnects;
      try {
        await pulls.syncEntities({ ad_account_id: id });
      } catch (error) {
        // Metrics still pull on their own schedule with the entities already stored.
        if (isParking(error)) onPinterestFailure(error, reconnects);
        else state.lastError = `entity sync: ${errorMessage(error)}`;
      }
      state.entitySyncSucceeded(Date.now());
    }
    if (state.pullDue(Date.now())) {
      const reconnects = state.reconnects;
      try {
        const pulled = await pulls.pullMetrics({
          ad_account_id: id,
          min_days: state.restatementDays(),
          backfill_days: input.schedule.backfill_days,
          settings: state.settings,
        });
        state.pullSucceeded(Date.now(), pulled.rows);
        // Days missed beyond the synchronous 90 come back through async reports.
        if (pulled.missed_before) state.backfillQueue.push(...splitBackfill(pulled.missed_before));
        upsertSearchAttributes([{ key: LAST_SUCCESSFUL_PULL, value: new Date() }]);
      } catch (error) {
        onPinterestFailure(error, reconnects);
      }
    }
    if (state.backfillDue(Date.now())) {
      const range = state.backfillQueue[0]!;
      let keep = false;
      const reconnects = state.reconnects;
      for (let attempt = 1; attempt <= REPORT_TRIES; attempt += 1) {
        try {
          const token = await pulls.requestAdReport({ ad_account_id: id, ...range, settings: state.settings });
          const collected = await reportPolls.collectAdReport({ ad_account_id: id, token, settings: state.settings });
          state.counters.metric_rows_upserted += collected.rows;
          state.counters.backfill_ranges_done = (state.counters.backfill_ranges_done ?? 0) + 1;
          break;
        } catch (error) {
          const type = causeOf(error)?.type;
          if (type === REPORT_EXPIRED && attempt < REPORT_TRIES) continue;
          // A refused grant or a daily cap keeps the range for later; a failed report is reported and dropped.
          keep = isParking(error);
          if (keep) onPinterestFailure(error, reconnects);
          else state.lastError = `backfill ${range.start_date}..${range.end_date}: ${errorMessage(error)}`;
          break;
        }
      }
      if (!keep) state.backfillQueue.shift();
    }
  };

  // Runs started before this patch await the reads inside the loop, as they always did; newer runs
  // let the loop record, attribute and send while a pull or a backfill report (up to 2 hours) runs.
  const readsBeside = patched('pinterest-reads-beside-records');
  let reads: Promise<void> | undefined;
  let readsEnded = false;

  // A disconnect still stores what Routy already handed over before the workflow ends.
  while (!state.disconnected || state.hasBufferedWork()) {
    if (readsBeside) {
      // Every reason to wake is one the round below acts on, so the loop never spins.
      await condition(
        () =>
          state.conversions.length > 0 ||
          state.touchpoints.length > 0 ||
          readsEnded ||
          (!reads && (state.disconnected || state.pendingSettings !== undefined || state.pinterestReadsDue(Date.now()))),
        state.msUntilNextDue(Date.now(), { pinterestInFlight: reads !== undefined }),
      );
      readsEnded = false;
    } else {
      await condition(
        () => state.hasBufferedWork() || state.disconnected || state.pullDue(Date.now()) || state.backfillDue(Date.now()),
        state.msUntilNextDue(Date.now()),
      );
    }

    let matched = 0;
    // Saved only between reads: a pull under way must not end after the save and mark its old
    // settings' days as pulled.
    if (state.pendingSettings && !reads) {
      const settings = state.pendingSettings;
      await records.saveAttributionSettings({ ad_account_id: id, settings });
      state.pendingSettings = undefined;
      state.settingsChanged(settings, Date.now());
    }
    // No new reads once Temporal suggests continue-as-new: a queue of backfill reports must not
    // keep one running at every check below and hold the history growing for hours.
    if (readsBeside && !reads && state.pinterestReadsDue(Date.now()) && !workflowInfo().continueAsNewSuggested) {
      reads = readPinterest().finally(() => {
        reads = undefined;
        readsEnded = true;
      });
    } else if (!readsBeside) {
      await readPinterest();
    }
    while (state.touchpoints.length > 0) {
      await recordEach(state, state.takeTouchpoints(), async (touchpoints) => {
        const result = await records.recordTouchpoints({ ad_account_id: id, touchpoints, settings: state.settings });
        matched += result.matched;
        if (result.pending_total !== undefined) state.counters.conversions_pending = result.pending_total;
      });
    }
    while (state.conversions.length > 0) {
      await recordEach(state, state.takeConversions(), async (conversions) => {
        const result = await records.recordConversions({
          ad_account_id: id,
          conversions,
          settings: state.settings,
          hold_seconds: input.schedule.hold_seconds,
        });
        matched += result.matched;
        if (result.pending_total !== undefined) state.counters.conversions_pending = result.pending_total;
        if (result.pending > 0) state.pendingAdded(Date.now());
      });
    }
    state.counters.conversions_matched += matched;
    if ((matched > 0 || state.unsentMatches) && state.canReachPinterest) {
      const reconnects = state.reconnects;
      try {
        const sent = await sends.sendMatchedConversions({ ad_account_id: id });
        state.counters.conversions_sent += sent.sent;
        state.unsentMatches = false;
      } catch (error) {
        // Matches stay stored and are sent on a later round; the reason shows in status.
        state.unsentMatches = true;
        if (isParking(error)) onPinterestFailure(error, reconnects);
        else state.lastError = `Conversions API: ${errorMessage(error)}`;
      }
    } else if (matched > 0) {
      state.unsentMatches = true;
    }
    if (state.expiryDue(Date.now())) {
      const expired = await records.expirePendingConversions({ ad_account_id: id });
      state.counters.conversions_expired = (state.counters.conversions_expired ?? 0) + expired.expired;
      if (expired.pending_total !== undefined) state.counters.conversions_pending = expired.pending_total;
      state.nextExpiryAt = expired.next_expiry_at ? Date.parse(expired.next_expiry_at) : undefined;
    }
    // With empty buffers, or small ones: under a steady stream of signals the buffers are never
    // empty here, and the history must not reach Temporal's hard limit.
    if (
      workflowInfo().continueAsNewSuggested &&
      !reads &&
      (!state.hasBufferedWork() || (state.bufferedBytes() <= CARRY_MAX_BYTES && patched('continue-as-new-with-small-buffers')))
    ) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof adAccountWorkflow>(state.carry());
    }
  }
  if (reads) await reads;
  setConnectionStatus();
  await condition(allHandlersFinished);
}
