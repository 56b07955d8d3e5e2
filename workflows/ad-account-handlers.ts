// The ad account workflow's message handlers: every signal, update and query, each passing the
// call guard first, acting on the account's state. Workflow code: deterministic.
import { ApplicationFailure, log, patched, setDefaultSignalHandler, setHandler } from '@temporalio/workflow';
import { settingsProblems } from '../domain/attribution-settings';
import { backfillProblems } from '../domain/pull-plan';
import { showConnectionStatus } from './ad-account-calls';
import { statusOf } from './ad-account-snapshot';
import type { AdAccountState } from './ad-account-state';
import { pauseProblems, type CallOrigin } from './ad-account-types';
import { registerAnalyticsColumnsUpdate } from './analytics-columns-update';
import { BACKFILL_BOUNDS_PATCH } from './backfill-queue';
import type { CallGuard } from './call-guards';
import { registerCpaTargetsUpdate } from './cpa-alerts';
import { registerMsotOptInUpdate } from './msot-opt-in-update';
import {
  backfillUpdate,
  connectedSignal,
  conversionsSignal,
  disconnectSignal,
  disconnectUpdate,
  pauseUpdate,
  pullNowSignal,
  recordsWaitingSignal,
  resumeUpdate,
  statusQuery,
  touchpointsSignal,
  updateSettingsUpdate,
} from './shared';

/** Refuses an update in its validator: the caller gets the message and `type`, and no history is written. */
function refuse(message: string, type = 'InvalidState'): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

/** Refuses an update whose argument has problems (one `field: message` line each). */
function refuseProblems(problems: string[], type: string): void {
  if (problems.length > 0) refuse(problems.join('; '), type);
}

/**
 * Registers every signal, update and query of the account on its state. Each signal and update
 * passes `guard` first (workflows/call-guards.ts): refused ones take no effect. Runs that require
 * origins also drop (and count) signals no handler takes, rather than buffer them.
 */
export function registerHandlers(state: AdAccountState, guard: CallGuard, originsRequired: boolean): void {
  const { connection } = state;
  setHandler(conversionsSignal, guard.signal('conversions', 'payload', (batch) => state.bufferConversions(batch)));
  setHandler(touchpointsSignal, guard.signal('touchpoints', 'payload', (batch) => state.bufferTouchpoints(batch)));
  setHandler(recordsWaitingSignal, guard.signal('recordsWaiting', 'origin', () => void (state.recordsWaiting = true)));
  setHandler(disconnectSignal, guard.signal('disconnect', 'origin', (origin?: CallOrigin) => {
    log.info('disconnect', { by: origin?.by });
    connection.disconnect();
  }));
  setHandler(
    connectedSignal,
    guard.signal('connected', 'origin', () => {
      state.reconnected(Date.now());
      showConnectionStatus(state);
    }),
  );
  setHandler(pullNowSignal, guard.signal('pullNow', 'origin', () => state.schedule.pullNow(Date.now())));
  setHandler(
    pauseUpdate,
    (request) => {
      connection.pause(request?.reason);
      showConnectionStatus(state);
      return statusOf(state);
    },
    {
      validator: (request) => {
        guard.check('pause', [request], 'payload');
        refuseProblems(pauseProblems(request), 'InvalidPause');
        if (connection.disconnected) refuse('the ad account is disconnected');
      },
    },
  );
  setHandler(
    resumeUpdate,
    (origin?: CallOrigin) => {
      log.info('resume', { by: origin?.by });
      state.resume(Date.now());
      showConnectionStatus(state);
      return statusOf(state);
    },
    {
      validator: (origin?: CallOrigin) => {
        guard.check('resume', [origin], 'origin');
        if (!connection.paused) refuse('the ad account is not paused');
      },
    },
  );
  setHandler(
    disconnectUpdate,
    (origin?: CallOrigin) => {
      log.info('disconnect', { by: origin?.by });
      connection.disconnect();
      return statusOf(state);
    },
    {
      validator: (origin?: CallOrigin) => {
        guard.check('disconnect', [origin], 'origin');
        if (connection.disconnected) refuse('the ad account is already disconnected');
      },
    },
  );
  setHandler(statusQuery, () => statusOf(state));
  // The handler only queues the change; the main loop saves and applies it between activities,
  // so it never races a running pull or another update.
  // The answer says when the settings wait for a Pinterest read under way (status: `pending_settings`).
  setHandler(updateSettingsUpdate, (change) => {
    const settings = state.requestSettings(change, Date.now());
    const pending = state.pendingReason();
    return pending.reason === 'pinterest_read_under_way' ? { ...settings, pending } : settings;
  }, {
    validator: (change) => {
      guard.check('updateSettings', [change], 'payload');
      refuseProblems(settingsProblems(change), 'InvalidSettings');
    },
  });
  // Since the patch a range reaching before the account's creation or 914 days is clamped, not refused.
  const today = () => new Date().toISOString().slice(0, 10);
  setHandler(backfillUpdate, (range) => (patched(BACKFILL_BOUNDS_PATCH) ? state.backfill.addWithinHistory(range, today()) : state.backfill.add(range)), {
    validator: (range) => {
      guard.check('backfill', [range], 'payload');
      refuseProblems(backfillProblems(range, today(), state.backfill.history.account_created_date), 'InvalidBackfill');
    },
  });
  registerAnalyticsColumnsUpdate(state, guard);
  registerMsotOptInUpdate(state, guard);
  registerCpaTargetsUpdate(state, guard);
  // Last: setting it hands it every signal still buffered, so the handlers above must take theirs
  // first (a `connected` or `recordsWaiting` sent before the first workflow task would be lost).
  if (originsRequired) setDefaultSignalHandler((name) => guard.unknownSignal(name));
}
