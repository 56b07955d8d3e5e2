// Each event's Conversions API audit trail: one `capi_attempts` row per request attempt per event.
import type { Kysely } from 'kysely';
import type { CapiAttemptsTable, Database } from './database-schema';

/** What the earlier attempts of one event say, for numbering the next one and deciding a repost. */
export interface PriorAttempts {
  /** How many attempts are stored (the next one is `count + 1`). */
  count: number;
  /** When the first one started. */
  first_posted_at: Date;
  /** Some attempt has no known outcome (unanswered, or `unknown`): Pinterest may hold a copy. */
  outcome_unknown: boolean;
}

/** Earlier attempts of these events in one ad account, by event_id; events never posted are absent. */
export async function priorAttempts(db: Kysely<Database>, adAccountId: string, eventIds: string[]): Promise<Map<string, PriorAttempts>> {
  if (eventIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('capi_attempts')
    .select((eb) => [
      'event_id',
      eb.fn.countAll<string>().as('count'),
      eb.fn.min('started_at').as('first_posted_at'),
      eb.fn.sum<string>(eb.case().when(eb.or([eb('outcome', 'is', null), eb('outcome', '=', 'unknown')])).then(1).else(0).end()).as('unknown'),
    ])
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', 'in', eventIds)
    .groupBy('event_id')
    .execute();
  return new Map(
    rows.map((r) => [r.event_id, { count: Number(r.count), first_posted_at: new Date(r.first_posted_at), outcome_unknown: Number(r.unknown) > 0 }]),
  );
}

/** One event of a request about to be made. */
export interface StartingAttempt {
  event_id: string;
  attempt: number;
  repost: boolean;
}

/**
 * Stores one started, unanswered attempt per event of a request (`request_id` shared by them);
 * called in the transaction that marks them `posting`, before the request goes out.
 */
export async function startAttempts(
  db: Kysely<Database>,
  request: { ad_account_id: string; request_id: string; started_at: Date; events: StartingAttempt[] },
): Promise<void> {
  if (request.events.length === 0) return;
  await db
    .insertInto('capi_attempts')
    .values(
      request.events.map((e) => ({
        ad_account_id: request.ad_account_id,
        event_id: e.event_id,
        attempt: e.attempt,
        request_id: request.request_id,
        request_events: request.events.length,
        repost: e.repost,
        started_at: request.started_at,
      })),
    )
    .execute();
}

/** How one attempt ended: `processed` / `failed` per event, `refused` (the request), `retry` (not taken) or `unknown`. */
export type AttemptOutcome = 'processed' | 'failed' | 'refused' | 'retry' | 'unknown';

/** One event's answer within a finished request. */
export interface AttemptAnswer {
  event_id: string;
  outcome: AttemptOutcome;
  event_status?: string | null;
  error_message?: string | null;
  warning_message?: string | null;
}

/**
 * Completes the attempts of one request with its answer: the HTTP status (when one came), the
 * request's error text, and each event's outcome and Pinterest's per-event status and messages.
 * Events with the same answer are written by one statement.
 */
export async function finishAttempts(
  db: Kysely<Database>,
  request: { ad_account_id: string; request_id: string; ended_at: Date; http_status: number | null; error: string | null; answers: AttemptAnswer[] },
): Promise<void> {
  const groups = new Map<string, { answer: AttemptAnswer; eventIds: string[] }>();
  for (const answer of request.answers) {
    const key = JSON.stringify([answer.outcome, answer.event_status ?? null, answer.error_message ?? null, answer.warning_message ?? null]);
    const group = groups.get(key) ?? { answer, eventIds: [] };
    group.eventIds.push(answer.event_id);
    groups.set(key, group);
  }
  await db.transaction().execute(async (trx) => {
    for (const { answer, eventIds } of groups.values()) {
      await trx
        .updateTable('capi_attempts')
        .set({
          ended_at: request.ended_at,
          http_status: request.http_status,
          error: request.error?.slice(0, 2000) ?? null,
          outcome: answer.outcome,
          event_status: answer.event_status ?? null,
          error_message: answer.error_message ?? null,
          warning_message: answer.warning_message ?? null,
        })
        .where('ad_account_id', '=', request.ad_account_id)
        .where('request_id', '=', request.request_id)
        .where('event_id', 'in', eventIds)
        .execute();
    }
  });
}

/** One stored attempt as the explanation shows it (times as Date; null `ended_at`: no answer recorded). */
export type StoredAttempt = Omit<CapiAttemptsTable, 'ad_account_id' | 'event_id' | 'started_at' | 'ended_at' | 'repost'> & {
  started_at: Date;
  ended_at: Date | null;
  repost: boolean;
};

/** Every attempt of one event in one ad account, first first. */
export async function listAttempts(db: Kysely<Database>, adAccountId: string, eventId: string): Promise<StoredAttempt[]> {
  return db
    .selectFrom('capi_attempts')
    .select(['attempt', 'request_id', 'request_events', 'repost', 'started_at', 'ended_at', 'outcome', 'http_status', 'error', 'event_status', 'error_message', 'warning_message'])
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', '=', eventId)
    .orderBy('attempt')
    .execute();
}
