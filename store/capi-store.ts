import type { ExpressionBuilder, Kysely } from 'kysely';
import type { ClickFallback, StoredConversion } from '../domain/capi-event';
import type { Database } from './database-schema';
import { userDataWithoutRawFields } from './personal-data-store';

/** A claimed conversion ready to be built into an event, with its winning click's match keys (whatever the match key was). */
export interface ClaimedConversion extends StoredConversion {
  fallback?: ClickFallback;
  /** When the ingress received it (the Conversions API delivery lag starts here). */
  received_at: Date;
  /** Its drain span's W3C `traceparent`, which the requests that send it join; null: not traced. */
  traceparent: string | null;
}

/**
 * Claims up to `limit` matched, unsent conversions by moving them `unsent` → `sending` in one
 * statement, so two senders never take the same row (oldest `event_time` first).
 */
export async function claimConversionsToSend(
  db: Kysely<Database>,
  adAccountId: string,
  limit: number,
  now: Date,
): Promise<ClaimedConversion[]> {
  const claimed = await db
    .updateTable('conversions')
    .set({ capi_state: 'sending', capi_attempted_at: now })
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', 'in', (eb) =>
      eb
        .selectFrom('conversions')
        .select('event_id')
        .where('ad_account_id', '=', adAccountId)
        .where('attribution_state', '=', 'matched')
        .where('capi_state', '=', 'unsent')
        .orderBy('event_time')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['event_id', 'event_name', 'event_time', 'action_source', 'value', 'currency', 'order_id', 'click_id', 'user_data', 'custom_data', 'opt_out', 'event_source_url', 'received_at', 'traceparent'])
    .execute();
  if (claimed.length === 0) return [];
  const clicks = await db
    .selectFrom('attributions')
    .innerJoin('touchpoints', 'touchpoints.touchpoint_id', 'attributions.touchpoint_id')
    .select(['attributions.event_id', 'touchpoints.click_id', 'touchpoints.user_data'])
    .where('attributions.ad_account_id', '=', adAccountId)
    .where('attributions.touch_type', '=', 'click')
    .where(
      'attributions.event_id',
      'in',
      claimed.map((c) => c.event_id),
    )
    .execute();
  const fallbackByEvent = new Map<string, ClickFallback>();
  for (const click of clicks) {
    const ip = click.user_data.client_ip_address;
    const ua = click.user_data.client_user_agent;
    const fallback: ClickFallback = {
      ...(click.click_id ? { click_id: click.click_id } : {}),
      ...(typeof ip === 'string' && ip ? { client_ip_address: ip } : {}),
      ...(typeof ua === 'string' && ua ? { client_user_agent: ua } : {}),
    };
    if (Object.keys(fallback).length > 0) fallbackByEvent.set(click.event_id, fallback);
  }
  return claimed.map((c) => {
    const fallback = fallbackByEvent.get(c.event_id);
    return fallback ? { ...c, fallback } : c;
  });
}

/**
 * Recovers from a sender that stopped (worker killed, attempt timed out) or whose request got no
 * readable answer: rows it had claimed but not posted go back to `unsent`; rows it was posting
 * (outcome unknown) go back to `unsent` too, and the claim that takes them again decides from their
 * stored attempts whether they may be posted again (`decideRepost`). A `posting` row with no stored
 * attempt (posted before attempts were recorded) cannot be judged: it becomes `unconfirmed`, and
 * loses its raw user data in that statement.
 * @returns how many rows each way.
 */
export async function recoverInterruptedSends(
  db: Kysely<Database>,
  adAccountId: string,
): Promise<{ released: number; outcome_unknown: number; unconfirmed: number }> {
  const released = await db
    .updateTable('conversions')
    .set({ capi_state: 'unsent' })
    .where('ad_account_id', '=', adAccountId)
    .where('capi_state', '=', 'sending')
    .returning('event_id')
    .execute();
  const attempted = (eb: ExpressionBuilder<Database, 'conversions'>) =>
    eb.exists(
      eb
        .selectFrom('capi_attempts')
        .select('capi_attempts.attempt')
        .whereRef('capi_attempts.ad_account_id', '=', 'conversions.ad_account_id')
        .whereRef('capi_attempts.event_id', '=', 'conversions.event_id'),
    );
  const unconfirmed = await db
    .updateTable('conversions')
    .set({
      capi_state: 'unconfirmed',
      capi_result: JSON.stringify({ reason: 'the sender stopped while posting, before attempts were recorded; it may not have reached Pinterest and is not posted again' }),
      user_data: userDataWithoutRawFields(),
    })
    .where('ad_account_id', '=', adAccountId)
    .where('capi_state', '=', 'posting')
    .where((eb) => eb.not(attempted(eb)))
    .returning('event_id')
    .execute();
  const unknown = await db
    .updateTable('conversions')
    .set({ capi_state: 'unsent' })
    .where('ad_account_id', '=', adAccountId)
    .where('capi_state', '=', 'posting')
    .returning('event_id')
    .execute();
  return { released: released.length, outcome_unknown: unknown.length, unconfirmed: unconfirmed.length };
}

/** `sending` → `posting`, committed before the request goes out: from here on a crash means "maybe posted". */
export async function markPosting(db: Kysely<Database>, adAccountId: string, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .updateTable('conversions')
    .set({ capi_state: 'posting' })
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', 'in', eventIds)
    .where('capi_state', '=', 'sending')
    .execute();
}

/** Final Conversions API state of one event and what Pinterest (or we) said about it. */
export interface CapiOutcome {
  event_id: string;
  capi_state: 'sent' | 'failed' | 'stale' | 'not_sendable' | 'unconfirmed';
  result: Record<string, unknown>;
}

/**
 * Records each event's outcome for rows this sender holds (`sending` or `posting`), or that a later
 * attempt marked `unconfirmed` while this one was still waiting for Pinterest's answer (Pinterest's
 * answer is worth more than our guess). Every final state is one no post follows, so the same
 * statement deletes the row's raw user data (IP address, user agent, partner_id).
 */
export async function recordCapiOutcomes(db: Kysely<Database>, adAccountId: string, outcomes: CapiOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const outcome of outcomes) {
      await trx
        .updateTable('conversions')
        .set({ capi_state: outcome.capi_state, capi_result: JSON.stringify(outcome.result), user_data: userDataWithoutRawFields() })
        .where('ad_account_id', '=', adAccountId)
        .where('event_id', '=', outcome.event_id)
        .where('capi_state', 'in', ['sending', 'posting', 'unconfirmed'])
        .execute();
    }
  });
}

/**
 * Gives rows back to `unsent` after an answer that asks for a retry (429, 5xx, a refused token):
 * they are posted again with the same event_id.
 */
export async function releaseClaims(db: Kysely<Database>, adAccountId: string, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .updateTable('conversions')
    .set({ capi_state: 'unsent' })
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', 'in', eventIds)
    .where('capi_state', 'in', ['sending', 'posting'])
    .execute();
}

