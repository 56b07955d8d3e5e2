// How the ad account workflow calls a Pinterest read and tells the account's health what came of
// each attempt. Runs with the `pinterest-read-health` patch make every attempt a single-attempt
// activity and retry it themselves with durable timers, under the retry policy Temporal applied
// before (PINTEREST_READ_RETRY), so `status` knows the attempt, its error and the next try's time
// exactly. Older runs keep Temporal's retries (their histories replay as they were recorded).
import { ActivityFailure, ApplicationFailure, isCancellation, patched, proxyActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activityTypes from '../activities/index';
import type { AdAccountState } from './ad-account-state';
import type { CallFailure } from './failure-types';
import { ACTIVITY_OPTIONS, HEALTH, PINTEREST_READ_RETRY } from './shared';

type Activities = activityTypes.Activities;

/** The patch under which the workflow retries Pinterest reads itself and upserts `PinterestHealth`. */
const READ_HEALTH_PATCH = 'pinterest-read-health';

const retriedByTemporal = proxyActivities<Activities>(ACTIVITY_OPTIONS.pinterestReads);
const singleAttempt = proxyActivities<Activities>(ACTIVITY_OPTIONS.pinterestReadAttempt);
const reportPolls = proxyActivities<Activities>(ACTIVITY_OPTIONS.reportPolls);

/** An activity's failure as plain facts for the state: the `ApplicationFailure` behind it, if any. */
export function failureOf(error: unknown): CallFailure {
  const cause = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause : undefined;
  const message = error instanceof ActivityFailure && error.cause ? error.cause.message : error instanceof Error ? error.message : String(error);
  return { type: cause?.type ?? undefined, message, details: cause?.details ?? undefined, nonRetryable: cause?.nonRetryable ?? false };
}

/** Asks the patch once, at the run's start; the state remembers the answer. */
export function askReadHealthPatch(state: AdAccountState): boolean {
  state.health.workflowRetries = patched(READ_HEALTH_PATCH);
  return state.health.workflowRetries;
}

/** Shows the health in `PinterestHealth` when it `changed`, in runs with the patch only. */
export function showHealth(state: AdAccountState, changed: boolean): void {
  if (changed && state.health.workflowRetries) upsertSearchAttributes([{ key: HEALTH, value: state.health.state }]);
}

/**
 * Milliseconds to wait before attempt `failed + 1`, or undefined when there is none: the failure
 * is non-retryable, or attempt `failed` was the last. Pinterest's wait (`retry_after_seconds` in
 * the failure's details, as `asActivityFailure` puts it) wins over the backoff, as Temporal's
 * `nextRetryDelay` did.
 */
export function retryDelayMs(failed: number, failure: CallFailure): number | undefined {
  if (failure.nonRetryable || failed >= PINTEREST_READ_RETRY.maximum_attempts) return undefined;
  const hint = (failure.details?.[0] as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
  if (typeof hint === 'number' && hint > 0) return Math.max(1, hint) * 1000;
  return Math.min(PINTEREST_READ_RETRY.initial_ms * PINTEREST_READ_RETRY.coefficient ** (failed - 1), PINTEREST_READ_RETRY.maximum_ms);
}

/** Options of {@link read}. */
export interface ReadOptions {
  /** A report poll: Temporal's retry policy is the polling loop (`reportPolls`), kept as it is. */
  polled?: boolean;
  /** Runs beside the reads lane (the on-demand ad sync): not shown as the read under way. */
  beside?: boolean;
}

/**
 * Calls one Pinterest read (`call`: the activity's name) through `run`, handing it the proxy to
 * use, and tells the health each outcome. @returns the activity's result.
 * @throws the last attempt's failure (an `ActivityFailure`) once no retry is left.
 */
export async function read<T>(state: AdAccountState, call: string, run: (activities: Activities) => Promise<T>, options: ReadOptions = {}): Promise<T> {
  const { health } = state;
  const byWorkflow = health.workflowRetries && !options.polled;
  const activities = options.polled ? reportPolls : byWorkflow ? singleAttempt : retriedByTemporal;
  if (!options.beside) health.currentRead = call;
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await run(activities);
        showHealth(state, health.succeeded(call, Date.now()));
        return result;
      } catch (error) {
        const failure = failureOf(error);
        const delay = byWorkflow && !isCancellation(error) ? retryDelayMs(attempt, failure) : undefined;
        if (delay === undefined) {
          showHealth(state, health.failed(call, byWorkflow ? attempt : undefined, failure.message, Date.now()));
          throw error;
        }
        showHealth(state, health.retryScheduled(call, attempt, failure.message, Date.now() + delay, Date.now()));
        await sleep(delay);
      }
    }
  } finally {
    if (!options.beside) health.currentRead = undefined;
  }
}
