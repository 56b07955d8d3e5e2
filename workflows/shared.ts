// What the ad account workflow shares with its callers, defined once (Temporal's samples call this
// module `shared.ts`): task queue, workflow id, search attributes, every signal / query / update,
// the failure types activities throw and the workflow acts on, and the activity options.
import type { ActivityOptions } from '@temporalio/common';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AnalyticsColumnsRequest, ExtraAnalyticsColumns } from '../domain/analytics-columns';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { CpaTargets, CpaTargetsRequest } from '../domain/cpa-targets';
import type { MsotOptIn, MsotOptInRequest } from '../domain/msot-opt-in';
import type { BackfillRange } from '../domain/pull-plan';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import type { AdAccountStatus, CallOrigin, PauseRequest, SettingsUpdateAnswer } from './ad-account-types';
import type { QueuedBackfillRange } from './backfill-queue';
import { FAILURE_TYPES } from './failure-types';

/** Task queue the worker polls and clients start account workflows on. */
export const TASK_QUEUE = 'routy-pinterest';

/** One workflow per ad account: a second connect reaches the same workflow. */
export function adAccountWorkflowId(adAccountId: string): string {
  return `pinterest-ad-account-${adAccountId}`;
}

/** Operator search attributes, registered on the dev server at start. */
export const AD_ACCOUNT_ID = defineSearchAttributeKey('PinterestAdAccountId', SearchAttributeType.KEYWORD);
export const CONNECTION_STATUS = defineSearchAttributeKey('PinterestConnectionStatus', SearchAttributeType.KEYWORD);
export const LAST_SUCCESSFUL_PULL = defineSearchAttributeKey('PinterestLastSuccessfulPull', SearchAttributeType.DATETIME);
/** `healthy`, `retrying` or `failing`: the `health.state` of `status` (runs with the `pinterest-read-health` patch). */
export const HEALTH = defineSearchAttributeKey('PinterestHealth', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [AD_ACCOUNT_ID, CONNECTION_STATUS, LAST_SUCCESSFUL_PULL, HEALTH];

// Every signal and update takes an argument; those with nothing else to carry take their origin
// (`CallOrigin`, `{by}`), so a Temporal client without the payload keys can send nothing that
// takes effect (workflows/call-guards.ts). Runs started before that patch also take them bare.
/** Routy conversions, already validated and hashed at the ingress; batched. */
export const conversionsSignal = defineSignal<[ConversionRecord[]]>('conversions');
/** Routy touchpoints, already validated and hashed at the ingress; batched. */
export const touchpointsSignal = defineSignal<[TouchpointRecord[]]>('touchpoints');
/**
 * Routy's records wait in PostgreSQL's inbox (`record_inbox`): take them. The ingress sends it only
 * when the workflow parked (took everything and waits), so a stream of requests costs one signal.
 */
export const recordsWaitingSignal = defineSignal<[CallOrigin]>('recordsWaiting');
/** The account was (re)connected through OAuth: a `needs_reauth` account resumes and pulls what it missed. */
export const connectedSignal = defineSignal<[CallOrigin]>('connected');
/** Pull now, whatever the schedule says (operators, tests). */
export const pullNowSignal = defineSignal<[CallOrigin]>('pullNow');
/** Stops the account's workflow after its in-flight work. */
export const disconnectSignal = defineSignal<[CallOrigin]>('disconnect');
/**
 * Changes attribution settings (validated); the next pull backfills under them. Returns the new
 * settings, with `pending` when they wait for a Pinterest read under way (a backfill report can
 * take up to 2 hours) before they take effect; `status` shows them as `pending_settings` meanwhile.
 */
export const updateSettingsUpdate = defineUpdate<SettingsUpdateAnswer, [Partial<AttributionSettings>]>('updateSettings');
/**
 * Backfills a date range through async reports; returns the report-sized pieces queued. A range
 * reaching before the account's creation or Pinterest's 914 days is clamped, and the oldest piece
 * says so (`requested_start_date`, `clamped_by`, `clamped_days`); one wholly before is refused.
 */
export const backfillUpdate = defineUpdate<QueuedBackfillRange[], [BackfillRange]>('backfill');
/** The same as the `disconnect` signal, as a validated update (refused when already disconnected); returns the status. */
export const disconnectUpdate = defineUpdate<AdAccountStatus, [CallOrigin]>('disconnect');
/** Pauses every Pinterest call of the account (pulls, backfills, sends) until `resume`; Routy's records keep being stored and matched. Returns the status. */
export const pauseUpdate = defineUpdate<AdAccountStatus, [PauseRequest]>('pause');
/** Ends a pause: pulls at once (missed days included) and sends matches that waited. Returns the status. */
export const resumeUpdate = defineUpdate<AdAccountStatus, [CallOrigin]>('resume');
/**
 * Sets the extra sync-analytics columns of one level (`campaign`, `ad_group`, `ad`), replacing
 * that level's list (`[]` clears it); validated against the spec's `columns` enum, unknown names
 * refused by name. The next pull asks for them. Returns every level's extra columns now stored.
 */
export const setAnalyticsColumnsUpdate = defineUpdate<ExtraAnalyticsColumns, [AnalyticsColumnsRequest]>('setAnalyticsColumns');
/**
 * Opts the account in to Measurement Source of Truth events (`{opt_in: true}`; `false` opts out):
 * each conversion the Conversions API takes from then on is also posted as Routy's attribution
 * (`msot_events/create`, scope `msot:write`). Validated; refused when disconnected. Returns the
 * opt-in time and whether the grant has the scope (without it: reconnect through a connect link).
 */
export const setMsotOptInUpdate = defineUpdate<MsotOptIn, [MsotOptInRequest]>('setMsotOptIn');
/**
 * Sets the account's target cost per conversion (`account`, currency units of the account's
 * currency) and per campaign or pin (ad) overrides (`campaigns`, `pins`: id to target; `null`
 * clears one). Validated; refused when disconnected; a `currency` other than the account's fails
 * the update (`InvalidCpaTargets`). Alerts are evaluated right after. Returns the targets in force.
 */
export const setCpaTargetsUpdate = defineUpdate<CpaTargets, [CpaTargetsRequest]>('setCpaTargets');
/** The account's connection, schedule, queue, last error and counters. */
export const statusQuery = defineQuery<AdAccountStatus>('status');

/** The failure types, defined in `failure-types.ts` (plain code the workflow's state class reads too). */
export { FAILURE_TYPES };

/** Waits longer than this, in seconds (a daily cap), are not slept through in an activity: they show in `status`. */
export const LONGEST_RATE_LIMIT_WAIT_SECONDS = 15 * 60;

// Every activity heartbeats every 10 s while it runs (activities/heartbeat.ts): a dead worker is
// noticed in 30 seconds and the attempt retried on another.
/** Activity options, each retry policy stated once. */
export const ACTIVITY_OPTIONS = {
  /** Entity sync, pull, report request: a few tries, then the round notes the failure. */
  pinterestReads: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 8 },
  },
  /**
   * One attempt of a Pinterest read, for runs with the `pinterest-read-health` patch: the workflow
   * retries it itself under PINTEREST_READ_RETRY (workflows/ad-account-reads.ts), so it knows each attempt.
   */
  pinterestReadAttempt: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  },
  /** Temporal's retry policy is the report polling loop: capped backoff, and a deadline. */
  reportPolls: {
    startToCloseTimeout: '10 minutes',
    scheduleToCloseTimeout: '2 hours',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [FAILURE_TYPES.reportExpired] },
  },
  /** Sends give up after a few tries, so an outage never holds the loop: matches stay stored and go on a later round. */
  sends: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  },
  /** Evaluating CPA alerts (a report and a few writes): a few tries, then `last_error`; the next round tries again. */
  cpaAlerts: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  },
  /** Posting CPA alerts to the webhook: retried with backoff (a 5xx, a timeout), then left for the next evaluation. */
  alertWebhook: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
  },
  /** Storing Routy's records and expiring holds: retried until PostgreSQL takes them. */
  records: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
  },
} satisfies Record<string, ActivityOptions>;

/**
 * The retry policy of `pinterestReads`, as the workflow applies it to single attempts (runs with
 * the `pinterest-read-health` patch): the wait before attempt n+1 is `initial_ms` ×
 * `coefficient`^(n-1), at most `maximum_ms` (milliseconds), or Pinterest's own wait when it gave
 * one; `maximum_attempts` attempts in all.
 */
export const PINTEREST_READ_RETRY = { initial_ms: 2000, coefficient: 2, maximum_ms: 5 * 60_000, maximum_attempts: 8 } as const;
