// Before conversions enter the inbox: a repeated event_id is answered as a duplicate (naming the
// fields whose value differs from what was received first) and nothing stored changes; a checkout
// without order_id is accepted with a warning, since one order sent under two event_ids can then
// not be recognised.
import type { Kysely } from 'kysely';
import { storedFromRecord, type StoredConversion } from '../domain/capi-event';
import { differingFields } from '../domain/conversion-differences';
import type { ConversionRecord, PreparedBatch } from '../domain/routy-records';
import { conversionsRepeatedEventId, conversionWarnings } from '../observability/metrics';
import type { Database } from '../store/database-schema';
import { findReceivedConversions } from '../store/received-conversions-store';

/** A conversion whose `event_id` was received before (stored, in the inbox, or earlier in the batch); it was not stored again. */
export interface DuplicateAnswer {
  index: number;
  event_id: string;
  /** Fields (Routy's names: `value`, `user.email`, ...) whose value differs from the one received first; they were ignored. */
  differing_fields: string[];
  message: string;
}

/** An accepted record with something Routy should know: `{index, field, message}`. */
export interface RecordWarning {
  index: number;
  field: string;
  message: string;
}

/** What screening leaves: the records to hand over, the repeats answered as duplicates. */
export interface ScreenedConversions {
  prepared: PreparedBatch<ConversionRecord>;
  duplicates: DuplicateAnswer[];
}

function duplicateAnswer(index: number, eventId: string, first: StoredConversion, repeat: ConversionRecord): DuplicateAnswer {
  const differing = differingFields(first, storedFromRecord(repeat));
  const message = differing.length
    ? `event_id already received; this copy was ignored and these fields differ from the first: ${differing.join(', ')}`
    : 'event_id already received; this identical copy was ignored';
  return { index, event_id: eventId, differing_fields: differing, message };
}

/**
 * Takes out of `prepared` every conversion whose (`ad_account_id`, `event_id`) was received before:
 * stored, waiting in the inbox, or earlier in this batch. Two requests racing with the same new
 * `event_id` both pass; the record pump then stores the first and skips the other.
 * @throws a database failure (nothing was handed over).
 */
export async function screenRepeatedEventIds(db: Kysely<Database>, prepared: PreparedBatch<ConversionRecord>): Promise<ScreenedConversions> {
  const byAccount = new Map<string, string[]>();
  for (const { record } of prepared.accepted) {
    const ids = byAccount.get(record.ad_account_id);
    if (ids) ids.push(record.event_id);
    else byAccount.set(record.ad_account_id, [record.event_id]);
  }
  const received = new Map<string, Map<string, StoredConversion>>();
  await Promise.all([...byAccount].map(async ([account, ids]) => received.set(account, await findReceivedConversions(db, account, [...new Set(ids)]))));
  const kept: PreparedBatch<ConversionRecord> = { accepted: [], rejected: prepared.rejected };
  const duplicates: DuplicateAnswer[] = [];
  for (const item of prepared.accepted) {
    const seen = received.get(item.record.ad_account_id)!;
    const first = seen.get(item.record.event_id);
    if (first) {
      duplicates.push(duplicateAnswer(item.index, item.record.event_id, first, item.record));
      continue;
    }
    seen.set(item.record.event_id, storedFromRecord(item.record));
    kept.accepted.push(item);
  }
  if (duplicates.length > 0) conversionsRepeatedEventId.inc(duplicates.length);
  return { prepared: kept, duplicates };
}

/**
 * Warnings for accepted conversions (`indexes`): a `checkout` without `order_id` (counted in
 * `routy_pinterest_conversion_warnings_total{field="order_id"}`).
 */
export function conversionWarningsFor(accepted: Array<{ index: number; record: ConversionRecord }>): RecordWarning[] {
  const warnings = accepted
    .filter(({ record }) => record.event_name === 'checkout' && !record.order_id)
    .map(({ index }) => ({ index, field: 'order_id', message: 'a checkout without order_id: the same order re-sent under another event_id (a reloaded thank-you page) cannot be recognised and would be counted twice' }));
  if (warnings.length > 0) conversionWarnings.inc({ field: 'order_id', reason: 'checkout_without_order_id' }, warnings.length);
  return warnings;
}
