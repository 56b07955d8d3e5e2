// Which fields of a repeated conversion differ from the one stored under its event_id; pure.
import type { StoredConversion } from './capi-event';
import { decimalToMicro } from './money';
import { HASHED_FROM_RAW, RAW_ERASED_KEY, UNHASHED_FIELDS, type HashedField } from './user-data';

/** Routy's field name for a stored user-data key: `em` → `user.email`, `client_ip_address` → `user.ip`. */
function userFieldName(key: string): string {
  if (key === 'client_ip_address') return 'user.ip';
  if (key === 'client_user_agent') return 'user.user_agent';
  if (Object.hasOwn(HASHED_FROM_RAW, key)) return `user.${HASHED_FROM_RAW[key as HashedField]}`;
  return `user.${key}`;
}

/** A decimal amount compared by value (`"30"` equals `"30.000000"`); null stays null. */
const amount = (value: string | null) => (value === null ? null : decimalToMicro(value));
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The fields, under Routy's input names (`value`, `event_time`, `user.email`, `contents`, ...), whose
 * value differs between the conversion stored under an `event_id` and a later one with the same
 * `event_id`. Times are compared to the millisecond, money by amount, user data by its hashes (so
 * `Ada@Example.com` and `ada@example.com` are the same email; IP address, user agent and partner_id
 * not at all once the stored copy's were deleted). @returns field names, sorted; empty
 * when the repeat is identical.
 */
export function differingFields(stored: StoredConversion, repeat: StoredConversion): string[] {
  const fields: string[] = [];
  if (stored.event_name !== repeat.event_name) fields.push('event_name');
  if (stored.event_time.getTime() !== repeat.event_time.getTime()) fields.push('event_time');
  if (stored.action_source !== repeat.action_source) fields.push('action_source');
  if (amount(stored.value) !== amount(repeat.value)) fields.push('value');
  for (const key of ['currency', 'order_id', 'click_id', 'event_source_url'] as const) {
    if ((stored[key] ?? null) !== (repeat[key] ?? null)) fields.push(key);
  }
  if (Boolean(stored.opt_out) !== Boolean(repeat.opt_out)) fields.push('opt_out');
  const storedCustom = stored.custom_data ?? {};
  const repeatCustom = repeat.custom_data ?? {};
  for (const key of ['content_ids', 'contents', 'num_items'] as const) {
    if (!same(storedCustom[key], repeatCustom[key])) fields.push(key);
  }
  const userKeys = new Set([...Object.keys(stored.user_data), ...Object.keys(repeat.user_data)]);
  const erased = stored.user_data[RAW_ERASED_KEY] === true;
  for (const key of userKeys) {
    if (key === RAW_ERASED_KEY || (erased && (UNHASHED_FIELDS as readonly string[]).includes(key))) continue;
    if (!same(stored.user_data[key], repeat.user_data[key])) fields.push(userFieldName(key));
  }
  return fields.sort();
}
