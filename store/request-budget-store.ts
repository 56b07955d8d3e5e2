// Pinterest's per-user rate budgets in PostgreSQL, so every worker process spends one budget.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { InMemoryRequestBudget, REQUESTS_PER_MINUTE, type RateLimitCategory, type RequestBudget, type RequestsPerMinute } from '../pinterest/request-budget';
import type { Database } from './database-schema';

/** A slot is reserved at most this far ahead (milliseconds): a caller that gives up wastes at most this much budget. */
const MAX_QUEUE_MS = 60_000;
/** How often a process deletes budgets idle for an hour (milliseconds). */
const SWEEP_EVERY_MS = 3_600_000;

/**
 * Deletes budgets whose next slot passed more than an hour ago: such a row means the same as no
 * row (the next request goes at once), so nothing is lost; it keeps one-off owners (a connect's
 * first call, before its user is known) from piling up. @returns how many were deleted.
 */
export async function sweepIdleBudgets(db: Kysely<Database>): Promise<number> {
  const deleted = await db.deleteFrom('pinterest_request_budgets').where('next_free_at', '<', sql<Date>`clock_timestamp() - interval '1 hour'`).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** The answer to one reservation attempt. */
export interface SlotReservation {
  /** True when a slot was reserved: send after `waitMs`. False: the queue is full, try again after `waitMs`. */
  reserved: boolean;
  /** Milliseconds to wait, measured on the database's clock (0: now). */
  waitMs: number;
  /** The reserved slot on the database's clock, epoch milliseconds (microsecond precision); null when none was reserved. */
  slotAtMs: number | null;
}

/**
 * Reserves the next send slot of one budget in one statement (GCRA, the generic cell rate
 * algorithm, without burst): the row keeps `next_free_at`; a request's slot is
 * `max(next_free_at, now)` and moves `next_free_at` on by `intervalMs` (60,000 / the per-minute
 * limit), so the slots of one budget are at least `intervalMs` apart whichever process took them,
 * and no 60-second span holds more than the limit. Concurrent reservations serialize on the row
 * lock of `INSERT ... ON CONFLICT DO UPDATE`, held for this statement only; the caller sleeps
 * afterwards, holding no connection. A slot more than `maxQueueMs` ahead is not reserved (so a
 * caller that gives up wastes at most that much budget): the answer is then when to ask again.
 * Times are the database's `clock_timestamp()`, one clock for every worker.
 */
export async function reserveRequestSlot(
  db: Kysely<Database>,
  budget: { key: string; category: string; intervalMs: number; maxQueueMs: number },
): Promise<SlotReservation> {
  const interval = sql`(${budget.intervalMs}::float8 * interval '1 millisecond')`;
  const maxQueue = sql`(${budget.maxQueueMs}::float8 * interval '1 millisecond')`;
  const result = await sql<{ slot_in_ms: number | null; slot_at_ms: number | null; retry_in_ms: number }>`
    WITH clock AS (SELECT clock_timestamp() AS now),
    reserved AS (
      INSERT INTO pinterest_request_budgets AS b (budget_key, category, next_free_at)
      SELECT ${budget.key}, ${budget.category}, clock.now + ${interval} FROM clock
      ON CONFLICT (budget_key, category) DO UPDATE
        SET next_free_at = GREATEST(b.next_free_at, (SELECT now FROM clock)) + ${interval}
        WHERE b.next_free_at <= (SELECT now FROM clock) + ${maxQueue}
      RETURNING next_free_at - ${interval} AS slot
    )
    SELECT
      (SELECT extract(epoch FROM slot - clock.now) * 1000 FROM reserved)::float8 AS slot_in_ms,
      (SELECT extract(epoch FROM slot) * 1000 FROM reserved)::float8 AS slot_at_ms,
      coalesce((
        SELECT extract(epoch FROM b.next_free_at - ${maxQueue} - clock.now) * 1000
        FROM pinterest_request_budgets b WHERE b.budget_key = ${budget.key} AND b.category = ${budget.category}
      ), 0)::float8 AS retry_in_ms
    FROM clock`.execute(db);
  const row = result.rows[0]!;
  if (row.slot_in_ms !== null) return { reserved: true, waitMs: Math.max(0, Number(row.slot_in_ms)), slotAtMs: Number(row.slot_at_ms) };
  return { reserved: false, waitMs: Math.max(1, Number(row.retry_in_ms)), slotAtMs: null };
}

/**
 * The worker's Pinterest rate budget, one per (owner, category), kept in PostgreSQL (or the
 * embedded PGlite) and so shared by every worker process: a request costs one short statement
 * (`reserveRequestSlot`) and then waits, holding no connection, until its slot. Requests of one
 * budget go at least 60,000 / limit milliseconds apart: evenly paced, never more than the limit in
 * any 60 seconds. The `oauth` category (`POST /oauth/token`, the app's budget, called while a
 * grant's row is locked for its refresh) stays in this process's memory: waiting on the database
 * there could wait on the embedded PGlite's only connection.
 */
export class SharedRequestBudget implements RequestBudget {
  private readonly local: InMemoryRequestBudget;
  private lastSweep = Date.now();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly perMinute: RequestsPerMinute = REQUESTS_PER_MINUTE,
  ) {
    this.local = new InMemoryRequestBudget(perMinute);
  }

  /** Waits for a slot of `category` in `who`'s budget. @throws the database's error when the statement fails. */
  async take(category: RateLimitCategory, who: string): Promise<void> {
    if (category === 'oauth') return this.local.take(category, who);
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      // Housekeeping beside the request, never in its way: a failed sweep is tried next hour.
      void sweepIdleBudgets(this.db).catch(() => {});
    }
    const budget = { key: who, category, intervalMs: 60_000 / this.perMinute[category], maxQueueMs: MAX_QUEUE_MS };
    for (;;) {
      const answer = await reserveRequestSlot(this.db, budget);
      if (answer.waitMs > 0) await sleep(answer.waitMs);
      if (answer.reserved) return;
    }
  }
}
