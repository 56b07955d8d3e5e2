import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { SharedRequestBudget, sweepIdleBudgets, takeFromBudget, type BudgetTake } from '../../store/request-budget-store';
import { createTestDatabase } from '../support/postgres';

// Real PostgreSQL: four pools stand for four worker processes, each with its own connections.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const pools: Kysely<Database>[] = [];

before(async () => {
  database = await createTestDatabase();
  for (let i = 0; i < 4; i += 1) pools.push(await openDatabase({ kind: 'postgres', url: database.url }));
  await migrateToLatest(pools[0]!);
});

after(async () => {
  for (const pool of pools) await pool.destroy();
  await database?.drop();
});

/** Requests taken per minute (epoch ms of its start). */
function perMinute(takes: BudgetTake[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const take of takes.filter((t) => t.taken)) counts.set(take.windowStartMs, (counts.get(take.windowStartMs) ?? 0) + 1);
  return counts;
}

describe('the shared request budget in PostgreSQL', () => {
  it('concurrent takes from four pools never count more than the limit in a minute, and the spent ones are told to wait for the next', async () => {
    const limit = 30;
    const budget = { key: 'user:concurrent', category: 'ads_analytics', limit };
    const takes = await Promise.all(Array.from({ length: 200 }, (_, i) => takeFromBudget(pools[i % pools.length]!, budget)));
    const counts = [...perMinute(takes).values()];
    // Usually one minute; two when the run crossed a minute's turn. Never more than the limit in one.
    assert.ok(counts.every((count) => count <= limit), `per minute: ${counts}`);
    assert.equal(Math.max(...counts), limit, 'the minute that saw most of the 200 takes was spent to the limit');
    const refused = takes.filter((t) => !t.taken);
    assert.equal(refused.length, 200 - counts.reduce((a, b) => a + b, 0));
    assert.ok(refused.every((t) => t.waitMs > 0 && t.waitMs <= 60_000), 'a refused take waits for the next minute, at most a minute');
    const row = await pools[0]!.selectFrom('pinterest_request_budgets').select(['used', 'window_start']).where('budget_key', '=', 'user:concurrent').executeTakeFirstOrThrow();
    assert.equal(row.used, perMinute(takes).get(row.window_start.getTime()), 'the row counts what was taken in its minute');
  });

  it('keeps one budget per owner and per category, and a new minute starts from zero', async () => {
    const take = (key: string, category: string) => takeFromBudget(pools[0]!, { key, category, limit: 1 });
    assert.equal((await take('user:a', 'ads_read')).taken, true);
    assert.equal((await take('user:a', 'ads_read')).taken, false, 'a 1/min budget is spent');
    assert.equal((await take('user:b', 'ads_read')).taken, true, 'another user has their own budget');
    assert.equal((await take('user:a', 'ads_analytics')).taken, true, 'another category has its own budget');
    // The minute ends: move the row back one minute instead of waiting for it.
    await pools[0]!.updateTable('pinterest_request_budgets').set({ window_start: sql<Date>`window_start - interval '1 minute'` }).where('budget_key', '=', 'user:a').where('category', '=', 'ads_read').execute();
    assert.equal((await take('user:a', 'ads_read')).taken, true, 'the next minute has budget again');
    const rows = await pools[0]!.selectFrom('pinterest_request_budgets').select(['budget_key', 'category', 'used']).where('budget_key', 'in', ['user:a', 'user:b']).orderBy('budget_key').orderBy('category').execute();
    assert.deepEqual(rows.map((r) => `${r.budget_key} ${r.category} ${r.used}`), ['user:a ads_analytics 1', 'user:a ads_read 1', 'user:b ads_read 1']);
  });

  it('a take racing the turn of the minute never turns a later minute back', async () => {
    const budget = { key: 'user:race', category: 'ads_read', limit: 5 };
    await takeFromBudget(pools[0]!, budget);
    // Another worker's clock already counted in the next minute (the row is ahead of this clock).
    await pools[0]!.updateTable('pinterest_request_budgets').set({ window_start: sql<Date>`window_start + interval '1 minute'`, used: 5 }).where('budget_key', '=', 'user:race').execute();
    const late = await takeFromBudget(pools[0]!, budget);
    assert.equal(late.taken, false);
    const row = await pools[0]!.selectFrom('pinterest_request_budgets').select(['used']).where('budget_key', '=', 'user:race').executeTakeFirstOrThrow();
    assert.equal(row.used, 5, 'the later minute keeps its count');
  });

  it('SharedRequestBudget: takes from several processes are each counted once in the shared row', async () => {
    const limits = { ads_read: 1000, ads_analytics: 300, ads_write: 400, ads_conversions: 5000, msot_write: 400, org_read: 1000, oauth: 1000 };
    const budgets = pools.map((pool) => new SharedRequestBudget(pool, limits));
    const minute = async () => Number((await sql<{ ms: number }>`SELECT (extract(epoch FROM date_trunc('minute', clock_timestamp() + interval '1 second')) * 1000)::float8 AS ms`.execute(pools[0]!)).rows[0]!.ms);
    const first = await minute();
    await Promise.all(Array.from({ length: 40 }, (_, i) => budgets[i % budgets.length]!.take('ads_conversions', 'user:shared')));
    const last = await minute();
    const rows = await pools[0]!.selectFrom('pinterest_request_budgets').select(['used', 'window_start']).where('budget_key', '=', 'user:shared').execute();
    assert.equal(rows.length, 1, 'one row for the owner and category, whichever process took');
    // Within one minute all 40 are in its count; across a minute's turn the row counts the later minute's.
    if (first === last) assert.equal(rows[0]!.used, 40);
    else assert.ok(rows[0]!.used < 40 && rows[0]!.window_start.getTime() === last);
    await budgets[0]!.take('oauth', 'app');
    const oauth = await pools[0]!.selectFrom('pinterest_request_budgets').select('budget_key').where('category', '=', 'oauth').execute();
    assert.deepEqual(oauth, [], 'the token endpoint keeps an in-process budget');
  });

  it('sweeps budgets idle for an hour, and a swept budget starts again at once', async () => {
    const take = () => takeFromBudget(pools[0]!, { key: 'credential:once', category: 'org_read', limit: 1 });
    await take();
    assert.equal(await sweepIdleBudgets(pools[0]!), 0, 'a budget in use stays');
    await pools[0]!.updateTable('pinterest_request_budgets').set({ window_start: sql<Date>`window_start - interval '62 minutes'` }).where('budget_key', '=', 'credential:once').execute();
    assert.equal(await sweepIdleBudgets(pools[0]!), 1);
    assert.deepEqual(await pools[0]!.selectFrom('pinterest_request_budgets').select('budget_key').where('budget_key', '=', 'credential:once').execute(), []);
    assert.equal((await take()).taken, true);
  });

  it('works the same in the embedded PGlite (npm start without DATABASE_URL)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-budget-pglite-'));
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      await migrateToLatest(db);
      const takes = await Promise.all(Array.from({ length: 5 }, () => takeFromBudget(db, { key: 'user:embedded', category: 'ads_read', limit: 3 })));
      const counts = [...perMinute(takes).values()];
      assert.ok(counts.every((count) => count <= 3) && Math.max(...counts) === 3, `per minute: ${counts}`);
    } finally {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
