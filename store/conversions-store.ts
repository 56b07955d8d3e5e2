import { sql, type Kysely } from 'kysely';
import { customDataOf } from '../domain/capi-event';
import type { ConversionRecord } from '../domain/routy-records';
import type { Database } from './database-schema';

/** The record's Conversions API `custom_data` fields as stored JSON, or null without any. */
function customDataJson(record: ConversionRecord): string | null {
  const custom = customDataOf(record);
  return custom ? JSON.stringify(custom) : null;
}

/**
 * Inserts conversions as `pending` with their hold end; an `event_id` already stored for the
 * account is skipped, so a repeated signal changes nothing.
 * @returns the event ids that were new.
 */
export async function insertConversions(
  db: Kysely<Database>,
  conversions: ConversionRecord[],
  holdSeconds: number,
  now: Date,
): Promise<string[]> {
  if (conversions.length === 0) return [];
  const rows = await db
    .insertInto('conversions')
    .values(
      conversions.map((c) => ({
        ad_account_id: c.ad_account_id,
        event_id: c.event_id,
        event_name: c.event_name,
        event_time: c.event_time,
        action_source: c.action_source,
        value: c.value ?? null,
        currency: c.currency ?? null,
        order_id: c.order_id ?? null,
        click_id: c.click_id ?? null,
        user_data: JSON.stringify(c.user_data),
        custom_data: customDataJson(c),
        opt_out: c.opt_out ?? false,
        event_source_url: c.event_source_url ?? null,
        attribution_state: 'pending',
        // The hold counts from when we received it: Routy can deliver late.
        hold_until: new Date(now.getTime() + holdSeconds * 1000),
      })),
    )
    .onConflict((oc) => oc.columns(['ad_account_id', 'event_id']).doNothing())
    .returning('event_id')
    .execute();
  return rows.map((r) => r.event_id);
}

/**
 * Moves pending conversions whose hold ended to `expired`.
 * @returns how many expired, and the next hold end still pending (ISO string) if any.
 */
export async function expireConversions(
  db: Kysely<Database>,
  adAccountId: string,
  now: Date,
): Promise<{ expired: number; next_expiry_at?: string }> {
  const result = await db
    .updateTable('conversions')
    .set({ attribution_state: 'expired' })
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
