// Whether an ad account's calls work, as plain code: no Temporal imports, unit-testable. The
// workflow tells it each attempt's outcome (ad-account-reads.ts); `status` shows what it knows as
// `health`, and runs with the `pinterest-read-health` patch show its state in `PinterestHealth`.

/** `retrying`: a call failed and is tried again; `failing`: a call failed for good and has not succeeded since. */
export type HealthState = 'healthy' | 'retrying' | 'failing';

/**
 * The `health` of the `status` answer. `since`: when the account entered this state (ISO 8601).
 * While `retrying`: `failing_call` (the activity's name, e.g. `pullMetrics`), `attempt` (the attempt
 * waiting for `next_retry_at` or running, from 2), `last_error` (the failed attempt's error) and
 * `next_retry_at`. While `failing`: the call, its last attempt (absent when Temporal's retry policy
 * made the attempts) and its error. Errors are scrubbed of tokens, e-mail addresses and hashes.
 */
export interface AccountHealthStatus {
  state: HealthState;
  since: string;
  failing_call?: string;
  attempt?: number;
  last_error?: string;
  next_retry_at?: string;
}

/** A call that failed for good, waiting for a later success. Times are ISO 8601. */
export interface CallFailureNote {
  call: string;
  attempt?: number;
  last_error: string;
  at: string;
}

/** What continue-as-new carries: the failures not yet followed by a success, and since when (a retry never spans runs). */
export interface AccountHealthCarry {
  since: string;
  failures: CallFailureNote[];
}

/** A later success of the key also clears these calls' failures (their work is done by it). */
const ALSO_CLEARS: Record<string, string[]> = {
  syncEntities: ['syncAds'],
  collectAdReport: ['requestAdReport'],
  collectSkuReport: ['requestSkuReport'],
  sendMatchedConversions: ['pumpRecords'],
  pumpRecords: ['sendMatchedConversions'],
};

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * An error message fit for `status`, history and the search attribute: Pinterest tokens
 * (`pina_…`, `pinr_…`, any `Bearer …`, `access_token=…`), e-mail addresses and long hex strings
 * (hashed user data) are replaced, and the text is cut at 300 characters.
 */
export function scrubbedError(message: string): string {
  const scrubbed = message
    .replace(/Bearer\s+\S+/gi, 'Bearer [token]')
    .replace(/\bpin[a-z]_[A-Za-z0-9._~+/=-]+/g, '[token]')
    .replace(/((?:access|refresh)_token["'=:\s]+)[^\s"'&,]+/gi, '$1[token]')
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]')
    .replace(/\b[0-9a-f]{32,}\b/gi, '[hash]');
  return scrubbed.length > 300 ? `${scrubbed.slice(0, 299)}…` : scrubbed;
}

/**
 * The account's health: the call being retried, if any, and the calls that failed for good and
 * have not succeeded since (a success of the same call, or of one in ALSO_CLEARS, clears them).
 * Times are epoch milliseconds of workflow time. Each method returns true when `state` changed.
 */
export class AccountHealth {
  /** Runs with the `pinterest-read-health` patch: the workflow retries Pinterest reads itself and shows the state in `PinterestHealth`. */
  workflowRetries = false;
  /** The Pinterest read of the reads lane (entity sync, pull, products, backfill) under way, if any. */
  currentRead?: string;
  private sinceMs: number;
  /** The calls being retried (two lanes may retry at once), the latest scheduled last. */
  private readonly retries = new Map<string, { call: string; attempt: number; last_error: string; next_retry_at: number }>();
  private readonly failures: CallFailureNote[];

  constructor(carried: AccountHealthCarry | undefined, nowMs: number) {
    this.failures = carried?.failures.map((f) => ({ ...f })) ?? [];
    this.sinceMs = carried ? Date.parse(carried.since) : nowMs;
  }

  get state(): HealthState {
    if (this.retries.size > 0) return 'retrying';
    return this.failures.length > 0 ? 'failing' : 'healthy';
  }

  /** Attempt `failedAttempt` of `call` failed with `message`; attempt `failedAttempt + 1` comes at `nextRetryAtMs`. */
  retryScheduled(call: string, failedAttempt: number, message: string, nextRetryAtMs: number, nowMs: number): boolean {
    return this.changing(nowMs, () => {
      this.retries.delete(call);
      this.retries.set(call, { call, attempt: failedAttempt + 1, last_error: scrubbedError(message), next_retry_at: nextRetryAtMs });
    });
  }

  /** `call` succeeded: its retry is over, and its failures (and those it clears) are. */
  succeeded(call: string, nowMs: number): boolean {
    return this.changing(nowMs, () => {
      this.retries.delete(call);
      const cleared = [call, ...(ALSO_CLEARS[call] ?? [])];
      for (let i = this.failures.length - 1; i >= 0; i -= 1) if (cleared.includes(this.failures[i]!.call)) this.failures.splice(i, 1);
    });
  }

  /** `call` failed for good (retries exhausted, or no retry can help) on `attempt` (undefined: unknown). */
  failed(call: string, attempt: number | undefined, message: string, nowMs: number): boolean {
    return this.changing(nowMs, () => {
      this.retries.delete(call);
      const kept = this.failures.filter((f) => f.call !== call);
      this.failures.splice(0, this.failures.length, ...kept, { call, ...(attempt === undefined ? {} : { attempt }), last_error: scrubbedError(message), at: iso(nowMs) });
    });
  }

  /** The call being retried (the latest scheduled, when two are), if any. */
  get retryingCall(): string | undefined {
    return [...this.retries.keys()].at(-1);
  }

  /** The `health` of `status`: the retry under way, else the latest failure, else healthy. */
  status(): AccountHealthStatus {
    const since = iso(this.sinceMs);
    const retry = [...this.retries.values()].at(-1);
    if (retry) {
      const { call, attempt, last_error, next_retry_at } = retry;
      return { state: 'retrying', since, failing_call: call, attempt, last_error, next_retry_at: iso(next_retry_at) };
    }
    const latest = this.failures.at(-1);
    if (!latest) return { state: 'healthy', since };
    return { state: 'failing', since, failing_call: latest.call, ...(latest.attempt === undefined ? {} : { attempt: latest.attempt }), last_error: latest.last_error };
  }

  /** What continue-as-new carries: the failures and since when the state holds. */
  carry(): AccountHealthCarry {
    return { since: iso(this.sinceMs), failures: this.failures.map((f) => ({ ...f })) };
  }

  private changing(nowMs: number, change: () => void): boolean {
    const before = this.state;
    change();
    if (this.state === before) return false;
    this.sinceMs = nowMs;
    return true;
  }
}
