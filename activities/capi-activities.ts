// The activity that sends matched conversions back through Pinterest's Conversions API.
import type { Kysely } from 'kysely';
import { toCapiEvent, type CapiEvent } from '../domain/capi-event';
import { conversionsApiFailures } from '../observability/metrics';
import { MAX_EVENTS_PER_REQUEST, sendConversionEvents } from '../pinterest/conversions';
import type { PinterestHttp } from '../pinterest/http';
import { claimConversionsToSend, markPosting, recordCapiOutcomes, recoverInterruptedSends, releaseClaims, type CapiOutcome } from '../store/capi-store';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { classifySendFailure } from './activity-failures';
import { beat } from './heartbeat';
import type { PinterestGrant } from './pinterest-grant';

/**
 * Builds the Conversions API activities; `capiTestMode` sends every request with `?test=true`
 * (an account's own test mode does too); `now` is the wall clock.
 */
export function createCapiActivities(deps: { db: Kysely<Database>; http: PinterestHttp; grant: PinterestGrant; now: () => Date; capiTestMode?: boolean }) {
  const { db, http, grant, now } = deps;

  return {
    /**
     * Posts matched, unsent conversions to the Conversions API in batches of at most 1,000 and
     * stores each event's result. Each row goes `unsent` → `sending` (claimed) → `posting`
     * (committed before the request) → `sent` / `failed` / `stale` / `not_sendable`; an
     * interrupted attempt's `posting` rows become `unconfirmed` and are never posted twice by us.
     * A failed post is classified by `classifySendFailure`. Source: `events/create`.
     */
    async sendMatchedConversions(input: {
      ad_account_id: string;
    }): Promise<{ sent: number; failed: number; stale: number; not_sendable: number; unconfirmed: number }> {
      const id = input.ad_account_id;
      const totals = { sent: 0, failed: 0, stale: 0, not_sendable: 0, unconfirmed: 0 };
      const account = await getAdAccount(db, id);
      await recoverInterruptedSends(db, id);
      for (;;) {
        const claimed = await claimConversionsToSend(db, id, MAX_EVENTS_PER_REQUEST, now());
        if (claimed.length === 0) return totals;
        const outcomes: CapiOutcome[] = [];
        const toSend: CapiEvent[] = [];
        for (const conversion of claimed) {
          const built = toCapiEvent(conversion, now(), conversion.fallback);
          if (built.kind === 'event') toSend.push(built.event);
          else outcomes.push({ event_id: conversion.event_id, capi_state: built.kind, result: { reason: built.reason } });
        }
        if (toSend.length > 0) {
          await markPosting(db, id, toSend.map((e) => e.event_id));
          try {
            const response = await grant.withCapiToken(id, account, (token) =>
              sendConversionEvents(http, token, id, toSend, { test: account.capi_test_mode || deps.capiTestMode }),
            );
            toSend.forEach((event, index) => {
              const result = response.events[index] ?? { status: 'failed', error_message: 'no per-event result returned' };
              outcomes.push({ event_id: event.event_id, capi_state: result.status === 'processed' ? 'sent' : 'failed', result });
            });
          } catch (error) {
            const failure = classifySendFailure(error);
            conversionsApiFailures.inc({ reason: failure.reason });
            if (failure.reason === 'retried') {
              // Pinterest said it did not take them (429, 5xx, refused token), or never saw them: post again later, same event_id.
              await recordCapiOutcomes(db, id, outcomes);
              await releaseClaims(db, id, toSend.map((e) => e.event_id));
              throw error;
            }
            for (const event of toSend) outcomes.push({ event_id: event.event_id, capi_state: failure.capi_state, result: { ...failure.result } });
          }
        }
        await recordCapiOutcomes(db, id, outcomes);
        for (const outcome of outcomes) totals[outcome.capi_state] += 1;
        const refused = outcomes.filter((o) => o.capi_state === 'failed').length;
        if (refused > 0) conversionsApiFailures.inc({ reason: 'event_failed' }, refused);
        beat(totals);
      }
    },
  };
}
