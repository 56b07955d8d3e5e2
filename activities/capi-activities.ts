// The activity that sends matched conversions back through Pinterest's Conversions API.
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { toCapiEvent, type CapiEvent } from '../domain/capi-event';
import { decideRepost } from '../domain/capi-repost';
import { conversionsApiFailures, conversionsReposted, conversionsUnconfirmed } from '../observability/metrics';
import { MAX_EVENTS_PER_REQUEST, sendConversionEvents } from '../pinterest/conversions';
import { PinterestApiError, type PinterestHttp } from '../pinterest/http';
import { finishAttempts, priorAttempts, startAttempts, type AttemptAnswer, type StartingAttempt } from '../store/capi-attempts-store';
import { claimConversionsToSend, markPosting, recordCapiOutcomes, recoverInterruptedSends, releaseClaims, type CapiOutcome } from '../store/capi-store';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { classifySendFailure } from './activity-failures';
import { beat } from './heartbeat';
import type { PinterestGrant } from './pinterest-grant';

/** What one `sendMatchedConversions` run did, by final state, plus how many events it posted again. */
export interface SendTotals {
  sent: number;
  failed: number;
  stale: number;
  not_sendable: number;
  unconfirmed: number;
  reposted: number;
}

/**
 * Builds the Conversions API activities; `capiTestMode` sends every request with `?test=true`
 * (an account's own test mode does too); `now` is the wall clock; `repostMarginSeconds` bounds a
 * repost's event age (see `decideRepost`); `stopping` is aborted when the worker is asked to stop.
 */
export function createCapiActivities(deps: {
  db: Kysely<Database>;
  http: PinterestHttp;
  grant: PinterestGrant;
  now: () => Date;
  capiTestMode?: boolean;
  repostMarginSeconds: number;
  stopping?: AbortSignal;
}) {
  const { db, http, grant, now } = deps;

  /** The worker is stopping (or this attempt was cancelled): start no new Conversions API request. */
  const stopping = () => Boolean(deps.stopping?.aborted) || Context.current().cancellationSignal.aborted;

  return {
    /**
     * Posts matched, unsent conversions to the Conversions API in batches of at most 1,000 and
     * stores each event's result and each attempt (`capi_attempts`). Each row goes `unsent` →
     * `sending` (claimed) → `posting` (committed with its attempt before the request) → `sent` /
     * `failed` / `stale` / `not_sendable`. A post with no known outcome (the sender stopped, a
     * timeout, a reset, an unreadable answer) leaves its rows `posting` and throws; the next run
     * takes them again and posts them again, identical, while `decideRepost` allows, else marks
     * them `unconfirmed` (counted). 429 / 5xx / a refused grant release the rows and throw. No new
     * request starts once the worker is stopping. Source: `events/create`.
     */
    async sendMatchedConversions(input: { ad_account_id: string }): Promise<SendTotals> {
      const id = input.ad_account_id;
      const totals: SendTotals = { sent: 0, failed: 0, stale: 0, not_sendable: 0, unconfirmed: 0, reposted: 0 };
      const account = await getAdAccount(db, id);
      const recovered = await recoverInterruptedSends(db, id);
      if (recovered.unconfirmed > 0) conversionsUnconfirmed.inc({ reason: 'no_attempt_recorded' }, recovered.unconfirmed);
      totals.unconfirmed += recovered.unconfirmed;
      let more = true;
      for (;;) {
        if (stopping()) {
          // A full batch may have left rows behind: fail this attempt so the next one (another worker's) sends them.
          if (more) throw ApplicationFailure.retryable('the worker is stopping: no new Conversions API request; the next attempt sends the rest', 'WorkerStopping');
          return totals;
        }
        const claimed = await claimConversionsToSend(db, id, MAX_EVENTS_PER_REQUEST, now());
        if (claimed.length === 0) return totals;
        more = claimed.length === MAX_EVENTS_PER_REQUEST;
        const at = now();
        const prior = await priorAttempts(db, id, claimed.map((c) => c.event_id));
        const outcomes: CapiOutcome[] = [];
        const toSend: CapiEvent[] = [];
        const attempts: StartingAttempt[] = [];
        for (const conversion of claimed) {
          const earlier = prior.get(conversion.event_id);
          if (earlier?.outcome_unknown) {
            const decision = decideRepost({ ...conversion, first_posted_at: earlier.first_posted_at }, at, deps.repostMarginSeconds);
            if (!decision.repost) {
              outcomes.push({ event_id: conversion.event_id, capi_state: 'unconfirmed', result: { reason: `outcome unknown, it may not have reached Pinterest: ${decision.detail}`, no_repost: decision.reason } });
              continue;
            }
          }
          // The same stored row and click give the same event: a repost is identical to the first post.
          const built = toCapiEvent(conversion, at, conversion.fallback);
          if (built.kind !== 'event') {
            outcomes.push({ event_id: conversion.event_id, capi_state: built.kind, result: { reason: built.reason } });
            continue;
          }
          toSend.push(built.event);
          attempts.push({ event_id: conversion.event_id, attempt: (earlier?.count ?? 0) + 1, repost: earlier?.outcome_unknown ?? false });
        }
        if (toSend.length > 0) {
          const sending = toSend.map((e) => e.event_id);
          const request = { ad_account_id: id, request_id: randomUUID() };
          await db.transaction().execute(async (trx) => {
            await markPosting(trx, id, sending);
            await startAttempts(trx, { ...request, started_at: now(), events: attempts });
          });
          const reposts = attempts.filter((a) => a.repost).length;
          if (reposts > 0) conversionsReposted.inc(reposts);
          totals.reposted += reposts;
          let httpStatus: number | null = null;
          try {
            const response = await grant.withCapiToken(id, account, (token) =>
              sendConversionEvents(http, token, id, toSend, { test: account.capi_test_mode || deps.capiTestMode }).catch((error: unknown) => {
                if (error instanceof PinterestApiError) httpStatus = error.status;
                throw error;
              }),
            );
            const answers: AttemptAnswer[] = toSend.map((event, index) => {
              const result = response.events[index] ?? { status: 'failed' as const, error_message: 'no per-event result returned' };
              outcomes.push({ event_id: event.event_id, capi_state: result.status === 'processed' ? 'sent' : 'failed', result });
              return { event_id: event.event_id, outcome: result.status, event_status: result.status, error_message: result.error_message, warning_message: result.warning_message };
            });
            await finishAttempts(db, { ...request, ended_at: now(), http_status: 200, error: null, answers });
          } catch (error) {
            const failure = classifySendFailure(error);
            conversionsApiFailures.inc({ reason: failure.reason });
            const outcome = failure.reason === 'retried' ? 'retry' : failure.reason === 'unknown' ? 'unknown' : 'refused';
            const answers = sending.map((event_id) => ({ event_id, outcome }) as const);
            await finishAttempts(db, { ...request, ended_at: now(), http_status: httpStatus, error: String((error as Error).message ?? error), answers });
            if (failure.reason === 'retried' || failure.reason === 'unknown') {
              await recordOutcomes(id, outcomes, totals);
              // Pinterest did not take them: post again later, same event_id. Unknown: they stay
              // `posting`, and the next attempt decides whether they are posted again.
              if (failure.reason === 'retried') await releaseClaims(db, id, sending);
              throw error;
            }
            for (const event of toSend) outcomes.push({ event_id: event.event_id, capi_state: failure.capi_state, result: { ...failure.result } });
          }
        }
        await recordOutcomes(id, outcomes, totals);
        beat(totals);
      }
    },
  };

  /** Stores final states, adds them to `totals`, and counts refused and unconfirmed events. */
  async function recordOutcomes(id: string, outcomes: CapiOutcome[], totals: SendTotals): Promise<void> {
    await recordCapiOutcomes(db, id, outcomes);
    for (const outcome of outcomes) {
      totals[outcome.capi_state] += 1;
      if (outcome.capi_state === 'unconfirmed') conversionsUnconfirmed.inc({ reason: String(outcome.result.no_repost) });
    }
    const refused = outcomes.filter((o) => o.capi_state === 'failed').length;
    if (refused > 0) conversionsApiFailures.inc({ reason: 'event_failed' }, refused);
  }
}
