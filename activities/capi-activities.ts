// The activity that sends matched conversions back through Pinterest's Conversions API.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { MAX_EVENTS_PER_REQUEST } from '../pinterest/conversions';
import type { PinterestHttp } from '../pinterest/http';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { FAILURE_TYPES } from '../workflows/shared';
import { createCapiSender, noSends, type SendTotals } from './capi-sender';
import { beat } from './heartbeat';
import type { PinterestGrant } from './pinterest-grant';

export type { SendTotals };

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
  const sender = createCapiSender(deps);

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
      const totals = noSends();
      const account = await getAdAccount(deps.db, id);
      await sender.recover(id, totals);
      let more = true;
      for (;;) {
        if (stopping()) {
          // A full batch may have left rows behind: fail this attempt so the next one (another worker's) sends them.
          if (more) throw ApplicationFailure.retryable('the worker is stopping: no new Conversions API request; the next attempt sends the rest', FAILURE_TYPES.workerStopping);
          return totals;
        }
        const claimed = await sender.postBatch(id, account, totals);
        if (claimed === 0) return totals;
        more = claimed === MAX_EVENTS_PER_REQUEST;
        beat(totals);
      }
    },
  };
}
