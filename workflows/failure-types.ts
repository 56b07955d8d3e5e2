// The failures activities throw and what the workflow reads of them, as plain code: the workflow's
// state class reads them without importing Temporal. `shared.ts` re-exports the names for everyone.

/** `ApplicationFailure` types activities throw and the workflow acts on. */
export const FAILURE_TYPES = {
  /** Pinterest refused the grant: the account waits for a reconnect (non-retryable). */
  reauth: 'PinterestReauthRequired',
  /** A refusal of a grant the account no longer uses (reconnected meanwhile): retried. */
  grantReplaced: 'PinterestGrantReplaced',
  /** A 429 or code 8 with a wait we sleep through: retried after Pinterest's hint. */
  rateLimited: 'PinterestRateLimited',
  /** A 429 asking for more than 15 minutes (a daily cap): non-retryable, the wait in its details. */
  rateLimitedLong: 'PinterestRateLimitedLong',
  /** Pinterest asked to try again (code 12 "Something went wrong", a 4xx or 5xx giving a wait): retried, `{status, code}` in its details. */
  transient: 'PinterestTransient',
  /** Any other 4xx: non-retryable, Pinterest's message and `{status, code}` in its details. */
  api: 'PinterestApiError',
  /** An async report still IN_PROGRESS: the retry policy is the polling loop. */
  reportNotReady: 'PinterestReportNotReady',
  /** The report, or its download link, expired: the workflow asks for a new report. */
  reportExpired: 'PinterestReportExpired',
  /** The report ended FAILED, CANCELLED or DOES_NOT_EXIST. */
  reportFailed: 'PinterestReportFailed',
  /** PostgreSQL refused a record as invalid: no retry can fix it. */
  invalidRecord: 'InvalidRecord',
  /** The worker is stopping: the send started no new request, the next attempt (another worker's) sends the rest. */
  workerStopping: 'WorkerStopping',
} as const;

/**
 * What a failed Pinterest call meant. `needs-reauth`: Pinterest refused the grant, the account
 * waits for a reconnect (its connection status changed). `replaced-grant`: the refused grant is
 * one a reconnect replaced, the account stays connected. `rate-limited`: a daily cap, the account
 * waits until it ends. `failed`: anything else, noted in `last_error`.
 */
export type FailureMeaning = 'needs-reauth' | 'replaced-grant' | 'rate-limited' | 'failed';

/** A report whose link expired is asked for again this many times. */
export const REPORT_TRIES = 3;

/**
 * A failed activity call as plain facts (the state class cannot read Temporal's failure classes):
 * the `ApplicationFailure`'s type (one of FAILURE_TYPES) and details when the activity threw one,
 * the message, and whether no retry can fix it.
 */
export interface CallFailure {
  type?: string;
  message: string;
  details?: unknown[];
  nonRetryable: boolean;
}

/** A refused grant or a daily cap: the account waits (a reconnect, the cap's end), and so does the work. */
export const parks = (failure: CallFailure): boolean => failure.type === FAILURE_TYPES.reauth || failure.type === FAILURE_TYPES.rateLimitedLong;

/** The wait a daily cap asks for, in seconds: its details' `retry_after_seconds`, else an hour. */
export const rateLimitWaitSeconds = (failure: CallFailure): number =>
  (failure.details?.[0] as { retry_after_seconds?: number } | undefined)?.retry_after_seconds ?? 3600;
