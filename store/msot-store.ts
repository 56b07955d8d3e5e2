// The Measurement Source of Truth rows: an account's opt-in, one `msot_events` row per conversion
// the Conversions API took, claimed and answered like `conversions`, with one `msot_attempts` row
// per request (the audit).
import { sql, type Kysely } from 'kysely';
import { MSOT_SCOPE, toMsotEvent, type MsotEvent } from '../domain/msot-event';
import type { Database } from './database-schema';

/** A claimed MSOT event: its body and the number of the attempt about to be made (1 for the first). */
export interface ClaimedMsotEvent {
  event_id: string;
  body: MsotEvent;
  attempt: number;
}

/**
 * Whether the grant the account is connected with was given scope `msot:write`
 * (`pinterest_connections.scope`, Pinterest's comma-separated list).
 */
async function msotScopeGranted(db: Kysely<Database>, adAccountId: string): Promise<boolean> {
  const row = await db
    .selectFrom('ad_accounts')
    .innerJoin('pinterest_connections', 'pinterest_connections.connection_id', 'ad_accounts.connection_id')
    .select('pinterest_connections.scope')
    .where('ad_accounts.ad_account_id', '=', adAccountId)
    .executeTakeFirst();
  return (row?.scope ?? '').split(/[,\s]+/).includes(MSOT_SCOPE);
}

/**
 * Opts the account in to MSOT events (from `now`: conversions sent from then on are posted) or out.
 * Opting in again keeps the first opt-in time. @returns the opt-in time (null: out) and whether the
 * account's grant has scope `msot:write` (without it every post is refused: reconnect).
 */
export async function saveMsotOptIn(db: Kysely<Database>, adAccountId: string, optIn: boolean, now: Date): Promise<{ opted_in_at: string | null; scope_granted: boolean }> {
  const row = await db
    .updateTable('ad_accounts')
    .set({ msot_opted_in_at: optIn ? sql<Date>`coalesce(msot_opted_in_at, ${now})` : null })
    .where('ad_account_id', '=', adAccountId)
    .returning('msot_opted_in_at')
    .executeTakeFirstOrThrow();
  return { opted_in_at: row.msot_opted_in_at?.toISOString() ?? null, scope_granted: await msotScopeGranted(db, adAccountId) };
}

/** Whether one of `adAccountIds` (undefined: any of `advertiserId`'s accounts) opted in to MSOT events. */
export async function msotOptedIn(db: Kysely<Database>, adAccountIds: string[] | undefined, advertiserId: string): Promise<boolean> {
  let query = db.selectFrom('ad_accounts').select('ad_account_id').where('msot_opted_in_at', 'is not', null);
  query = adAccountIds?.length ? query.where('ad_account_id', 'in', adAccountIds) : query.where('routy_advertiser_id', '=', advertiserId);
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Adds one `msot_events` row per conversion of `eventIds` (just sent through the Conversions API),
 * built from its winning touchpoint: `pending` with its body, or `not_postable` with the reason. A
 * conversion that already has one keeps it (a repost of the same `event_id` adds nothing).
 * @returns how many rows were added.
 */
export async function enqueueMsotEvents(db: Kysely<Database>, adAccountId: string, eventIds: string[]): Promise<number> {
  if (eventIds.length === 0) return 0;
  const sources = await db
    .selectFrom('conversions')
    .innerJoin('attributions', (join) => join.onRef('attributions.ad_account_id', '=', 'conversions.ad_account_id').onRef('attributions.event_id', '=', 'conversions.event_id'))
    .innerJoin('touchpoints', 'touchpoints.touchpoint_id', 'attributions.touchpoint_id')
    .select(['conversions.event_id', 'conversions.event_name', 'conversions.event_time', 'conversions.value', 'conversions.currency', 'attributions.touch_type', 'attributions.campaign_id', 'attributions.ad_group_id', 'touchpoints.occurred_at as touched_at'])
    .where('conversions.ad_account_id', '=', adAccountId)
    .where('conversions.event_id', 'in', eventIds)
    .execute();
  if (sources.length === 0) return 0;
  const rows = sources.map((source) => {
    const built = toMsotEvent(source);
    return built.kind === 'event'
      ? { ad_account_id: adAccountId, event_id: source.event_id, state: 'pending', body: JSON.stringify(built.event) }
      : { ad_account_id: adAccountId, event_id: source.event_id, state: 'not_postable', body: null, reason: built.reason };
  });
  const added = await db
    .insertInto('msot_events')
    .values(rows as never)
    .onConflict((oc) => oc.columns(['ad_account_id', 'event_id']).doNothing())
    .returning('state')
    .execute();
  return added.length;
}

/**
 * Claims up to `limit` pending MSOT events whose wait is over (oldest first; two senders never take the same row),
 * moving them to `posting` and storing an attempt for each, committed before any request.
 */
export async function claimMsotEvents(db: Kysely<Database>, adAccountId: string, limit: number, now: Date): Promise<ClaimedMsotEvent[]> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('msot_events')
      .set((eb) => ({ state: 'posting', attempts: eb('attempts', '+', 1) }))
      .where('ad_account_id', '=', adAccountId)
      .where('event_id', 'in', (eb) =>
        eb
          .selectFrom('msot_events')
          .select('event_id')
          .where('ad_account_id', '=', adAccountId)
          .where('state', '=', 'pending')
          .where((w) => w.or([w('next_post_at', 'is', null), w('next_post_at', '<=', now)]))
          .orderBy('created_at').limit(limit).forUpdate().skipLocked(),
      )
      .returning(['event_id', 'body', 'attempts'])
      .execute();
    if (claimed.length === 0) return [];
    await trx
      .insertInto('msot_attempts')
      .values(claimed.map((c) => ({ ad_account_id: adAccountId, event_id: c.event_id, attempt: c.attempts, started_at: now })))
      .execute();
    return claimed.map((c) => ({ event_id: c.event_id, body: c.body as unknown as MsotEvent, attempt: c.attempts }));
  });
}

/** How one MSOT request ended: the event's next state, and the audit row's fields. */
export interface MsotAnswer {
  /** `pending` posts it again later; any other state is final. */
  state: 'pending' | 'posted' | 'failed' | 'refused' | 'unconfirmed';
  /** `posted`, `failed`, `refused`, `retry` or `unknown`. */
  outcome: string;
  /** For `pending`: not posted again before this. */
  next_post_at?: Date;
  http_status: number | null;
  error: string | null;
}

/** Stores an MSOT request's end: its attempt row and the event's state (a final state keeps its reason and answer time). */
export async function finishMsotAttempt(db: Kysely<Database>, adAccountId: string, claimed: ClaimedMsotEvent, answer: MsotAnswer, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('msot_attempts')
      .set({ ended_at: now, http_status: answer.http_status, outcome: answer.outcome, error: answer.error })
      .where('ad_account_id', '=', adAccountId)
      .where('event_id', '=', claimed.event_id)
      .where('attempt', '=', claimed.attempt)
      .execute();
    await trx
      .updateTable('msot_events')
      .set({ state: answer.state, reason: answer.error, ...(answer.state === 'pending' ? { next_post_at: answer.next_post_at ?? null } : { answered_at: now }) })
      .where('ad_account_id', '=', adAccountId)
      .where('event_id', '=', claimed.event_id)
      .execute();
  });
}

/**
 * A sender that stopped mid-request left rows `posting`: Pinterest may have them, and MSOT names no
 * deduplication, so they end `unconfirmed` and are never posted again. @returns how many.
 */
export async function recoverMsotPosts(db: Kysely<Database>, adAccountId: string): Promise<number> {
  const rows = await db
    .updateTable('msot_events')
    .set({ state: 'unconfirmed', reason: 'its sender stopped during the request: it may have reached Pinterest, and is not posted again' })
    .where('ad_account_id', '=', adAccountId)
    .where('state', '=', 'posting')
    .returning('event_id')
    .execute();
  return rows.length;
}

/** One conversion's MSOT row and its attempts (oldest first), or undefined when it has none. */
export async function msotOutcome(db: Kysely<Database>, adAccountId: string, eventId: string) {
  const row = await db.selectFrom('msot_events').select(['state', 'reason', 'body', 'attempts', 'created_at', 'answered_at']).where('ad_account_id', '=', adAccountId).where('event_id', '=', eventId).executeTakeFirst();
  if (!row) return undefined;
  const attempts = await db
    .selectFrom('msot_attempts')
    .select(['attempt', 'started_at', 'ended_at', 'http_status', 'outcome', 'error'])
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', '=', eventId)
    .orderBy('attempt')
    .execute();
  return { ...row, attempts };
}

/** How many of the account's MSOT events Pinterest took (`posted`). */
export async function countMsotPosted(db: Kysely<Database>, adAccountId: string): Promise<number> {
  const row = await db.selectFrom('msot_events').select((eb) => eb.fn.countAll<string>().as('n')).where('ad_account_id', '=', adAccountId).where('state', '=', 'posted').executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * MSOT events of the account still to come: conversions sent since it opted in that have no MSOT
 * row yet, plus rows `pending` or `posting` (0 when not opted in). The demo waits for 0.
 */
export async function countMsotBacklog(db: Kysely<Database>, adAccountId: string): Promise<number> {
  const row = await db
    .selectFrom('ad_accounts as a')
    .select((eb) => [
      eb
        .selectFrom('conversions as c')
        .select((c) => c.fn.countAll<string>().as('n'))
        .whereRef('c.ad_account_id', '=', 'a.ad_account_id')
        .where('c.capi_state', '=', 'sent')
        .whereRef('c.capi_attempted_at', '>=', 'a.msot_opted_in_at')
        .where((c) => c.not(c.exists(c.selectFrom('msot_events as m').select('m.event_id').whereRef('m.ad_account_id', '=', 'c.ad_account_id').whereRef('m.event_id', '=', 'c.event_id'))))
        .as('unqueued'),
      eb
        .selectFrom('msot_events as m')
        .select((m) => m.fn.countAll<string>().as('n'))
        .whereRef('m.ad_account_id', '=', 'a.ad_account_id')
        .where('m.state', 'in', ['pending', 'posting'])
        .as('waiting'),
    ])
    .where('a.ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  return Number(row.unqueued ?? 0) + Number(row.waiting ?? 0);
}
