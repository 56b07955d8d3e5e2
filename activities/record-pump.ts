// The record pump: one activity that takes Routy's records out of the inbox, stores and attributes
// them, and posts the matches to the Conversions API, for as long as records keep coming (up to a
// bounded time). One activity for thousands of records keeps the workflow's history small whatever
// the request rate; a post waits briefly (`fillMs`) for its request to fill.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { MAX_EVENTS_PER_REQUEST } from '../pinterest/conversions';
import { countPending } from '../store/conversions-store';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { databaseNow, unsyncedSince } from '../store/placements-store';
import { parkInbox } from '../store/record-inbox-store';
import { noSends, type createCapiSender, type SendTotals } from './capi-sender';
import { beat } from './heartbeat';
import { addDrain, noDrain, type createInboxDrain, type DrainCounts, type DrainInput } from './inbox-drain';
import { MatchQueue } from './match-queue';

/** How the pump paces itself, in milliseconds. */
export interface PumpTiming {
  /** A post waits at most this long after its oldest match for the request to fill (`ROUTY_CAPI_FILL_MS`, default 500). */
  fillMs: number;
  /** With the inbox empty this long, the pump parks and ends (default 1,000). */
  idleMs: number;
  /** The pump ends after this long even under load, so the workflow can continue as new (default 10,000). */
  maxMs: number;
  /** How often an empty inbox is looked at again (default 25). */
  pollMs: number;
}

/** Default pacing; `fillMs` comes from configuration. */
export const DEFAULT_PUMP_TIMING: PumpTiming = { fillMs: 500, idleMs: 1000, maxMs: 10_000, pollMs: 25 };

/** Records taken from the inbox per transaction. */
const TAKE = 2000;

/** What the workflow hands the pump: the account, its settings and hold, and whether Pinterest may be called. */
export interface PumpInput extends DrainInput {
  /** Post matches to the Conversions API; false while paused or waiting for re-authorization (matches then wait). */
  send: boolean;
}

/** A Conversions API post that failed, as plain facts for the workflow (an `ApplicationFailure`'s type and details). */
export interface PumpSendFailure {
  type?: string;
  message: string;
  details?: unknown[];
  non_retryable: boolean;
}

/** What one pump did. */
export interface PumpResult extends DrainCounts {
  sends: SendTotals;
  /** Conversions API requests posted. */
  requests: number;
  /** Records still wait in the inbox (the pump ran its longest, or the worker is stopping): pump again. */
  more: boolean;
  /** Matches were left unsent (sending was off, failed, or the worker is stopping). */
  unsent_left: boolean;
  /** All of the account's pending conversions, when this pump stored or matched any. */
  pending_total?: number;
  /** Why posting stopped early, if it did; the matches wait for the workflow's next send. */
  send_failure?: PumpSendFailure;
  /** Ads this pump credited that no synced ad explains (absent when none): the workflow syncs them (`syncAds`). */
  unsynced_ad_ids?: string[];
  /** Pins this pump credited without an ad id that no synced ad promotes (absent when none). */
  unsynced_pin_ids?: string[];
}

/** A thrown error as the workflow's failure facts (an activity's plain Error becomes a retryable failure of its name). */
function sendFailureOf(error: unknown): PumpSendFailure {
  if (error instanceof ApplicationFailure) return { type: error.type ?? undefined, message: error.message, details: error.details ? [...error.details] : undefined, non_retryable: Boolean(error.nonRetryable) };
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: e.name, message: e.message, non_retryable: false };
}

/**
 * Builds the `pumpRecords` activity over a drain and a sender; `stopping` is aborted when the
 * worker is asked to stop (the pump then starts no new request or batch and ends).
 */
export function createRecordPump(deps: {
  db: Kysely<Database>;
  drain: ReturnType<typeof createInboxDrain>;
  sender: ReturnType<typeof createCapiSender>;
  timing: PumpTiming;
  stopping?: AbortSignal;
}) {
  const { db, drain, sender, timing } = deps;
  const stopping = () => Boolean(deps.stopping?.aborted) || Context.current().cancellationSignal.aborted;

  return {
    /**
     * Takes the account's records from the inbox (oldest first, up to 2,000 per transaction),
     * stores and attributes them, and, with `send`, posts matches (`events/create`, up to 1,000 per
     * request) once a request is full or its oldest match waited `fillMs`. Ends when the inbox
     * stayed empty for `idleMs` (it then parks: the next record is nudged for), after `maxMs`, or
     * when the worker stops; every match it knows of is posted first unless sending failed.
     * @returns counts, whether records or matches are left, and the ads and pins it credited that
     * no synced ad explains. @throws what the store throws
     * (records stay in the inbox); a failed post is returned in `send_failure`, never thrown.
     */
    async pumpRecords(input: PumpInput): Promise<PumpResult> {
      const id = input.ad_account_id;
      const startedAt = Date.now();
      // Attributions made from here on are this pump's (PostgreSQL's clock writes `attributed_at`).
      const since = await databaseNow(db);
      const counts = noDrain();
      const sends = noSends();
      const result = { requests: 0, more: false, send_failure: undefined as PumpSendFailure | undefined };
      // Matches the drain reported and no post has taken yet, and since when they wait (from the
      // ingress's commit, so the wait bounds the time from 202 to request). Matches stored before
      // this pump count as long waiting: the first post takes them at once.
      const queue = new MatchQueue();
      if (input.send) queue.add(1, 0);
      let draining = true;

      const postLoop = async (account: Awaited<ReturnType<typeof getAdAccount>>) => {
        await sender.recover(id, sends);
        while (!stopping()) {
          // Ending: post everything that waits, whatever the queue thinks, until a claim finds nothing.
          const finishing = !draining;
          const oldest = queue.since;
          if (finishing || queue.count >= MAX_EVENTS_PER_REQUEST || (oldest !== undefined && Date.now() - oldest >= timing.fillMs)) {
            let claimed: number;
            try {
              claimed = await sender.postBatch(id, account, sends);
            } catch (error) {
              result.send_failure = sendFailureOf(error);
              queue.clear();
              return;
            }
            if (claimed === 0) {
              queue.clear();
              if (finishing) return;
              continue;
            }
            result.requests += 1;
            queue.take(claimed);
            // A full request may have left older matches behind: post again at once.
            if (claimed === MAX_EVENTS_PER_REQUEST && queue.count === 0) queue.add(1, 0);
            continue;
          }
          await sleep(oldest === undefined ? timing.pollMs : Math.max(1, Math.min(timing.pollMs, oldest + timing.fillMs - Date.now())));
        }
      };
      // Settles with the posting's failure (a database error), never rejects: it is awaited only
      // once draining ends, and an unhandled rejection meanwhile would stop the worker process.
      const posting: Promise<{ error: unknown } | undefined> = input.send
        ? getAdAccount(db, id)
            .then(postLoop)
            .then(
              () => undefined,
              (error: unknown) => ({ error }),
            )
        : Promise.resolve(undefined);

      try {
        let idleSince: number | undefined;
        for (;;) {
          if (stopping()) {
            // Park if nothing is left, so the next record nudges whichever worker runs the workflow then.
            result.more = !(await parkInbox(db, id));
            break;
          }
          const batch = await drain.drainBatch(input, TAKE);
          addDrain(counts, batch);
          if (input.send && batch.matched > 0) queue.add(batch.matched, Math.min(Date.now(), batch.oldest_received_ms ?? Date.now()));
          beat({ ...counts, sends });
          const longest = Date.now() - startedAt >= timing.maxMs;
          if (batch.conversions_taken + batch.touchpoints_taken + batch.refused > 0 && !longest) {
            idleSince = undefined;
            continue;
          }
          idleSince ??= Date.now();
          // Idle, and no match waiting for its request to fill: park.
          if (longest || (Date.now() - idleSince >= timing.idleMs && queue.count === 0)) {
            if (await parkInbox(db, id)) break;
            if (longest) {
              result.more = true;
              break;
            }
            idleSince = undefined;
            continue;
          }
          await sleep(timing.pollMs);
        }
      } finally {
        draining = false;
        const failed = await posting;
        if (failed) throw failed.error;
      }
      const changed = counts.conversions_inserted > 0 || counts.matched > 0;
      const unsynced = counts.matched > 0 ? await unsyncedSince(db, id, since) : { ad_ids: [], pin_ids: [] };
      return {
        ...counts,
        sends,
        requests: result.requests,
        more: result.more,
        unsent_left: input.send ? result.send_failure !== undefined || stopping() : counts.matched > 0,
        ...(changed ? { pending_total: await countPending(db, id) } : {}),
        ...(result.send_failure ? { send_failure: result.send_failure } : {}),
        ...(unsynced.ad_ids.length > 0 ? { unsynced_ad_ids: unsynced.ad_ids } : {}),
        ...(unsynced.pin_ids.length > 0 ? { unsynced_pin_ids: unsynced.pin_ids } : {}),
      };
    },
  };
}
