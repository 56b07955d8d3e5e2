// How far an ad account's conversions got: received, attributed, held, expired, sent. The demo
// prints it and waits on it.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/database-schema';

/** An ad account's conversions by how far they got. */
export interface ConversionCounts {
  /** Distinct orders: conversions stored, less duplicates of an order already stored. */
  conversions: number;
  /** Conversions stored as duplicates of an order already stored (same `event_name` and `order_id`). */
  duplicates: number;
  attributed: number;
  pending: number;
  expired: number;
  sent_to_conversions_api: number;
  /** Attributed with a lag over 7 days: what a 7-day window misses. */
  attributed_with_lag_over_7_days: number;
  /** Attributed, with a final Conversions API outcome (sent, failed, stale or not sendable). */
  attributed_with_capi_outcome: number;
}

/** Counts an ad account's conversions by attribution and Conversions API state. */
export async function conversionCounts(db: Kysely<Database>, adAccountId: string): Promise<ConversionCounts> {
  const states = await db
    .selectFrom('conversions')
    .select([
      sql<string>`count(*) filter (where attribution_state <> 'duplicate')`.as('all'),
      sql<string>`count(*) filter (where attribution_state = 'duplicate')`.as('duplicates'),
      sql<string>`count(*) filter (where attribution_state = 'matched')`.as('matched'),
      sql<string>`count(*) filter (where attribution_state = 'pending')`.as('pending'),
      sql<string>`count(*) filter (where attribution_state = 'expired')`.as('expired'),
      sql<string>`count(*) filter (where capi_state = 'sent')`.as('sent'),
      sql<string>`count(*) filter (where attribution_state = 'matched' and capi_state in ('sent', 'failed', 'stale', 'not_sendable'))`.as('settled'),
    ])
    .where('ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  const slow = await db
    .selectFrom('attributions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ad_account_id', '=', adAccountId)
    .where('lag_seconds', '>', String(7 * 86_400))
    .executeTakeFirstOrThrow();
  return {
    conversions: Number(states.all),
    duplicates: Number(states.duplicates),
    attributed: Number(states.matched),
    pending: Number(states.pending),
    expired: Number(states.expired),
    sent_to_conversions_api: Number(states.sent),
    attributed_with_lag_over_7_days: Number(slow.n),
    attributed_with_capi_outcome: Number(states.settled),
  };
}

/** How many of `clickIds` are stored as touchpoints. */
export async function storedClickCount(db: Kysely<Database>, clickIds: string[]): Promise<number> {
  if (clickIds.length === 0) return 0;
  const rows = await db.selectFrom('touchpoints').select('click_id').where('click_id', 'in', clickIds).execute();
  return rows.length;
}
