// Measurement Source of Truth posts: each conversion the Conversions API took from an opted-in
// account is posted once more, as Routy's attribution, to `msot_events/create`, one event per
// request, each request stored (`msot_attempts`). The Conversions API sender calls it after each
// batch, so both the record pump and `sendMatchedConversions` post through it.
import type { Kysely } from 'kysely';
import { MSOT_SCOPE } from '../domain/msot-event';
import { withBatchTraces } from '../observability/batch-tracing';
import { msotEvents } from '../observability/metrics';
import { PinterestApiError, type PinterestHttp } from '../pinterest/http';
import { sendMsotEvent } from '../pinterest/msot';
import type { Database } from '../store/database-schema';
import { claimMsotEvents, enqueueMsotEvents, finishMsotAttempt, recoverMsotPosts, type MsotAnswer } from '../store/msot-store';
import { classifySendFailure } from './activity-failures';
import type { PinterestGrant } from './pinterest-grant';

/** A retryable refusal (429, 5xx, code 12, a refused grant, no connection) is tried this many times in all, then the event ends `failed`. */
export const MAX_MSOT_ATTEMPTS = 10;

/** At most this many MSOT requests per call, so one call never holds the Conversions API sender long. */
const MAX_POSTS_PER_CALL = 1000;

/** Pinterest answered 401 with code 3: the token lacks scope `msot:write`. Not a grant refusal: the grant is kept. */
class MsotScopeMissing extends Error {
  constructor(readonly pinterestMessage: string) {
    super(`the grant lacks scope ${MSOT_SCOPE}: Pinterest refused the MSOT event (${pinterestMessage}); reconnect the account through a connect link (the OAuth start asks for ${MSOT_SCOPE} once the account opted in)`);
    this.name = 'MsotScopeMissing';
  }
}

/**
 * What an MSOT request's failure means for its event, after `attempt` tries: the grant lacks the
 * scope → `refused` (final, named); Pinterest did not take it (429, code 12, 5xx, refused grant, no
 * connection) → `pending`, posted again after Pinterest's wait (`retryAfterSeconds`) and at least
 * 2^attempt seconds (at most 5 minutes), until `MAX_MSOT_ATTEMPTS`, then `failed`; another
 * 4xx → `failed` with Pinterest's message; no readable answer (timeout, reset) → `unconfirmed`:
 * MSOT names no deduplication, so it is never posted again.
 */
export function msotFailureAnswer(error: unknown, attempt: number, httpStatus: number | null, now: Date, retryAfterSeconds?: number): MsotAnswer {
  const message = String((error as Error).message ?? error);
  if (error instanceof MsotScopeMissing) return { state: 'refused', outcome: 'refused', http_status: httpStatus, error: message };
  const failure = classifySendFailure(error);
  if (failure.reason === 'retried') {
    if (attempt >= MAX_MSOT_ATTEMPTS) return { state: 'failed', outcome: 'retry', http_status: httpStatus, error: `gave up after ${attempt} attempts: ${message}` };
    // Pinterest's wait if it gave one, at least 2, 4, 8... seconds (at most 5 minutes).
    const waitSeconds = Math.max(retryAfterSeconds ?? 0, Math.min(300, 2 ** attempt));
    return { state: 'pending', outcome: 'retry', http_status: httpStatus, error: message, next_post_at: new Date(now.getTime() + waitSeconds * 1000) };
  }
  if (failure.reason === 'unknown') return { state: 'unconfirmed', outcome: 'unknown', http_status: httpStatus, error: `no readable answer, it may have reached Pinterest and is not posted again: ${message}` };
  return { state: 'failed', outcome: 'failed', http_status: httpStatus, error: message };
}

/** Builds the MSOT sender over the store, the Pinterest client and the grant policy (OAuth tokens only: a conversion token has no MSOT scope). */
export function createMsotSender(deps: { db: Kysely<Database>; http: PinterestHttp; grant: PinterestGrant; now: () => Date }) {
  const { db, http, grant, now } = deps;
  return {
    /**
     * For an opted-in account: adds an MSOT event for each conversion of `sentEventIds` (just
     * taken by the Conversions API; a conversion that has one keeps it), then posts the account's
     * pending ones (`POST /v5/ad_accounts/{id}/msot/events`), each claimed with its attempt stored
     * before its request. A request told to wait stops this call (the rest wait for the next). Once
     * Pinterest refuses the scope, the rest of the call's events are refused without a request.
     * Never throws for Pinterest's answers (they are stored); @throws what the store throws. An
     * event's request joins its conversion's trace when `traceOf` (event_id → drain span
     * `traceparent`) has it.
     * @returns how many events Pinterest took in this call.
     */
    async post(adAccountId: string, account: { msot_opted_in_at: Date | null }, sentEventIds: string[], traceOf: ReadonlyMap<string, string | null> = new Map()): Promise<number> {
      if (!account.msot_opted_in_at) return 0;
      const unconfirmed = await recoverMsotPosts(db, adAccountId);
      if (unconfirmed > 0) msotEvents.inc({ outcome: 'unconfirmed' }, unconfirmed);
      await enqueueMsotEvents(db, adAccountId, sentEventIds);
      let posted = 0;
      let scopeRefusal: MsotScopeMissing | undefined;
      for (let n = 0; n < MAX_POSTS_PER_CALL; n += 1) {
        const [claimed] = await claimMsotEvents(db, adAccountId, 1, now());
        if (!claimed) break;
        let answer: MsotAnswer;
        let httpStatus: number | null = null;
        let retryAfter: number | undefined;
        try {
          if (scopeRefusal) throw scopeRefusal;
          await withBatchTraces([traceOf.get(claimed.event_id)], () =>
            grant.withToken(adAccountId, (token) =>
              sendMsotEvent(http, token, adAccountId, claimed.body).catch((error: unknown) => {
                if (error instanceof PinterestApiError) {
                  httpStatus = error.status;
                  retryAfter = error.retryAfterSeconds;
                  if (error.status === 401 && error.code === 3) throw new MsotScopeMissing(error.pinterestMessage);
                }
                throw error;
              }),
            ),
          );
          answer = { state: 'posted', outcome: 'posted', http_status: 200, error: null };
          posted += 1;
        } catch (error) {
          if (error instanceof MsotScopeMissing) scopeRefusal = error;
          answer = msotFailureAnswer(error, claimed.attempt, httpStatus, now(), retryAfter);
        }
        await finishMsotAttempt(db, adAccountId, claimed, answer, now());
        if (answer.state !== 'pending') msotEvents.inc({ outcome: answer.state });
        if (answer.state === 'pending') break;
      }
      return posted;
    },
  };
}
