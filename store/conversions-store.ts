import { sql, type Kysely } from 'kysely';
import { customDataOf } from '../domain/capi-event';
import type { ConversionRecord } from '../domain/routy-records';
import type { Database } from './database-schema';
import { userDataWithoutRawFields, withoutRawFields } from './personal-data-store';

/** The record's Conversions API `custom_data` fields as stored JSON, or null without any. */
function customDataJson(record: ConversionRecord): string | null {
  const custom = customDataOf(record);
  return custom ? JSON.stringify(custom) : null;
}

/** What {@link insertConversions} stored: new event ids, and those kept as duplicates of an order already stored. */
export interface InsertedConversions {
  /** Stored as `pending` (new event_id, new order). */
  fresh: string[];
  /** Stored as `duplicate` (new event_id, an order already stored within its hold), with the event_id each repeats. */
  order_duplicates: Array<{ event_id: string; duplicate_of: string }>;
}

const orderKey = (eventName: string, orderId: string) => `${eventName}\u0000${orderId}`;

/**
 * The originals the batch's orders repeat: per `event_name` + `order_id`, the first conversion of
 * the account stored with them (not itself a duplicate) whose hold has not ended at `now`.
 */
async function storedOrders(db: Kysely<Database>, adAccountId: string, conversions: ConversionRecord[], now: Date): Promise<Map<string, string>> {
  const orderIds = [...new Set(conversions.flatMap((c) => (c.order_id ? [c.order_id] : [])))];
  if (orderIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('conversions')
    .select(['event_id', 'event_name', 'order_id'])
    .where('ad_account_id', '=', adAccountId)
    .where('order_id', 'in', orderIds)
    .where('duplicate_of', 'is', null)
    .where('hold_until', '>', now)
    .orderBy('received_at')
    .orderBy('event_id')
    .execute();
  const originals = new Map<string, string>();
  for (const row of rows) {
    const key = orderKey(row.event_name, row.order_id!);
    if (!originals.has(key)) originals.set(key, row.event_id);
  }
  return originals;
}

/**
 * Inserts one account's conversions with their hold end (`now` + `holdSeconds`): as `pending`, or,
 * when an earlier conversion of the account (stored, or earlier in the batch) has the same
 * `event_name` and `order_id` and its hold has not ended, as `duplicate` of it: never attributed,
 * counted or sent. An `event_id` already stored is skipped, so a repeated batch changes nothing.
 * Call inside a transaction: the account's record pump is the only writer of its conversions.
 * `traceparents` (by event_id) is each one's drain span, stored for the requests that send it.
 */
export async function insertConversions(
  db: Kysely<Database>,
  conversions: ConversionRecord[],
  holdSeconds: number,
  now: Date,
  traceparents: ReadonlyMap<string, string> = new Map(),
): Promise<InsertedConversions> {
  const inserted: InsertedConversions = { fresh: [], order_duplicates: [] };
  if (conversions.length === 0) return inserted;
  const adAccountId = conversions[0]!.ad_account_id;
  if (conversions.some((c) => c.ad_account_id !== adAccountId)) throw new Error('insertConversions takes one ad account at a time');
  const known = new Set(
    (await db.selectFrom('conversions').select('event_id').where('ad_account_id', '=', adAccountId).where('event_id', 'in', conversions.map((c) => c.event_id)).execute()).map((r) => r.event_id),
  );
  const originals = await storedOrders(db, adAccountId, conversions, now);
  const holdUntil = new Date(now.getTime() + holdSeconds * 1000);
  const rows = [];
  for (const c of conversions) {
    if (known.has(c.event_id)) continue;
    known.add(c.event_id);
    const key = c.order_id ? orderKey(c.event_name, c.order_id) : undefined;
    const original = key ? originals.get(key) : undefined;
    if (key && !original) originals.set(key, c.event_id);
    if (original) inserted.order_duplicates.push({ event_id: c.event_id, duplicate_of: original });
    else inserted.fresh.push(c.event_id);
    rows.push({
      ad_account_id: c.ad_account_id,
      event_id: c.event_id,
      event_name: c.event_name,
      event_time: c.event_time,
      action_source: c.action_source,
      value: c.value ?? null,
      currency: c.currency ?? null,
      order_id: c.order_id ?? null,
      click_id: c.click_id ?? null,
      // An order duplicate is never sent: its raw fields (IP address, user agent, partner_id) are not kept.
      user_data: JSON.stringify(original ? withoutRawFields(c.user_data) : c.user_data),
      custom_data: customDataJson(c),
      opt_out: c.opt_out ?? false,
      event_source_url: c.event_source_url ?? null,
      attribution_state: original ? 'duplicate' : 'pending',
      duplicate_of: original ?? null,
      ...(original ? { capi_state: 'duplicate', capi_result: JSON.stringify({ reason: `the same order as ${original} (event_name and order_id): Pinterest gets that one` }) } : {}),
      // The hold counts from when we received it: Routy can deliver late.
      hold_until: holdUntil,
      traceparent: traceparents.get(c.event_id) ?? null,
    });
  }
  for (let i = 0; i < rows.length; i += 1000) {
    await db.insertInto('conversions').values(rows.slice(i, i + 1000)).onConflict((oc) => oc.columns(['ad_account_id', 'event_id']).doNothing()).execute();
  }
  return inserted;
}

/**
 * Moves pending conversions whose hold ended to `expired` (never sent: their raw user data goes in
 * the same statement).
 * @returns how many expired, and the next hold end still pending (ISO string) if any.
 */
export async function expireConversions(
  db: Kysely<Database>,
  adAccountId: string,
  now: Date,
): Promise<{ expired: number; next_expiry_at?: string }> {
  const result = await db
    .updateTable('conversions')
    .set({ attribution_state: 'expired', user_data: userDataWithoutRawFields() })
    .where('ad_account_id', '=', adAccountId)
    .where('attribution_state', '=', 'pending')
    .where('hold_until', '<=', now)
    .returning('event_id')
    .execute();
  const next = await db
    .selectFrom('conversions')
    .select(sql<Date | null>`min(hold_until)`.as('next'))
    .where('ad_account_id', '=', adAccountId)
    .where('attribution_state', '=', 'pending')
    .executeTakeFirst();
  return {
    expired: result.length,
    ...(next?.next ? { next_expiry_at: new Date(next.next).toISOString() } : {}),
  };
}

/** How many of the account's conversions wait for a touchpoint now: those of `eventIds`, or (without it) all. */
export async function countPending(db: Kysely<Database>, adAccountId: string, eventIds?: string[]): Promise<number> {
  if (eventIds?.length === 0) return 0;
  const row = await db
    .selectFrom('conversions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ad_account_id', '=', adAccountId)
    .$if(eventIds !== undefined, (q) => q.where('event_id', 'in', eventIds!))
    .where('attribution_state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
