// What a failed call means for an ad account, as plain code: no Temporal imports, unit-testable.
// AdAccountState extends these rules with the rest of the account's state.
import type { AdAccountConnection } from './ad-account-connection';
import type { AdAccountSchedule } from './ad-account-schedule';
import type { AdAccountCounters } from './ad-account-types';
import type { BackfillQueue } from './backfill-queue';
import { FAILURE_TYPES, parks, rateLimitWaitSeconds, type CallFailure, type FailureMeaning } from './failure-types';

/**
 * The account's answers to failed calls: what to note in `last_error`, whether the account waits
 * (a refused grant, a daily cap) and what happens to the work. `staleReauthIgnored`: the
 * workflow's `stale-reauth-ignored` patch applies to the failure.
 */
export abstract class AdAccountFailureRules {
  abstract readonly counters: AdAccountCounters;
  abstract readonly connection: AdAccountConnection;
  abstract readonly schedule: AdAccountSchedule;
  abstract readonly backfill: BackfillQueue;
  /** Matches wait to be sent (Pinterest could not be reached when they matched, or a send failed). */
  abstract unsentMatches: boolean;
  lastError?: string;

  /**
   * Pinterest refused a grant after a reconnect that came while the call ran (`reconnectsAtCall`
   * is `connection.reconnects` when the call began): the refusal may be of the replaced grant. The
   * workflow asks its `stale-reauth-ignored` patch only then.
   */
  refusedReplacedGrant(failure: CallFailure, reconnectsAtCall: number): boolean {
    return failure.type === FAILURE_TYPES.reauth && this.connection.reconnects !== reconnectsAtCall;
  }

  /** The entity sync failed: the next comes an interval later; metrics still pull with the entities already stored. */
  entitySyncFailed(nowMs: number, failure: CallFailure, staleReauthIgnored: boolean): FailureMeaning {
    this.schedule.entitySyncEnded(nowMs);
    return parks(failure) ? this.parked(nowMs, failure, staleReauthIgnored) : this.failed(`entity sync: ${failure.message}`);
  }

  /** The pull failed: the account waits, or the next pull comes an interval later. */
  pullFailed(nowMs: number, failure: CallFailure, staleReauthIgnored: boolean): FailureMeaning {
    if (parks(failure)) return this.parked(nowMs, failure, staleReauthIgnored);
    this.schedule.pullFailed(nowMs);
    return this.failed(failure.message);
  }

  /**
   * Asking for or collecting the report of the backfill queue's head failed on `attempt` (from
   * 1): `ask-again` for an expired report with tries left; else the range is kept (the account
   * waits) or dropped, noted in `last_error`.
   */
  backfillReportFailed(nowMs: number, attempt: number, failure: CallFailure, staleReauthIgnored: boolean): FailureMeaning | 'ask-again' {
    const range = this.backfill.head;
    const decision = this.backfill.reportFailed(attempt, failure);
    if (decision === 'ask-again') return decision;
    if (decision === 'kept') return this.parked(nowMs, failure, staleReauthIgnored);
    return this.failed(`backfill ${range?.start_date}..${range?.end_date}: ${failure.message}`);
  }

  /** The on-demand ad sync (or another read: `what`) failed: a refused grant or a daily cap parks the account; anything else is noted. */
  adSyncFailed(nowMs: number, failure: CallFailure, staleReauthIgnored: boolean, what = 'ad sync'): FailureMeaning {
    return parks(failure) ? this.parked(nowMs, failure, staleReauthIgnored) : this.failed(`${what}: ${failure.message}`);
  }

  /** Sending matches failed: they stay stored and are sent on a later round; the reason shows in status. */
  sendFailed(nowMs: number, failure: CallFailure, staleReauthIgnored: boolean): FailureMeaning {
    this.unsentMatches = true;
    return parks(failure) ? this.parked(nowMs, failure, staleReauthIgnored) : this.failed(`Conversions API: ${failure.message}`);
  }

  /**
   * The store failed to take a batch. Returns the batches to record instead: a non-retryable
   * refusal (an invalid record) of several records is tried one record at a time, so only the
   * faulty ones are dropped; a refused single record is dropped, counted and noted (`[]`). Any
   * other failure, and a refused grant, returns undefined: the caller rethrows it.
   */
  batchRefused<T>(batch: T[], failure: CallFailure): T[][] | undefined {
    if (!failure.nonRetryable || failure.type === FAILURE_TYPES.reauth) return undefined;
    if (batch.length !== 1) return batch.map((item) => [item]);
    this.counters.records_refused = (this.counters.records_refused ?? 0) + 1;
    this.lastError = failure.message;
    return [];
  }

  private failed(lastError: string): FailureMeaning {
    this.lastError = lastError;
    return 'failed';
  }

  /** A refused grant (this one, or one a reconnect replaced) or a daily cap. */
  private parked(nowMs: number, failure: CallFailure, staleReauthIgnored: boolean): FailureMeaning {
    if (failure.type === FAILURE_TYPES.reauth && staleReauthIgnored) {
      this.lastError = `refused the grant the reconnect replaced: ${failure.message}`;
      return 'replaced-grant';
    }
    this.lastError = failure.message;
    if (failure.type === FAILURE_TYPES.reauth) {
      this.connection.grantRefused();
      return 'needs-reauth';
    }
    this.schedule.rateLimitedFor(nowMs, rateLimitWaitSeconds(failure));
    return 'rate-limited';
  }
}
