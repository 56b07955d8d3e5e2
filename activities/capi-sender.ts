// One Conversions API request's worth of matched conversions: claimed, built, posted, answered,
// with every attempt stored. The `sendMatchedConversions` activity and the record pump both post
// through it, so a repost decision and an audit row look the same whichever sent them.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toCapiEvent, type CapiEvent } from '../domain/capi-event';
import { decideRepost } from '../domain/capi-repost';
import { withBatchTraces } from '../observability/batch-tracing';
import { conversionsApiDeliveryLag, conversionsApiFailures, conversionsReposted, conversionsUnconfirmed } from '../observability/metrics';
import { MAX_EVENTS_PER_REQUEST, sendConversionEvents } from '../pinterest/conversions';
import { PinterestApiError, type PinterestHttp } from '../pinterest/http';
import { finishAttempts, priorAttempts, startAttempts, type AttemptAnswer, type StartingAttempt } from '../store/capi-attempts-store';
import { claimConversionsToSend, markPosting, recordCapiOutcomes, recoverInterruptedSends, releaseClaims, type CapiOutcome } from '../store/capi-store';
import type { Database } from '../store/database-schema';
import type { getAdAccount } from '../store/entities-store';
import { classifySendFailure } from './activity-failures';
import { createMsotSender } from './msot-sender';
import type { PinterestGrant } from './pinterest-grant';

/** What a sender did, by final state, plus how many events it posted again. */
export interface SendTotals {
  sent: number;
  failed: number;
  stale: number;
  not_sendable: number;
  unconfirmed: number;
  reposted: number;
}

/** Totals that start at zero. */
export function noSends(): SendTotals {
  return { sent: 0, failed: 0, stale: 0, not_sendable: 0, unconfirmed: 0, reposted: 0 };
}

/** The ad account row a post reads its test mode and conversion token from. */
export type SendingAccount = Awaited<ReturnType<typeof getAdAccount>>;

/**
 * Builds the sender; `capiTestMode` sends every request with `?test=true` (an account's own test
 * mode does too); `repostMarginSeconds` bounds a repost's event age (see `decideRepost`).
 */
export function createCapiSender(deps: { db: Kysely<Database>; http: PinterestHttp; grant: PinterestGrant; now: () => Date; capiTestMode?: boolean; repostMarginSeconds: number }) {
  const { db, http, grant, now } = deps;
  // An opted-in account's conversions the Conversions API took are posted again as MSOT events.
  const msot = createMsotSender(deps);

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

  return {
    /** Rows a dead sender left `sending` with no attempt stored end `unconfirmed` (counted). @returns how many. */
    async recover(id: string, totals: SendTotals): Promise<number> {
      const recovered = await recoverInterruptedSends(db, id);
      if (recovered.unconfirmed > 0) conversionsUnconfirmed.inc({ reason: 'no_attempt_recorded' }, recovered.unconfirmed);
      totals.unconfirmed += recovered.unconfirmed;
      return recovered.unconfirmed;
    },

    /**
     * Claims up to `max` (at most 1,000) matched, unsent conversions and posts them in one request
     * (`events/create`), storing each event's result and attempt; adds to `totals`. For an account
     * opted in to MSOT, each event Pinterest took is then posted as Routy's attribution too
     * (`msot-sender.ts`; its answers are stored, never thrown).
     * @returns how many were claimed (0: none waits). @throws the request's failure when Pinterest
     * did not take the events (429 / 5xx: rows released) or the outcome is unknown (rows stay
     * `posting`, and the next claim decides whether they are posted again).
     */
    async postBatch(id: string, account: SendingAccount, totals: SendTotals, max = MAX_EVENTS_PER_REQUEST): Promise<number> {
    const claimed = await claimConversionsToSend(db, id, max, now());
    if (claimed.length === 0) {
      // MSOT events told to wait are posted again when nothing else waits.
      await msot.post(id, account, []);
      return 0;
    }
    const at = now();
    const traceOf = new Map(claimed.map((c) => [c.event_id, c.traceparent]));
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
      const receivedAt = new Map(claimed.map((c) => [c.event_id, c.received_at.getTime()]));
      const observeLag = (eventId: string, outcome: 'sent' | 'failed' | 'refused') =>
        conversionsApiDeliveryLag.observe({ outcome }, Math.max(0, now().getTime() - receivedAt.get(eventId)!) / 1000);
      try {
        // The request joins the trace of the batches its events came from (see withBatchTraces).
        const response = await withBatchTraces(
          toSend.map((e) => traceOf.get(e.event_id)),
          () =>
            grant.withCapiToken(id, account, (token) =>
              sendConversionEvents(http, token, id, toSend, { test: account.capi_test_mode || deps.capiTestMode }).catch((error: unknown) => {
                if (error instanceof PinterestApiError) httpStatus = error.status;
                throw error;
              }),
            ),
        );
        const answers: AttemptAnswer[] = toSend.map((event, index) => {
          const result = response.events[index] ?? { status: 'failed' as const, error_message: 'no per-event result returned' };
          outcomes.push({ event_id: event.event_id, capi_state: result.status === 'processed' ? 'sent' : 'failed', result });
          observeLag(event.event_id, result.status === 'processed' ? 'sent' : 'failed');
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
        for (const event of toSend) {
          outcomes.push({ event_id: event.event_id, capi_state: failure.capi_state, result: { ...failure.result } });
          observeLag(event.event_id, 'refused');
        }
      }
    }
    await recordOutcomes(id, outcomes, totals);
    await msot.post(id, account, outcomes.filter((o) => o.capi_state === 'sent').map((o) => o.event_id), traceOf);
    return claimed.length;
    },
  };
}
