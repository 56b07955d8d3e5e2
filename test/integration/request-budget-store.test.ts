import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { reserveRequestSlot, SharedRequestBudget, sweepIdleBudgets, type SlotReservation } from '../../store/request-budget-store';
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

/** The most slots any 60-second span [t, t + 60 s) holds. */
function busiestMinute(slots: number[]): number {
  const sorted = [...slots].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + 60_000) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}

describe('the shared request budget in PostgreSQL', () => {
  it('concurrent reservations from four pools never put more than the limit in any 60 seconds, slots at least 60,000 / limit ms apart', async () => {
    const limit = 30; // one slot every 2 s; at most 60 s of slots are handed out ahead
    const budget = { key: 'user:concurrent', category: 'ads_analytics', intervalMs: 60_000 / limit, maxQueueMs: 60_000 };
    const answers: SlotReservation[] = await Promise.all(
      Array.from({ length: 200 }, (_, i) => reserveRequestSlot(pools[i % pools.length]!, budget)),
    );
    const slots = answers.filter((a) => a.reserved).map((a) => a.slotAtMs!);
    // Slots run from now to 60 s ahead, both ends included: limit + 1 of them (one more if the
    // clock passed a slot meanwhile), the last opening the next minute. The rest ask again later.
    assert.ok(slots.length >= limit + 1 && slots.length <= limit + 2, `${slots.length} slots`);
    assert.equal(busiestMinute(slots), limit);
    const sorted = [...slots].sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((slot, i) => slot - sorted[i]!);
    assert.ok(Math.min(...gaps) >= budget.intervalMs - 0.002, `slots ${budget.intervalMs} ms apart, the closest were ${Math.min(...gaps)} ms`);
    const refused = answers.filter((a) => !a.reserved);
    assert.equal(refused.length, 200 - slots.length);
    assert.ok(refused.every((a) => a.waitMs > 0 && a.slotAtMs === null), 'a refused caller is told when to ask again');
  });

  it('keeps one budget per owner and per category', async () => {
    const take = (key: string, category: string) => reserveRequestSlot(pools[0]!, { key, category, intervalMs: 60_000, maxQueueMs: 60_000 });
    assert.equal((await take('user:a', 'ads_read')).waitMs, 0, 'the first request goes at once');
    const second = await take('user:a', 'ads_read');
    assert.ok(second.reserved && second.waitMs > 59_000, `the second of a 1/min budget waits about a minute (${second.waitMs} ms)`);
    assert.equal((await take('user:b', 'ads_read')).waitMs, 0, 'another user has their own budget');
    assert.equal((await take('user:a', 'ads_analytics')).waitMs, 0, 'another category has its own budget');
    const third = await take('user:a', 'ads_read');
    assert.equal(third.reserved, false, 'a slot more than a minute ahead is not handed out');
    const rows = await pools[0]!.selectFrom('pinterest_request_budgets').select(['budget_key', 'category']).orderBy('budget_key').orderBy('category').execute();
    assert.deepEqual(rows.map((r) => `${r.budget_key} ${r.category}`), ['user:a ads_analytics', 'user:a ads_read', 'user:b ads_read', 'user:concurrent ads_analytics']);
  });

  it('SharedRequestBudget: each take from any process spends one slot and returns only once its slot has come', async () => {
    // 6,000 a minute: slots 10 ms apart. Twelve requests from four pools spend twelve slots.
    const perMinute = { ads_read: 1000, ads_analytics: 300, ads_write: 400, ads_conversions: 6000, org_read: 1000, oauth: 1000 };
    const budgets = pools.map((pool) => new SharedRequestBudget(pool, perMinute));
    const dbNow = async () => Number((await sql<{ ms: number }>`SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms`.execute(pools[0]!)).rows[0]!.ms);
    const before = await dbNow();
    await Promise.all(Array.from({ length: 12 }, (_, i) => budgets[i % budgets.length]!.take('ads_conversions', 'user:shared')));
    const done = await dbNow();
    const row = await pools[0]!.selectFrom('pinterest_request_budgets').select('next_free_at').where('budget_key', '=', 'user:shared').executeTakeFirstOrThrow();
    const lastSlot = row.next_free_at.getTime() - 10;
    assert.ok(lastSlot >= before + 11 * 10 - 1, `twelve slots spent: the last at least 110 ms after the first (${lastSlot - before} ms)`);
    assert.ok(done >= lastSlot - 1, 'every take returned at or after its slot, on the database clock');
  });

  it('sweeps budgets idle for an hour, and a swept budget starts again at once', async () => {
    const take = () => reserveRequestSlot(pools[0]!, { key: 'credential:once', category: 'org_read', intervalMs: 60_000, maxQueueMs: 60_000 });
    await take();
    assert.equal(await sweepIdleBudgets(pools[0]!), 0, 'a budget in use stays');
    await pools[0]!.updateTable('pinterest_request_budgets').set({ next_free_at: sql<Date>`clock_timestamp() - interval '61 minutes'` }).where('budget_key', '=', 'credential:once').execute();
    assert.equal(await sweepIdleBudgets(pools[0]!), 1);
    assert.deepEqual(await pools[0]!.selectFrom('pinterest_request_budgets').select('budget_key').where('budget_key', '=', 'credential:once').execute(), []);
    assert.equal((await take()).waitMs, 0);
  });

  it('works the same in the embedded PGlite (npm start without DATABASE_URL)', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-budget-pglite-'));
    const db = await openDatabase({ kind: 'pglite', dataDir });
    try {
      await migrateToLatest(db);
      const budget = { key: 'user:embedded', category: 'ads_read', intervalMs: 30_000, maxQueueMs: 60_000 };
      const answers = await Promise.all(Array.from({ length: 5 }, () => reserveRequestSlot(db, budget)));
      assert.deepEqual(answers.map((a) => a.reserved), [true, true, true, false, false], 'now, 30 s and 60 s ahead; then ask again');
      const slots = answers.filter((a) => a.reserved).map((a) => a.slotAtMs!);
      assert.deepEqual(slots.slice(1).map((slot, i) => Math.round(slot - slots[i]!)), [30_000, 30_000]);
    } finally {
      await db.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
