// What a failure means, decided in one place: each function maps an error an activity caught to
// the Temporal failure the workflow and the retry policies act on. Pure (no I/O), so unit-tested
// without a server; the failure type names are the contract in workflows/shared.ts.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { PinterestApiError } from '../pinterest/http';
import { ReportDownloadError, type ReportStatus } from '../pinterest/reports';
import type { CapiOutcome } from '../store/capi-store';
import { FAILURE_TYPES, LONGEST_RATE_LIMIT_WAIT_SECONDS } from '../workflows/shared';

/**
 * Turns a Pinterest error into a Temporal failure. Whenever Pinterest gave a wait (`Retry-After`,
 * `X-RateLimit-Reset` or "retry after N seconds" in the message, any status and code) a retry
 * waits at least that long (`nextRetryDelay`, at least 1 second), or, past 15 minutes, the call
 * fails non-retryably as `PinterestRateLimitedLong` with the wait in its details
 * (`{retry_after_seconds}`) so the workflow shows it in `status` and waits. Otherwise:
 * - 429 / code 8: retryable `PinterestRateLimited` (with `{retry_after_seconds}` in its details when Pinterest gave a wait);
 * - a transient code (`TRANSIENT_ERROR_CODES`: 12 "Something went wrong. Please try again later.")
 *   or an answer asking for a retry, in any status: retryable `PinterestTransient` with
 *   `{status, code, retry_after_seconds?}` in its details, backed off by the activity's retry policy;
 * - 5xx without a wait, 401 and non-Pinterest errors (network) come back as they are (retried by
 *   policy; a 5xx giving a wait becomes `PinterestTransient` to carry it);
 * - other 4xx become non-retryable `PinterestApiError` failures keeping Pinterest's message and
 *   `{status, code}`.
 */
export function asActivityFailure(error: unknown): unknown {
  if (!(error instanceof PinterestApiError)) return error;
  if (!error.retryable) {
    return ApplicationFailure.nonRetryable(error.message, FAILURE_TYPES.api, { status: error.status, code: error.code });
  }
  const wait = error.retryAfterSeconds;
  if (wait !== undefined && wait > LONGEST_RATE_LIMIT_WAIT_SECONDS && error.status !== 401) {
    return ApplicationFailure.create({
      message: error.message,
      type: FAILURE_TYPES.rateLimitedLong,
      nonRetryable: true,
      details: [{ retry_after_seconds: wait }],
    });
  }
  // The wait is in the details too: workflows that retry reads themselves (`pinterest-read-health`)
  // cannot read `nextRetryDelay`, which Temporal does not pass back to the workflow.
  const delay = wait === undefined ? {} : { nextRetryDelay: `${Math.max(1, wait)} seconds` };
  const waitDetail = wait === undefined ? {} : { retry_after_seconds: Math.max(1, wait) };
  if (error.rateLimited) {
    return ApplicationFailure.create({ message: error.message, type: FAILURE_TYPES.rateLimited, ...(wait === undefined ? {} : { details: [waitDetail] }), ...delay });
  }
  // A 401 is refreshed by the grant policy; a 5xx without a wait is backed off by the retry policy.
  if (error.status === 401 || (error.status >= 500 && wait === undefined)) return error;
  return ApplicationFailure.create({ message: error.message, type: FAILURE_TYPES.transient, details: [{ status: error.status, code: error.code, ...waitDetail }], ...delay });
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22) or check violation (23514) means no retry can fix
 * the record: it becomes a non-retryable `InvalidRecord` failure. Any other error comes back as it is.
 */
export function asInvalidRecordFailure(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('22') || code === '23514')) {
    return ApplicationFailure.nonRetryable(`the database refused a record: ${(error as Error).message}`, FAILURE_TYPES.invalidRecord);
  }
  return error;
}

/**
 * Where a polled async report stands. @returns its download URL once FINISHED.
 * @throws ApplicationFailure `PinterestReportNotReady` (retryable: the retry policy is the polling
 * loop; category BENIGN, so the worker logs the expected poll at DEBUG, not as a WARN "Activity
 * failed" with a stack, and counts no failure metric) while IN_PROGRESS; non-retryable `PinterestReportExpired` when EXPIRED, so the workflow asks
 * for a new report; non-retryable `PinterestReportFailed` with `{status}` for FAILED, CANCELLED,
 * DOES_NOT_EXIST or a FINISHED report without a URL.
 */
export function reportDownloadUrl(report: { report_status: ReportStatus; url?: string | null }): string {
  if (report.report_status === 'IN_PROGRESS') {
    throw ApplicationFailure.create({ message: 'report in progress', type: FAILURE_TYPES.reportNotReady, category: ApplicationFailureCategory.BENIGN });
  }
  if (report.report_status === 'EXPIRED') {
    throw ApplicationFailure.nonRetryable('the report expired before it was downloaded', FAILURE_TYPES.reportExpired);
  }
  if (report.report_status !== 'FINISHED' || !report.url) {
    throw ApplicationFailure.nonRetryable(`the report ended ${report.report_status}`, FAILURE_TYPES.reportFailed, { status: report.report_status });
  }
  return report.url;
}

/**
 * A report download answered 403 or 404: its 5-minute pre-signed link is dead, which is a
 * non-retryable `PinterestReportExpired` failure (the workflow asks for a new report). Any other
 * error (5xx, network) comes back as it is and is retried.
 */
export function asReportDownloadFailure(error: unknown): unknown {
  if (error instanceof ReportDownloadError && (error.status === 403 || error.status === 404)) {
    return ApplicationFailure.nonRetryable(`the report link is no longer valid: ${String(error)}`, FAILURE_TYPES.reportExpired);
  }
  return error;
}

/** A Pinterest 404 turned into a failure by `asActivityFailure` (a deleted pin, say). */
export function isNotFoundFailure(error: unknown): boolean {
  return error instanceof ApplicationFailure && (error.details?.[0] as { status?: number } | undefined)?.status === 404;
}

/**
 * What a failed Conversions API post means for its events, and the `reason` counted in
 * `conversionsApiFailures`: `retried` when Pinterest said it did not take them or never saw them
 * (release the claims and throw, to post again later with the same event_id); `unknown` when
 * Pinterest may or may not have them (leave them `posting` and throw: the next attempt decides with
 * `decideRepost` whether to post them again); otherwise the state and stored result every event of
 * the batch ends in.
 */
export type SendFailure =
  | { reason: 'retried' }
  | { reason: 'unknown'; result: { reason: string } }
  | { reason: 'stale' | 'refused'; capi_state: CapiOutcome['capi_state']; result: Record<string, unknown> };

/** Network errors raised before a connection existed: Pinterest never saw the request. */
const NEVER_CONNECTED = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'];

/**
 * Classifies an error thrown by a Conversions API post (after `asActivityFailure`):
 * - rate limited (`PinterestRateLimited`, `PinterestRateLimitedLong`), transient (`PinterestTransient`:
 *   Pinterest's code 12 or an answer asking for a retry; the same event_id deduplicates), a refused grant
 *   (`PinterestReauthRequired`, or `PinterestGrantReplaced`: a 401 from a grant replaced during the
 *   call), 5xx, or no connection made: `retried`;
 * - Pinterest's code 953 (events too old): `stale`, with `{error_message}`;
 * - any other non-retryable failure (4xx): `refused`, stored as `failed` with `{error_message}`;
 * - anything else (a timeout, a connection reset after connecting, an unreadable answer): Pinterest
 *   may have the events, so `unknown` with `{reason}`.
 */
export function classifySendFailure(error: unknown): SendFailure {
  const failure = error instanceof ApplicationFailure ? error : undefined;
  const code = (failure?.details?.[0] as { code?: number } | undefined)?.code;
  const neverConnected = NEVER_CONNECTED.includes(String((error as { cause?: { code?: unknown } }).cause?.code));
  const askedToRetry =
    (failure && ([FAILURE_TYPES.rateLimited, FAILURE_TYPES.rateLimitedLong, FAILURE_TYPES.transient, FAILURE_TYPES.reauth, FAILURE_TYPES.grantReplaced] as string[]).includes(failure.type ?? '')) ||
    (error instanceof PinterestApiError && error.status >= 500) ||
    neverConnected;
  const message = String((error as Error).message ?? error);
  if (askedToRetry) return { reason: 'retried' };
  if (code === 953) return { reason: 'stale', capi_state: 'stale', result: { error_message: message } };
  if (failure?.nonRetryable) return { reason: 'refused', capi_state: 'failed', result: { error_message: failure.message } };
  return { reason: 'unknown', result: { reason: `no readable answer: ${message}` } };
}
