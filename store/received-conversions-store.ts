// What the service already holds under an event_id, wherever it is: stored in `conversions`, or
// still in the inbox waiting for the account's record pump. The ingress compares repeats with it.
import { sql, type Kysely } from 'kysely';
import { storedFromRecord, type StoredConversion, type StoredCustomData } from '../domain/capi-event';
import { conversionRecordSchema } from '../domain/routy-records';
import type { Database } from './database-schema';

/**
 * The conversions of `adAccountId` already received under any of `eventIds`: the stored row, else
 * the inbox's copy (the first one put in). @returns a map by `event_id`; absent ids were never received.
 */
export async function findReceivedConversions(db: Kysely<Database>, adAccountId: string, eventIds: string[]): Promise<Map<string, StoredConversion>> {
  const found = new Map<string, StoredConversion>();
  if (eventIds.length === 0) return found;
  const stored = await db
    .selectFrom('conversions')
    .select(['event_id', 'event_name', 'event_time', 'action_source', 'value', 'currency', 'order_id', 'click_id', 'user_data', 'custom_data', 'opt_out', 'event_source_url'])
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', 'in', eventIds)
    .execute();
  for (const row of stored) found.set(row.event_id, { ...row, custom_data: row.custom_data as StoredCustomData | null });
  const missing = eventIds.filter((id) => !found.has(id));
  if (missing.length === 0) return found;
  const waiting = await db
    .selectFrom('record_inbox')
    .select('record')
    .where('ad_account_id', '=', adAccountId)
    // A literal, so the planner matches record_inbox_event_idx's predicate (kind = 'conversion').
    .where('kind', '=', sql.lit('conversion'))
    .where(sql<string>`record->>'event_id'`, 'in', missing)
    .orderBy('inbox_id')
    .execute();
  for (const row of waiting) {
    const record = conversionRecordSchema.parse(row.record);
    if (!found.has(record.event_id)) found.set(record.event_id, storedFromRecord(record));
  }
  return found;
}
