import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activityTypes from '../activities/index';
import { AdAccountState } from './ad-account-state';
import {
  AD_ACCOUNT_ID,
  CONNECTION_STATUS,
  conversionsSignal,
  disconnectSignal,
  LAST_SUCCESSFUL_PULL,
  statusQuery,
  touchpointsSignal,
  type AdAccountWorkflowInput,
} from './messages';

type Activities = activityTypes.Activities;

// Pulls page through many requests: heartbeat so a dead worker is noticed in a minute.
const pulls = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
});

const records = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

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
    if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable)) throw error;
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
 * disconnected: pulls entities and daily metrics on its schedule, takes Routy's conversions and
 * touchpoints by signal, attributes them and posts matches to the Conversions API through
 * activities, expires holds with one timer, and continues-as-new when Temporal suggests it.
 */
export async function adAccountWorkflow(input: AdAccountWorkflowInput): Promise<void> {
  const state = new AdAccountState(input, Date.now());
  setHandler(conversionsSignal, (batch) => state.bufferConversions(batch));
  setHandler(touchpointsSignal, (batch) => state.bufferTouchpoints(batch));
  setHandler(disconnectSignal, () => {
    state.disconnected = true;
  });
  setHandler(statusQuery, () => state.status());
  upsertSearchAttributes([
    { key: AD_ACCOUNT_ID, value: input.ad_account_id },
    { key: CONNECTION_STATUS, value: 'connected' },
  ]);

  const id = input.ad_account_id;
  while (!state.disconnected) {
    await condition(() => state.hasBufferedWork() || state.disconnected, state.msUntilNextDue(Date.now()));
    if (state.disconnected) break;

    let matched = 0;
    if (state.pullDue(Date.now())) {
      try {
        await pulls.syncEntities({ ad_account_id: id });
        const pulled = await pulls.pullAdMetrics({ ad_account_id: id, days: state.pullDays(), settings: input.settings });
        state.pullSucceeded(Date.now(), pulled.rows);
        upsertSearchAttributes([{ key: LAST_SUCCESSFUL_PULL, value: new Date() }]);
      } catch (error) {
        state.pullFailed(Date.now(), errorMessage(error));
        log.warn('pull failed', { ad_account_id: id, error: state.lastError });
      }
    }
    while (state.touchpoints.length > 0) {
      await recordEach(state, state.takeTouchpoints(), async (touchpoints) => {
        const result = await records.recordTouchpoints({ ad_account_id: id, touchpoints, settings: input.settings });
        matched += result.matched;
      });
    }
    while (state.conversions.length > 0) {
      await recordEach(state, state.takeConversions(), async (conversions) => {
        const result = await records.recordConversions({
          ad_account_id: id,
          conversions,
          settings: input.settings,
          hold_seconds: input.schedule.hold_seconds,
        });
        matched += result.matched;
        if (result.pending > 0) state.pendingAdded(Date.now());
      });
    }
    if (matched > 0) {
      state.counters.conversions_matched += matched;
      const sent = await records.sendMatchedConversions({ ad_account_id: id });
      state.counters.conversions_sent += sent.sent;
    }
    if (state.expiryDue(Date.now())) {
      const expired = await records.expirePendingConversions({ ad_account_id: id });
      state.nextExpiryAt = expired.next_expiry_at ? Date.parse(expired.next_expiry_at) : undefined;
    }
    // Only with empty buffers, so the next run's input stays small.
    if (workflowInfo().continueAsNewSuggested && !state.hasBufferedWork()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof adAccountWorkflow>(state.carry());
    }
  }
  upsertSearchAttributes([{ key: CONNECTION_STATUS, value: 'disconnected' }]);
  await condition(allHandlersFinished);
}
