// Pinterest's per-user rate budgets in PostgreSQL, so every worker process spends one budget.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { InMemoryRequestBudget, REQUESTS_PER_MINUTE, type RateLimitCategory, type RequestBudget, type RequestsPerMinute } from '../pinterest/request-budget';
import type { Database } from './database-schema';

/**
 * A request taken this close to the end of a minute (milliseconds) counts in the next one and
 * waits for it: it then reaches Pinterest inside the minute it was counted in, even a second late.
 */
const MINUTE_END_MARGIN_MS = 1_000;
/** How often a process deletes budgets idle for an hour (milliseconds). */
const SWEEP_EVERY_MS = 3_600_000;

/** The answer to one attempt to take a request from a budget. */
export interface BudgetTake {
  /** True when the request was counted: send it after `waitMs`. False: the minute is spent, try again after `waitMs`. */
  taken: boolean;
  /** Milliseconds to wait, measured on the database's clock (0: now). */
  waitMs: number;
  /** Start of the minute the request was counted in (taken) or that is spent (not taken), epoch milliseconds on the database's clock. */
  windowStartMs: number;
}

/**
 * Takes one request from a budget in one statement: a fixed-window counter per (owner, category)
 * and minute of the database's clock (`clock_timestamp()`, one clock for every worker). The row
 * holds the minute it counts and how many requests it took; `INSERT ... ON CONFLICT DO UPDATE`
 * counts the request when the row's minute is an earlier one (a new minute starts at 1) or its
 * count is under `limit`, and the row lock serializes concurrent takes for this statement only.
 * Requests taken in a minute's last second count in the next minute and wait for it. A row of a
 * later minute than this statement's clock (a take racing the turn of the minute) is never
 * turned back: the take is refused and asks again at once.
 */
export async function takeFromBudget(db: Kysely<Database>, budget: { key: string; category: string; limit: number }): Promise<BudgetTake> {
  const result = await sql<{ taken: boolean; window_start_ms: number; wait_ms: number }>`
    WITH clock AS (
      SELECT clock_timestamp() AS now,
             date_trunc('minute', clock_timestamp() + ${MINUTE_END_MARGIN_MS}::float8 * interval '1 millisecond') AS window_start
    ),
    taken AS (
      INSERT INTO pinterest_request_budgets AS b (budget_key, category, window_start, used)
      SELECT ${budget.key}, ${budget.category}, clock.window_start, 1 FROM clock
      ON CONFLICT (budget_key, category) DO UPDATE
        SET used = CASE WHEN b.window_start = excluded.window_start THEN b.used + 1 ELSE 1 END,
            window_start = excluded.window_start
        WHERE b.window_start < excluded.window_start OR (b.window_start = excluded.window_start AND b.used < ${budget.limit})
      RETURNING window_start
    )
    SELECT
      EXISTS (SELECT 1 FROM taken) AS taken,
      (extract(epoch FROM clock.window_start) * 1000)::float8 AS window_start_ms,
      (extract(epoch FROM CASE WHEN EXISTS (SELECT 1 FROM taken) THEN clock.window_start ELSE clock.window_start + interval '1 minute' END - clock.now) * 1000)::float8 AS wait_ms
    FROM clock`.execute(db);
  const row = result.rows[0]!;
  return { taken: row.taken, waitMs: Math.max(0, Number(row.wait_ms)), windowStartMs: Number(row.window_start_ms) };
}

/**
 * Deletes budgets whose minute ended more than an hour ago: such a row means the same as no row
 * (the next request starts a new minute), so nothing is lost; it keeps one-off owners (a
 * connect's first call, before its user is known) from piling up. @returns how many were deleted.
 */
export async function sweepIdleBudgets(db: Kysely<Database>): Promise<number> {
  const deleted = await db.deleteFrom('pinterest_request_budgets').where('window_start', '<', sql<Date>`clock_timestamp() - interval '61 minutes'`).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/**
 * The worker's Pinterest rate budget, one per (owner, category), kept in PostgreSQL (or the
 * embedded PGlite) and so shared by every worker process: a request costs one short statement
 * (`takeFromBudget`) while the minute has budget left; when it is spent, the request sleeps until
 * the next minute, holding no connection, and asks again (a few milliseconds of jitter spread the
 * waiters). No minute of the database's clock holds more than the limit. The `oauth` category
 * (`POST /oauth/token`, the app's budget, called while a grant's row is locked for its refresh)
 * stays in this process's memory: waiting on the database there could wait on the embedded
 * PGlite's only connection.
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

  /** Waits until `who`'s budget of `category` lets one request go. @throws the database's error when the statement fails. */
  async take(category: RateLimitCategory, who: string): Promise<void> {
    if (category === 'oauth') return this.local.take(category, who);
    if (Date.now() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = Date.now();
      // Housekeeping beside the request, never in its way: a failed sweep is tried next hour.
      void sweepIdleBudgets(this.db).catch(() => {});
    }
    const budget = { key: who, category, limit: this.perMinute[category] };
    for (;;) {
      const answer = await takeFromBudget(this.db, budget);
      if (answer.taken) {
        if (answer.waitMs > 0) await sleep(answer.waitMs);
        return;
      }
      await sleep(answer.waitMs + Math.floor(Math.random() * 250));
    }
  }
}
