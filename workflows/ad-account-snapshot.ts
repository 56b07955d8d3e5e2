// What the outside sees of an ad account's state: the `status` answer and the input a
// continue-as-new carries. Both are payloads running workflows and callers rely on: keep their
// shapes (see ad-account-types.ts). Plain code: no Temporal imports.
import type { AdAccountState } from './ad-account-state';
import type { AdAccountStatus, AdAccountWorkflowInput, PendingSettings, PullOverdueReason } from './ad-account-types';

/** Why the pull is overdue at `nowMs` (epoch ms of workflow time); undefined when it is not. */
export function pullOverdueReason(state: AdAccountState, nowMs: number): PullOverdueReason | undefined {
  const { connection, schedule, health } = state;
  if (schedule.nextPullAt > nowMs) return undefined;
  if (connection.disconnected) return 'disconnected';
  if (connection.status === 'needs_reauth') return 'needs_reauth';
  if (connection.paused) return 'paused';
  if (schedule.rateLimited(nowMs)) return 'rate_limited';
  if (health.retryingCall) return 'retrying';
  if (health.currentRead === 'pullMetrics') return 'pulling';
  if (health.currentRead) return 'reads_under_way';
  return 'due';
}

/** The settings accepted and not yet in effect, with why; undefined when none wait. */
function pendingSettingsOf(state: AdAccountState): PendingSettings | undefined {
  if (!state.pendingSettings) return undefined;
  const since = state.pendingSince === undefined ? {} : { requested_at: new Date(state.pendingSince).toISOString() };
  return { settings: state.pendingSettings, ...state.pendingReason(), ...since };
}

/**
 * The answer of the `status` query and of the updates that return the status; `nowMs` (epoch ms
 * of workflow time) decides whether the pull is overdue.
 */
export function statusOf(state: AdAccountState, nowMs = Date.now()): AdAccountStatus {
  const overdue = pullOverdueReason(state, nowMs);
  const pending = pendingSettingsOf(state);
  const times = state.schedule.times();
  const { status, paused, pausedReason } = state.connection;
  return {
    ad_account_id: state.input.ad_account_id,
    connection_status: status,
    paused,
    ...(pausedReason ? { paused_reason: pausedReason } : {}),
    rate_limited_until: times.rate_limited_until,
    next_entity_sync_at: times.next_entity_sync_at,
    backfill_queue: [...state.backfill.ranges],
    ...(state.backfill.progress ? { backfill_progress: state.backfill.progress.snapshot() } : {}),
    ...(state.backfill.history.account_created_date ? { account_created_date: state.backfill.history.account_created_date } : {}),
    ...(state.backfill.history.history_dropped ? { history_dropped: { ...state.backfill.history.history_dropped } } : {}),
    settings: state.settings,
    schedule: state.input.schedule,
    last_pull_at: times.last_pull_at,
    next_pull_at: times.next_pull_at,
    next_expiry_at: times.next_expiry_at,
    last_error: state.lastError,
    buffered_conversions: state.buffers.conversions.length,
    buffered_touchpoints: state.buffers.touchpoints.length,
    records_waiting: state.recordsWaiting || state.pumping,
    counters: { ...state.counters },
    health: state.health.status(),
    ...(overdue ? { pull_overdue_reason: overdue } : {}),
    ...(state.health.currentRead ? { current_read: state.health.currentRead } : {}),
    ...(pending ? { pending_settings: pending } : {}),
    ...(state.cpaAlerts.summary ? { cpa_alerts: state.cpaAlerts.summary } : {}),
  };
}

/** Input for the next run after continue-as-new: everything but this run's reconnect count. */
export function carryOf(state: AdAccountState): AdAccountWorkflowInput {
  const times = state.schedule.times();
  const { status, paused, pausedReason } = state.connection;
  return {
    ad_account_id: state.input.ad_account_id,
    settings: state.settings,
    schedule: state.input.schedule,
    carried: {
      next_entity_sync_at: times.next_entity_sync_at,
      connection_status: status,
      rate_limited_until: times.rate_limited_until,
      counters: state.counters,
      last_pull_at: times.last_pull_at,
      next_pull_at: times.next_pull_at,
      next_expiry_at: times.next_expiry_at,
      unsent_matches: state.unsentMatches,
      backfill_queue: state.backfill.ranges,
      last_error: state.lastError,
      pending_settings: state.pendingSettings,
      ...(paused ? { paused: true, paused_reason: pausedReason } : {}),
      conversions_buffer: state.buffers.conversions,
      touchpoints_buffer: state.buffers.touchpoints,
      ...(state.recordsWaiting ? { records_waiting: true } : {}),
      ...(state.unsyncedAds.carry() ? { unsynced_ads: state.unsyncedAds.carry() } : {}),
      ...(state.backfill.history.account_created_date ? { account_created_date: state.backfill.history.account_created_date } : {}),
      ...(state.backfill.history.history_dropped ? { history_dropped: state.backfill.history.history_dropped } : {}),
      health: state.health.carry(),
      ...(state.cpaAlerts.summary ? { cpa_alerts: state.cpaAlerts.summary } : {}),
    },
  };
}
