// Takes Routy's records out of the inbox and stores them, in one transaction per batch: the
// touchpoints first (attributing the pending conversions they now qualify for), then the
// conversions (a known `event_id` is skipped; every one of them still pending is attributed). A
// crash before the commit leaves the batch in the inbox; nothing is taken twice.
import { log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { AttributionSettings } from '../domain/attribution-settings';
import { attributeConversions, pendingConversionsTouchedBy } from '../store/attribution-store';
import { countPending, insertConversions } from '../store/conversions-store';
import type { Database } from '../store/database-schema';
import { takeFromInbox } from '../store/record-inbox-store';
import { insertTouchpoints } from '../store/touchpoints-store';
import { startDrainSpans, type DrainSpans } from '../observability/batch-tracing';
import { conversionsOrderDuplicates } from '../observability/metrics';
import { asInvalidRecordFailure } from './activity-failures';

/**
 * What draining stored: records taken by kind, new rows (`conversions_inserted`: new event_id and
 * new order), `duplicates` (known event_ids and repeated orders), of those `order_duplicates`,
 * matches, the batch's conversions still pending, records the database refused.
 */
export interface DrainCounts {
  conversions_taken: number;
  touchpoints_taken: number;
  touchpoints_inserted: number;
  conversions_inserted: number;
  duplicates: number;
  order_duplicates: number;
  matched: number;
  pending: number;
  refused: number;
}

/** Counts that start at zero. */
export function noDrain(): DrainCounts {
  return { conversions_taken: 0, touchpoints_taken: 0, touchpoints_inserted: 0, conversions_inserted: 0, duplicates: 0, order_duplicates: 0, matched: 0, pending: 0, refused: 0 };
}

/** What one batch stored, and when its oldest record reached the inbox (epoch ms, the database's clock). */
export interface DrainedBatch extends DrainCounts {
  oldest_received_ms?: number;
}

/** Adds `b` into `a`. */
export function addDrain(a: DrainCounts, b: DrainCounts): void {
  for (const key of Object.keys(a) as Array<keyof DrainCounts>) a[key] += b[key];
}

/** The account's stored attribution settings and hold, as the workflow hands them to the pump. */
export interface DrainInput {
  ad_account_id: string;
  settings: AttributionSettings;
  /** How long an unmatched conversion waits for a touchpoint, in seconds. */
  hold_seconds: number;
}

/** A PostgreSQL refusal no retry can fix (see `asInvalidRecordFailure`). */
function refusesRecord(error: unknown): boolean {
  return asInvalidRecordFailure(error) !== error;
}

/** Builds the drain over the store; `now` is the wall clock (a conversion's hold counts from it). */
export function createInboxDrain(deps: { db: Kysely<Database>; now: () => Date }) {
  const { db, now } = deps;

  /** Takes and stores up to `max` records in one transaction. @throws whatever the store throws (the batch stays in the inbox). */
  async function storeBatch(input: DrainInput, max: number): Promise<DrainedBatch & { inbox_ids: string[] }> {
    // A `drain batch` span per batch taken, ended once the transaction commits or rolls back.
    let traced: DrainSpans | undefined;
    try {
      const counts = await transact(input, max, (spans) => (traced = spans));
      traced?.end(true);
      return counts;
    } catch (error) {
      traced?.end(false);
      throw error;
    }
  }

  /** The transaction of `storeBatch`; `traced` gets the drain spans of the batches it took. */
  async function transact(input: DrainInput, max: number, traced: (spans: DrainSpans) => void): Promise<DrainedBatch & { inbox_ids: string[] }> {
    return db.transaction().execute(async (trx) => {
      const id = input.ad_account_id;
      const taken = await takeFromInbox(trx, id, max);
      const spans = startDrainSpans(taken.batches);
      traced(spans);
      const counts = {
        ...noDrain(),
        conversions_taken: taken.conversions.length,
        touchpoints_taken: taken.touchpoints.length,
        inbox_ids: taken.inbox_ids,
        oldest_received_ms: taken.oldest_received_at?.getTime(),
      };
      if (taken.touchpoints.length > 0) {
        counts.touchpoints_inserted = await insertTouchpoints(trx, taken.touchpoints);
        const candidates = await pendingConversionsTouchedBy(trx, id, taken.touchpoints);
        counts.matched += (await attributeConversions(trx, id, candidates, input.settings)).length;
      }
      if (taken.conversions.length > 0) {
        const inserted = await insertConversions(trx, taken.conversions, input.hold_seconds, now(), spans.conversionTraceparents);
        counts.conversions_inserted = inserted.fresh.length;
        counts.duplicates = taken.conversions.length - inserted.fresh.length;
        counts.order_duplicates = inserted.order_duplicates.length;
        const eventIds = taken.conversions.map((c) => c.event_id);
        counts.matched += (await attributeConversions(trx, id, eventIds, input.settings)).length;
        counts.pending = await countPending(trx, id, eventIds);
      }
      return counts;
    });
  }

  return {
    /**
     * Stores up to `max` of the account's oldest inbox records. When PostgreSQL refuses the batch
     * as invalid, its records are stored one at a time and only the refused ones are dropped
     * (counted in `refused`, logged without their data). @throws any other store failure.
     */
    async drainBatch(input: DrainInput, max: number): Promise<DrainedBatch> {
      try {
        const { inbox_ids: _ids, ...counts } = await storeBatch(input, max);
        conversionsOrderDuplicates.inc(counts.order_duplicates);
        return counts;
      } catch (error) {
        if (!refusesRecord(error) || max === 1) throw error;
      }
      const total = noDrain();
      for (let n = 0; n < max; n += 1) {
        try {
          const { inbox_ids: ids, ...counts } = await storeBatch(input, 1);
          if (ids.length === 0) break;
          conversionsOrderDuplicates.inc(counts.order_duplicates);
          addDrain(total, counts);
        } catch (error) {
          if (!refusesRecord(error)) throw error;
          // The refused record is the oldest left: take it out on its own, committed, and so drop it.
          const head = await db.transaction().execute((trx) => takeFromInbox(trx, input.ad_account_id, 1));
          total.refused += head.inbox_ids.length;
          log.warn('the database refused a record; it is dropped', { ad_account_id: input.ad_account_id, error: (error as Error).message });
        }
      }
      return total;
    },
  };
}
