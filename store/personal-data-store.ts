// When the user data Pinterest needs raw (IP address, user agent, partner_id) leaves PostgreSQL.
// The hashed fields stay: they match conversions to touchpoints and serve reports. The rule, in
// README "Personal data": a conversion's raw fields go in the statement that gives it a final
// Conversions API state (or expires it, or stores it as an order duplicate), and at the latest 7
// days after its event_time (Pinterest refuses older events, so no post can need them); a click's
// go once no conversion can borrow them any more (its window + 7 days, and none attributed to it
// still unsent or posting). Migration 2026-12-03T04-00 indexes the rows still holding them.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { longestWindowDays } from '../domain/attribution-rules';
import { RAW_ERASED_KEY, UNHASHED_FIELDS } from '../domain/user-data';
import { loadAttributionSettings } from './connections-store';
import type { Database } from './database-schema';


/** Conversions API states after which no post of the conversion can happen again. */
const FINAL_CAPI_STATES = ['sent', 'failed', 'stale', 'not_sendable', 'unconfirmed', 'duplicate'] as const;

/** States in which a conversion may still be posted (it borrows its matched click's IP address and user agent then). */
const OPEN_CAPI_STATES = ['unsent', 'sending', 'posting'];

/** Pinterest refuses events older than this (code 953), in days: no post needs raw fields past it. */
const CAPI_MAX_EVENT_AGE_DAYS = 7;

const erasedMark = sql.raw(`'{"${RAW_ERASED_KEY}": true}'::jsonb`);
const rawKeys = sql.raw(`ARRAY[${UNHASHED_FIELDS.map((f) => `'${f}'`).join(', ')}]::text[]`);

/**
 * SQL for `user_data` (jsonb) without its raw fields, marked {@link RAW_ERASED_KEY} when it had
 * any; use as the value of `user_data` in an UPDATE of `conversions` or `touchpoints`.
 */
export function userDataWithoutRawFields(): RawBuilder<string> {
  return sql<string>`CASE WHEN user_data ?| ${rawKeys} THEN (user_data - ${rawKeys}) || ${erasedMark} ELSE user_data END`;
}

/** SQL condition: the row's `user_data` still holds a raw field (the predicate of the migration's partial indexes). */
function holdsRawFields(): RawBuilder<boolean> {
  return sql<boolean>`user_data ?| ${rawKeys}`;
}

/** `user_data` as stored, raw fields removed (and marked erased when there were any). */
export function withoutRawFields(userData: Record<string, unknown>): Record<string, unknown> {
  const out = { ...userData };
  let erased = false;
  for (const field of UNHASHED_FIELDS) {
    if (field in out) {
      delete out[field];
      erased = true;
    }
  }
  return erased ? { ...out, [RAW_ERASED_KEY]: true } : out;
}

/**
 * The periodic sweep of one ad account at `now` under its stored attribution settings (see
 * {@link eraseExpiredRawUserData}); an account not stored has nothing to sweep.
 * @returns how many rows of each lost their raw fields.
 */
export async function sweepRawUserData(db: Kysely<Database>, adAccountId: string, now: Date): Promise<{ conversions: number; touchpoints: number }> {
  const stored = await db.selectFrom('ad_accounts').select('ad_account_id').where('ad_account_id', '=', adAccountId).executeTakeFirst();
  if (!stored) return { conversions: 0, touchpoints: 0 };
  return eraseExpiredRawUserData(db, adAccountId, now, longestWindowDays(await loadAttributionSettings(db, adAccountId)));
}

/**
 * Deletes, for one ad account at `now`, the raw fields of the raw fields of
 * - conversions in a final state ({@link FINAL_CAPI_STATES}) or expired, or whose `event_time` is
 *   over 7 days old (any post of it would be refused as stale, and a repost needs it under an hour old);
 * - touchpoints whose `occurred_at` is more than `longestWindowDays` + 7 days ago (a conversion that
 *   can still match them is at most that old, so its post would be stale), unless a conversion
 *   attributed to one (as its click) is still `unsent`, `sending` or `posting`, so it borrows them.
 * @param longestWindowDays the account's longest attribution window, in days.
 * @returns how many rows of each lost their raw fields.
 */
async function eraseExpiredRawUserData(
  db: Kysely<Database>,
  adAccountId: string,
  now: Date,
  longestWindowDays: number,
): Promise<{ conversions: number; touchpoints: number }> {
  const eventCutoff = new Date(now.getTime() - CAPI_MAX_EVENT_AGE_DAYS * 86_400_000);
  const conversions = await db
    .updateTable('conversions')
    .set({ user_data: userDataWithoutRawFields() })
    .where('ad_account_id', '=', adAccountId)
    .where(holdsRawFields())
    .where((eb) => eb.or([eb('capi_state', 'in', [...FINAL_CAPI_STATES]), eb('attribution_state', 'in', ['expired', 'duplicate']), eb('event_time', '<', eventCutoff)]))
    .returning('event_id')
    .execute();
  const touchCutoff = new Date(now.getTime() - (longestWindowDays + CAPI_MAX_EVENT_AGE_DAYS) * 86_400_000);
  const touchpoints = await db
    .updateTable('touchpoints')
    .set({ user_data: userDataWithoutRawFields() })
    .where('ad_account_id', '=', adAccountId)
    .where(holdsRawFields())
    .where('occurred_at', '<', touchCutoff)
    .where('touchpoint_id', 'not in', (eb) =>
      eb
        .selectFrom('attributions')
        .innerJoin('conversions', (join) => join.onRef('conversions.ad_account_id', '=', 'attributions.ad_account_id').onRef('conversions.event_id', '=', 'attributions.event_id'))
        .select('attributions.touchpoint_id')
        .where('attributions.ad_account_id', '=', adAccountId)
        .where('attributions.touch_type', '=', 'click')
        .where('conversions.capi_state', 'in', OPEN_CAPI_STATES),
    )
    .returning('touchpoint_id')
    .execute();
  return { conversions: conversions.length, touchpoints: touchpoints.length };
}
