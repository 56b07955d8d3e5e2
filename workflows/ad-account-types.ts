// The ad account workflow's input, status and counters: payload shapes that are a contract with
// running workflows (change them only with `patched`).
import { z } from 'zod';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { CpaAlertsSummary } from '../domain/cpa-alerts';
import { problemLines } from '../domain/field-issues';
import type { DroppedDays } from '../domain/history-bounds';
import type { BackfillRange } from '../domain/pull-plan';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import type { BackfillProgress } from './backfill-progress';
import type { AccountHealthCarry, AccountHealthStatus } from './account-health';
import type { UnsyncedAdsCarry } from './unsynced-ads';

/** Durations, in seconds, so tests on the real dev server run in seconds. */
export interface ScheduleSettings {
  /** Between report pulls (production: 4 hours). */
  pull_interval_seconds: number;
  /** Between entity syncs (campaigns, ad groups, ads, pins); production: 1 hour. Optional for runs started before it existed. */
  entity_sync_interval_seconds?: number;
  /** How long an unmatched conversion waits for a touchpoint (production: 30 days). */
  hold_seconds: number;
  /** Days before today pulled on the first pull, today too (90: every day the synchronous endpoints serve; more go to async reports, up to 914). */
  backfill_days: number;
}

/** Production schedule: pulls every 4 h, entity syncs hourly, 30-day holds, a 90-day first backfill. */
export const DEFAULT_SCHEDULE: ScheduleSettings = {
  pull_interval_seconds: 4 * 3600,
  entity_sync_interval_seconds: 3600,
  hold_seconds: 30 * 86400,
  backfill_days: 90,
};

/** Counters and times the workflow carries across continue-as-new. */
export interface AdAccountCounters {
  pulls: number;
  metric_rows_upserted: number;
  /** Distinct conversions received: by the record pump, those newly stored (a repeated `event_id` is not counted again). */
  conversions_received: number;
  conversions_matched: number;
  conversions_sent: number;
  touchpoints_received: number;
  /** Records the store refused as invalid (dropped, each noted in `last_error`). */
  records_refused?: number;
  /** Async-report backfill ranges finished. */
  backfill_ranges_done?: number;
  /** The account's conversions waiting for a touchpoint, as of the last store activity. */
  conversions_pending?: number;
  /** Conversions whose hold ended unmatched. */
  conversions_expired?: number;
  /** Signals refused (unencrypted, or without their argument): dropped (workflows/call-guards.ts). */
  signals_refused?: number;
}

/** `needs_reauth`: Pinterest refused the grant; pulls and sends wait until the account is reconnected. */
export type ConnectionStatus = 'connected' | 'needs_reauth' | 'disconnected';

/** Input of `adAccountWorkflow`; `carried` is set only by continue-as-new. */
export interface AdAccountWorkflowInput {
  ad_account_id: string;
  settings: AttributionSettings;
  schedule: ScheduleSettings;
  carried?: {
    counters: AdAccountCounters;
    last_pull_at?: string;
    next_pull_at?: string;
    next_expiry_at?: string;
    next_entity_sync_at?: string;
    connection_status?: ConnectionStatus;
    rate_limited_until?: string;
    unsent_matches?: boolean;
    backfill_queue?: BackfillRange[];
    last_error?: string;
    pending_settings?: AttributionSettings;
    paused?: boolean;
    paused_reason?: string;
    /** Written by runs before the first pull's backfill moved to the database (`last_pulled_through`); ignored. */
    backfilled?: boolean;
    conversions_buffer: ConversionRecord[];
    touchpoints_buffer: TouchpointRecord[];
    /** Records wait in the inbox and the new run takes them without a nudge (absent before the inbox: false). */
    records_waiting?: boolean;
    /** Ads waiting for the on-demand ad sync, and those Pinterest did not list (absent before it, or when empty). */
    unsynced_ads?: UnsyncedAdsCarry;
    /** The account's creation date (account time zone), learned from a pull (absent when unknown). */
    account_created_date?: string;
    /** Days the last automatic backfill left out (absent when none). */
    history_dropped?: DroppedDays;
    /** Calls that failed for good and have not succeeded since, and since when the health holds (absent before health existed). */
    health?: AccountHealthCarry;
    /** The last CPA alert evaluation (absent before the `cpa-alerts` patch or before the first evaluation). */
    cpa_alerts?: CpaAlertsSummary;
  };
}

/**
 * Why settings accepted by `updateSettings` are not in effect yet: `pinterest_read_under_way`
 * (they wait for the read named in `waiting_for`, e.g. `collectAdReport`, and those after it in
 * the same round, so a pull never mixes two settings), or `saving` (the workflow's next round
 * saves them, before any Pinterest call).
 */
export interface PendingSettingsReason {
  reason: 'pinterest_read_under_way' | 'saving';
  waiting_for?: string;
}

/** `pending_settings` of `status`: the settings accepted and not yet in effect, why, and since when (ISO 8601). */
export interface PendingSettings extends PendingSettingsReason {
  settings: AttributionSettings;
  requested_at?: string;
}

/** The answer of `updateSettings`: the new settings, and `pending` when they wait for a Pinterest read under way. */
export type SettingsUpdateAnswer = AttributionSettings & { pending?: PendingSettingsReason };

/**
 * Why `next_pull_at` is in the past: `retrying` (a Pinterest read is being retried, see `health`),
 * `pulling` (the pull runs), `reads_under_way` (another read of the round runs first, named in
 * `current_read`: the entity sync, a product pull or a backfill report), `paused`, `needs_reauth`,
 * `disconnected`, `rate_limited`, or `due` (the workflow's next round starts it).
 */
export type PullOverdueReason = 'retrying' | 'pulling' | 'reads_under_way' | 'paused' | 'needs_reauth' | 'disconnected' | 'rate_limited' | 'due';

/** Answer of the `status` query. Times are ISO 8601 strings. */
export interface AdAccountStatus {
  ad_account_id: string;
  connection_status: ConnectionStatus;
  /** An operator paused Pinterest calls (pulls, backfills, Conversions API sends); Routy's records are still stored and matched. */
  paused: boolean;
  paused_reason?: string;
  /** Set while Pinterest's rate limit asks for a wait longer than 15 minutes (a daily cap): the next pull waits until then. */
  rate_limited_until?: string;
  next_entity_sync_at?: string;
  /** Report-sized date ranges still to backfill through async reports. */
  backfill_queue: BackfillRange[];
  /**
   * The queue head's step (`requesting_report`, `collecting_report`) and the pieces this run
   * finished (`stored` with their rows, or `dropped`), newest last; see BackfillProgress. Kept in
   * memory, not carried across continue-as-new; absent from runs before the `backfill-progress`
   * patch until their first backfill piece under it.
   */
  backfill_progress?: BackfillProgress;
  /** The account's creation date (account time zone, from AdAccount.created_time) once a pull learned it: nothing older is asked for. */
  account_created_date?: string;
  /**
   * Days the automatic backfill (the first pull's `backfill_days`, or days missed while paused or
   * disconnected) reached for and left out, with why: `account_created` (before the account's
   * creation) or `history_limit` (past Pinterest's 914 days). Absent when none were.
   */
  history_dropped?: DroppedDays;
  settings: AttributionSettings;
  schedule: ScheduleSettings;
  last_pull_at?: string;
  next_pull_at?: string;
  /** When the earliest pending conversion's hold ends. */
  next_expiry_at?: string;
  last_error?: string;
  /** Records received by the `conversions` / `touchpoints` signals (before the inbox) and not yet stored. */
  buffered_conversions: number;
  buffered_touchpoints: number;
  /** Records wait in the inbox or the record pump is taking them (absent from runs before the inbox). */
  records_waiting?: boolean;
  counters: AdAccountCounters;
  /** Whether the account's calls work (workflows/account-health.ts). */
  health: AccountHealthStatus;
  /** Set while `next_pull_at` is in the past: why the pull has not happened yet. */
  pull_overdue_reason?: PullOverdueReason;
  /** The Pinterest read of the round under way (an activity name, e.g. `pullMetrics`, `collectAdReport`). */
  current_read?: string;
  /** Settings `updateSettings` accepted that are not in effect yet (`settings` are those in effect). */
  pending_settings?: PendingSettings;
  /**
   * The last CPA alert evaluation (after each pull, a target change, or a pump that attributed
   * conversions when the last evaluation is 15 minutes old): open alerts, opened and cleared by it,
   * waiting for the webhook, and the newest open ones (ids and figures only). Absent until the first.
   */
  cpa_alerts?: CpaAlertsSummary;
}

/** What the workflow reads of a `pumpRecords` result (activities/record-pump.ts `PumpResult`). */
export interface PumpCounts {
  conversions_taken: number;
  /** Conversions newly stored (`status` counts these: a repeated `event_id` is taken but not inserted). */
  conversions_inserted: number;
  touchpoints_taken: number;
  matched: number;
  pending: number;
  refused: number;
  pending_total?: number;
  sends: { sent: number };
  more: boolean;
  unsent_left: boolean;
  /** Ads and pins the pump credited that no synced ad explains (absent from pumps before the on-demand ad sync). */
  unsynced_ad_ids?: string[];
  unsynced_pin_ids?: string[];
}

/**
 * The argument of a call that has nothing else to carry (`resume`, `disconnect`, `pullNow`,
 * `connected`, `recordsWaiting`): `call`, the call's own name, and `by`, who sends it (an
 * operator's name or a component such as `routy-client`, 1 to 200 characters, logged by the
 * workflow). Encrypted like every payload, it shows the caller holds the keys; naming the call
 * keeps an origin read from history from being sent as another call. Runs with the
 * `calls-carry-their-origin` patch refuse those calls without it.
 */
export interface CallOrigin {
  call: 'resume' | 'disconnect' | 'pullNow' | 'connected' | 'recordsWaiting';
  by: string;
}

/** Why an operator paused an account (shown in `status`); up to 200 characters. */
export interface PauseRequest {
  reason?: string;
}

const reasonText = 'must be a string of at most 200 characters';
/** The `pause` update's argument; absent means no reason. */
const pauseRequestSchema = z
  .strictObject({ reason: z.string({ error: reasonText }).max(200, reasonText).optional() }, { error: 'must be an object like {"reason": "..."}' })
  .nullish();

/** What is wrong with a pause request, one `field: message` line per field; empty when it is valid. */
export function pauseProblems(request: unknown): string[] {
  return problemLines(pauseRequestSchema.safeParse(request));
}
