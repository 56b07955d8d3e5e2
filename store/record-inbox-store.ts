// Routy's records between the ingress and the account's workflow (the `record_inbox` table), and
// the flag that tells the ingress when the workflow waits for a nudge signal. The ingress puts
// records in and then claims the nudge; the pump takes them out in the transaction that stores
// them, and parks (sets the flag) only after finding the inbox empty with the account's row locked,
// so a record committed before the ingress's claim is always either taken or nudged for.
import { sql, type Kysely } from 'kysely';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import type { Database } from './database-schema';

/** Which record a row holds. */
export type InboxKind = 'conversion' | 'touchpoint';

/** Rows per INSERT: 5 parameters each stays far below PostgreSQL's 65,535 per statement. */
const INSERT_CHUNK = 2000;

/** What the ingress's put did: the new rows' ids, and whether this caller must nudge the workflow. */
export interface InboxPut {
  /** The new rows' `inbox_id`s (int8 as strings), in the records' order. */
  inbox_ids: string[];
  /** The workflow had parked (or the account was never seen): this caller sends the nudge signal. */
  nudge: boolean;
}

/**
 * Puts one account's prepared records (validated, user data hashed) in the inbox and, in the same
 * transaction, claims the nudge: when the account's workflow waits for one (or the account has no
 * row yet) it is marked as nudged and `nudge` is true; otherwise the running pump takes these too.
 * Committing both together, with the account's row locked, is what keeps a pump from parking
 * between them (see `parkInbox`). `traceparent` (the ingress request's span, W3C, see
 * observability/batch-tracing.ts) is stored with each row, so the drain continues the batch's trace.
 */
export async function putInInbox(
  db: Kysely<Database>,
  adAccountId: string,
  kind: InboxKind,
  records: Array<ConversionRecord | TouchpointRecord>,
  traceparent?: string,
): Promise<InboxPut> {
  const rowsOf = (chunk: typeof records) => chunk.map((record) => ({ ad_account_id: adAccountId, kind, record: JSON.stringify(record), traceparent: traceparent ?? null }));
  const claim = (q: Kysely<Database>) =>
    q
      .insertInto('record_inbox_accounts')
      .values({ ad_account_id: adAccountId, nudge_needed: false })
      .onConflict((oc) => oc.column('ad_account_id').doUpdateSet({ nudge_needed: false }).where('record_inbox_accounts.nudge_needed', '=', true))
      .returning('ad_account_id');
  if (records.length > 0 && records.length <= INSERT_CHUNK) {
    // One statement, one round trip: the insert and the claim commit together.
    const rows = await db
      .with('put', (q) => q.insertInto('record_inbox').values(rowsOf(records)).returning('inbox_id'))
      .with('claimed', (q) => claim(q as unknown as Kysely<Database>))
      .selectFrom('put')
      .select((eb) => ['put.inbox_id', eb.exists(eb.selectFrom('claimed').select('claimed.ad_account_id')).as('nudge')])
      .execute();
    return { inbox_ids: rows.map((r) => r.inbox_id), nudge: Boolean(rows[0]?.nudge) };
  }
  return db.transaction().execute(async (trx) => {
    const ids: string[] = [];
    for (let start = 0; start < records.length; start += INSERT_CHUNK) {
      const rows = await trx.insertInto('record_inbox').values(rowsOf(records.slice(start, start + INSERT_CHUNK))).returning('inbox_id').execute();
      ids.push(...rows.map((r) => r.inbox_id));
    }
    return { inbox_ids: ids, nudge: (await claim(trx).executeTakeFirst()) !== undefined };
  });
}

/**
 * Undoes `putInInbox` when the nudge could not be delivered (no workflow, or Temporal failed):
 * deletes those rows and marks the account as waiting for a nudge again, so the next caller sends one.
 */
export async function withdrawFromInbox(db: Kysely<Database>, adAccountId: string, inboxIds: string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (inboxIds.length > 0) await trx.deleteFrom('record_inbox').where('ad_account_id', '=', adAccountId).where('inbox_id', 'in', inboxIds).execute();
    await trx.updateTable('record_inbox_accounts').set({ nudge_needed: true }).where('ad_account_id', '=', adAccountId).execute();
  });
}

/** Records taken from the inbox, oldest first, with the ids they had there. */
export interface InboxRecords {
  touchpoints: TouchpointRecord[];
  conversions: ConversionRecord[];
  inbox_ids: string[];
  /** When the oldest of them was put in the inbox (the database's clock), if any was taken. */
  oldest_received_at?: Date;
  /** Per stored `traceparent` (the batch's ingress request): its conversions' event ids and its touchpoint count. Untraced rows are not in it. */
  batches: Map<string, { conversion_event_ids: string[]; touchpoints: number }>;
}

/**
 * Removes and returns up to `max` of the account's oldest records. Call it inside the transaction
 * that stores them: a rollback puts them back. Rows another transaction holds are skipped.
 */
export async function takeFromInbox(trx: Kysely<Database>, adAccountId: string, max: number): Promise<InboxRecords> {
  const rows = await trx
    .deleteFrom('record_inbox')
    .where('inbox_id', 'in', (eb) =>
      eb.selectFrom('record_inbox').select('inbox_id').where('ad_account_id', '=', adAccountId).orderBy('inbox_id').limit(max).forUpdate().skipLocked(),
    )
    .returning(['inbox_id', 'kind', 'record', 'received_at', 'traceparent'])
    .execute();
  rows.sort((a, b) => (BigInt(a.inbox_id) < BigInt(b.inbox_id) ? -1 : 1));
  const taken: InboxRecords = { touchpoints: [], conversions: [], inbox_ids: rows.map((r) => r.inbox_id), oldest_received_at: rows[0]?.received_at, batches: new Map() };
  for (const row of rows) {
    const batch = row.traceparent === null ? undefined : (taken.batches.get(row.traceparent) ?? { conversion_event_ids: [], touchpoints: 0 });
    if (batch) taken.batches.set(row.traceparent!, batch);
    if (row.kind === 'touchpoint') {
      taken.touchpoints.push(row.record as TouchpointRecord);
      if (batch) batch.touchpoints += 1;
    } else {
      taken.conversions.push(row.record as ConversionRecord);
      batch?.conversion_event_ids.push((row.record as ConversionRecord).event_id);
    }
  }
  return taken;
}

/**
 * Ends a pump: with the account's row locked, when the inbox is empty, marks the workflow as
 * waiting for a nudge. @returns true when parked; false when records arrived (take them first).
 */
export async function parkInbox(db: Kysely<Database>, adAccountId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('record_inbox_accounts')
      .values({ ad_account_id: adAccountId, nudge_needed: false })
      .onConflict((oc) => oc.column('ad_account_id').doNothing())
      .execute();
    await trx.selectFrom('record_inbox_accounts').select('nudge_needed').where('ad_account_id', '=', adAccountId).forUpdate().execute();
    const waiting = await trx.selectFrom('record_inbox').select(sql<number>`1`.as('one')).where('ad_account_id', '=', adAccountId).limit(1).executeTakeFirst();
    if (waiting) return false;
    await trx.updateTable('record_inbox_accounts').set({ nudge_needed: true }).where('ad_account_id', '=', adAccountId).execute();
    return true;
  });
}

/** Whether any of the account's records wait in the inbox. */
export async function inboxHasRecords(db: Kysely<Database>, adAccountId: string): Promise<boolean> {
  const row = await db.selectFrom('record_inbox').select(sql<number>`1`.as('one')).where('ad_account_id', '=', adAccountId).limit(1).executeTakeFirst();
  return row !== undefined;
}
