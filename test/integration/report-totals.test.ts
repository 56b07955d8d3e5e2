// Report totals over any date range come from running totals (metrics_cumulative) kept at pull
// time; here they are checked against plain sums of the daily rows, through gaps, restatements,
// series that stop early and entities without rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { addDays } from '../../domain/dates';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { upsertMetrics } from '../../store/metrics-store';
import { performanceReport } from '../../reports/performance-report';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { createTestDatabase } from '../support/postgres';

const A = '549764105221';
const TODAY = '2026-11-29';
let db: Kysely<Database>;
let drop: () => Promise<void>;

const dailyRow = (entity: string, date: string, spendMicro: number) => ({
  entity_id: entity,
  date,
  columns: { SPEND_IN_MICRO_DOLLAR: spendMicro, PAID_IMPRESSION: spendMicro / 10_000, TOTAL_CONVERSIONS: spendMicro % 7 },
});
const write = (rows: ReturnType<typeof dailyRow>[], entityIds: string[]) =>
  upsertMetrics(db, { adAccountId: A, level: 'ad', currency: 'USD', settings: DEFAULT_ATTRIBUTION_SETTINGS, rows, entityIds, today: TODAY, now: new Date() });

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = await openDatabase({ kind: 'postgres', url: database.url });
  await migrateToLatest(db);
  await db.insertInto('pinterest_connections').values({ connection_id: 'c', access_token_encrypted: 'x', refresh_token_encrypted: 'x', encryption_key_id: 'x', access_token_expires_at: new Date(), scope: '' }).execute();
  await db.insertInto('ad_accounts').values({ ad_account_id: A, connection_id: 'c', name: 'test', currency: 'USD', time_zone: 'UTC', ...DEFAULT_ATTRIBUTION_SETTINGS }).execute();
  await db
    .insertInto('ads')
    .values(['a1', 'a2', 'a3'].map((id) => ({ ad_account_id: A, ad_id: id, ad_group_id: 'g1', campaign_id: 'c1', pin_id: `p${id}`, creative_type: 'REGULAR', name: id, status: 'ACTIVE', raw: '{}', synced_at: new Date() })))
    .execute();
  // a1: 40 days with every third day missing; a2: six days that stop 5 days ago; a3: asked about, never any row.
  const a1 = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => dailyRow('a1', addDays(TODAY, -40 + i), 1_000_000 + i * 37_000));
  const a2 = Array.from({ length: 6 }, (_, i) => dailyRow('a2', addDays(TODAY, -10 + i), 2_500_000 + i));
  await write([...a1, ...a2], ['a1', 'a2', 'a3']);
  // A later pull restates the last 20 days of a1 (new values, the gaps filled) and only asks about a1 and a3.
  await write(Array.from({ length: 21 }, (_, i) => dailyRow('a1', addDays(TODAY, -20 + i), 3_000_000 + i * 11_000)), ['a1', 'a3']);
});
after(async () => {
  await db?.destroy();
  await drop?.();
});

describe('report totals from running totals', () => {
  it('give the known totals of a known range: the restated days of a1, nothing of a2 or a3', async () => {
    // a1's restated first three days: 3,000,000 + i × 11,000 micro-dollars; conversions are spend mod 7 (3, 6, 2).
    const rows = await performanceReport(db, { ad_account_id: A, level: 'pin', start_date: addDays(TODAY, -20), end_date: addDays(TODAY, -18), window: 30 });
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual([byId.get('a1')?.spend, byId.get('a1')?.impressions, byId.get('a1')?.pinterest.conversions], [9.03, 903, 11]);
    for (const id of ['a2', 'a3']) assert.equal(byId.get(id)?.spend ?? 0, 0, id);
  });

  it('equal the sums of the daily rows over any date range', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -50, max: 3 }), fc.integer({ min: 0, max: 50 }), async (startOffset, length) => {
        const start = addDays(TODAY, startOffset);
        const end = addDays(start, length);
        const expected = await db
          .selectFrom('metrics_daily')
          .select(['entity_id', sql<string>`sum(spend_micro)`.as('spend'), sql<string>`sum(impressions)`.as('impressions'), sql<string>`sum(pinterest_conversions)`.as('conversions')])
          .where('date', '>=', start)
          .where('date', '<=', end)
          .groupBy('entity_id')
          .execute();
        const rows = await performanceReport(db, { ad_account_id: A, level: 'pin', start_date: start, end_date: end, window: 30 });
        const got = new Map(rows.map((r) => [r.id, r]));
        for (const e of expected) {
          const row = got.get(e.entity_id);
          assert.ok(row, `${e.entity_id} missing for ${start}..${end}`);
          assert.equal(row.spend, Math.round(Number(e.spend) / 10_000) / 100, `${e.entity_id} spend ${start}..${end}`);
          assert.equal(row.impressions, Number(e.impressions));
          assert.equal(row.pinterest.conversions, Number(e.conversions));
        }
        // Entities without a daily row in the range show no spend.
        for (const row of rows) if (!expected.some((e) => e.entity_id === row.id)) assert.equal(row.spend, 0, `${row.id} ${start}..${end}`);
      }),
      { numRuns: 60, seed: 20261129 },
    );
  });

  it('keeps a dense series from an entity\'s first row through today, none for an entity without rows', async () => {
    const days = await db
      .selectFrom('metrics_cumulative')
      .select(['entity_id', sql<string>`min(date)`.as('first'), sql<string>`max(date)`.as('last'), sql<string>`count(*)`.as('n')])
      .groupBy('entity_id')
      .orderBy('entity_id')
      .execute();
    assert.deepEqual(
      days.map((d) => [d.entity_id, d.first, d.last, Number(d.n)]),
      [
        ['a1', addDays(TODAY, -39), TODAY, 40],
        ['a2', addDays(TODAY, -10), TODAY, 11],
      ],
    );
  });
});
