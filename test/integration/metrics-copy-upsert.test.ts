// Metric upserts staged through COPY (PostgreSQL server) write exactly the rows the plain multi-row
// INSERT ... ON CONFLICT wrote: first writes, re-upserts of changed and new days, running totals,
// and column values COPY's text format must escape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import type { AnalyticsRow } from '../../pinterest/analytics';
import { copyUpsert, inCopySession } from '../../store/copy-upsert';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { upsertMetrics } from '../../store/metrics-store';
import { createTestDatabase } from '../support/postgres';

const A = '549764105221';
const TODAY = '2026-11-29';
const NOW = new Date('2026-11-29T15:00:00Z');

/** Both databases: `staged` opened as the service opens it (COPY path), `plain` on a bare pool (INSERT path). */
const dbs: Record<'staged' | 'plain', Kysely<Database>> = {} as never;
const drops: Array<() => Promise<void>> = [];

async function prepare(db: Kysely<Database>) {
  await migrateToLatest(db);
  await db.insertInto('pinterest_connections').values({ connection_id: 'c', access_token_encrypted: 'x', refresh_token_encrypted: 'x', encryption_key_id: 'x', access_token_expires_at: NOW, scope: '' }).execute();
  await db.insertInto('ad_accounts').values({ ad_account_id: A, connection_id: 'c', name: 'test', currency: 'USD', time_zone: 'UTC', ...DEFAULT_ATTRIBUTION_SETTINGS }).execute();
}

before(async () => {
  for (const kind of ['staged', 'plain'] as const) {
    const database = await createTestDatabase();
    drops.push(database.drop);
    dbs[kind] = kind === 'staged'
      ? await openDatabase({ kind: 'postgres', url: database.url })
      : new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 2 }) }) });
    await prepare(dbs[kind]);
  }
});

after(async () => {
  for (const db of Object.values(dbs)) await db.destroy();
  for (const drop of drops) await drop();
});

const day = (n: number) => new Date(Date.parse(TODAY) - n * 86_400_000).toISOString().slice(0, 10);
const row = (entity: string, date: string, spend: number, extra: Record<string, unknown> = {}): AnalyticsRow => ({
  entity_id: entity,
  date,
  columns: { SPEND_IN_MICRO_DOLLAR: spend, PAID_IMPRESSION: Math.round(spend / 1000), REPIN_1: 3, REPIN_2: 1, TOTAL_CONVERSIONS: spend % 5, ...extra },
});

const write = (kind: keyof typeof dbs, rows: AnalyticsRow[], entityIds: string[], level: 'ad' | 'campaign' = 'ad', now = NOW) =>
  upsertMetrics(dbs[kind], { adAccountId: A, level, currency: 'USD', settings: DEFAULT_ATTRIBUTION_SETTINGS, rows, entityIds, today: TODAY, now });

const dump = async (kind: keyof typeof dbs) => ({
  daily: await dbs[kind].selectFrom('metrics_daily').selectAll().orderBy('level').orderBy('entity_id').orderBy('date').execute(),
  cumulative: await dbs[kind].selectFrom('metrics_cumulative').selectAll().orderBy('level').orderBy('entity_id').orderBy('date').execute(),
});

describe('metric upserts staged through COPY', () => {
  it('write the same rows as plain INSERTs, first and re-upserted, with running totals', async () => {
    // Escapes COPY's text format must get right, in the JSON column: tab, newline, CR, backslash, \N, quotes, non-ASCII.
    const tricky = { NOTE: 'tab\there\nnew line\r\\N back\\slash "quoted" ünïcödé 🌱', BIG: 9007199254740993n.toString() };
    const first = [
      ...Array.from({ length: 30 }, (_, n) => row('a1', day(n), 1_000_000 + n * 1_234)),
      ...Array.from({ length: 10 }, (_, n) => row('a2', day(n * 3), 2_500_000 + n, n === 0 ? tricky : {})),
    ];
    // Restated days: a1's last 5 days change, a2 gets a new day, a3 is asked about without rows.
    const second = [
      ...Array.from({ length: 5 }, (_, n) => row('a1', day(n), 7_000_000 + n)),
      row('a2', day(1), 4_200_000, { TOTAL_VIDEO_3SEC_VIEWS: 12 }),
    ];
    for (const kind of ['staged', 'plain'] as const) {
      assert.equal(await write(kind, first, ['a1', 'a2']), 40);
      assert.equal(await write(kind, second, ['a1', 'a2', 'a3']), 6);
      assert.equal(await write(kind, [row('c1', day(0), 5)], ['c1'], 'campaign'), 1);
    }
    const staged = await dump('staged');
    const plain = await dump('plain');
    assert.equal(staged.daily.length, 42);
    assert.deepEqual(staged.daily, plain.daily);
    assert.deepEqual(staged.cumulative, plain.cumulative);

    const get = (entity: string, date: string) => staged.daily.find((r) => r.entity_id === entity && r.date === date)!;
    assert.equal(String(get('a1', day(0)).spend_micro), '7000000', 'a re-upsert overwrites');
    assert.equal(String(get('a1', day(10)).spend_micro), String(1_000_000 + 10 * 1_234), 'days not restated keep their values');
    assert.equal(get('a1', day(0)).is_partial, true);
    assert.equal(get('a1', day(1)).is_partial, false);
    assert.equal(String(get('a1', day(1)).saves), '4');
    assert.equal(String(get('a2', day(1)).video_3s_views), '12');
    assert.deepEqual(get('a2', day(0)).columns, { ...row('a2', day(0), 2_500_000, tricky).columns });
    assert.equal(get('a2', day(0)).pulled_at.toISOString(), NOW.toISOString());
    const a1Total = staged.cumulative.find((r) => r.entity_id === 'a1' && r.date === TODAY)!;
    const expected = Array.from({ length: 30 }, (_, n) => (n < 5 ? 7_000_000 + n : 1_000_000 + n * 1_234)).reduce((a, b) => a + b, 0);
    assert.equal(String(a1Total.spend_micro), String(expected));
  });

  it('keeps the last of rows repeating a key and refuses rows whose columns differ', async () => {
    const db = dbs.staged;
    await db.deleteFrom('metrics_daily').where('entity_id', '=', 'dup').execute();
    assert.equal(await write('staged', [row('dup', day(2), 1), row('dup', day(2), 2), row('dup', day(3), 3)], ['dup']), 3);
    const rows = await db.selectFrom('metrics_daily').select(['date', 'spend_micro']).where('entity_id', '=', 'dup').orderBy('date').execute();
    assert.deepEqual(rows.map((r) => [r.date, String(r.spend_micro)]), [[day(3), '3'], [day(2), '2']]);

    const base = { ad_account_id: A, level: 'ad', entity_id: 'x', date: day(1), ...DEFAULT_ATTRIBUTION_SETTINGS, currency: 'USD', spend_micro: 1, impressions: 1, saves: 0, pin_clicks: 0, outbound_clicks: 0, is_partial: false, columns: '{}', pulled_at: NOW };
    const { currency: _currency, ...withoutCurrency } = base;
    const keyColumns = ['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'];
    await assert.rejects(
      () => inCopySession(db, async (_trx, client) => copyUpsert(client!, { table: 'metrics_daily', keyColumns, rows: [base, withoutCurrency] })),
      /every row needs the columns ad_account_id, level/,
    );
    await assert.rejects(
      () => inCopySession(db, async (_trx, client) => copyUpsert(client!, { table: 'metrics_daily', keyColumns, rows: [{ ...base, columns: [1] }] })),
      /array values are not supported/,
    );
    // A merge refused by the table (NOT NULL) rolls back the whole transaction; the pool's next caller works.
    await assert.rejects(
      () => inCopySession(db, async (_trx, client) => copyUpsert(client!, { table: 'metrics_daily', keyColumns, rows: [base, { ...base, entity_id: 'y', currency: null }] })),
      /null value in column "currency"/,
    );
    assert.equal((await db.selectFrom('metrics_daily').select('entity_id').where('entity_id', '=', 'x').execute()).length, 0);
    assert.equal((await inCopySession(db, async (_trx, client) => copyUpsert(client!, { table: 'metrics_daily', keyColumns, rows: [base] }))).merged, 1);
  });

  it('leave unchanged days alone on a re-pull: no new row version, pulled_at kept, running totals exact', async () => {
    const later = new Date(NOW.getTime() + 3_600_000);
    const rows = (bump: number) => [
      ...Array.from({ length: 12 }, (_, n) => row('u1', day(n), 300_000 + n)),
      ...Array.from({ length: 12 }, (_, n) => row('u2', day(n), 500_000 + n + (n === 4 ? bump : 0))),
    ];
    const versions = async (kind: keyof typeof dbs, table: 'metrics_daily' | 'metrics_cumulative') =>
      new Map(
        (await sql<{ entity_id: string; date: string; xmin: string }>`SELECT entity_id, date, xmin::text FROM ${sql.table(table)} WHERE entity_id IN ('u1', 'u2')`.execute(dbs[kind])).rows.map((r) => [`${r.entity_id} ${r.date}`, r.xmin]),
      );
    for (const kind of ['staged', 'plain'] as const) {
      assert.equal(await write(kind, rows(0), ['u1', 'u2']), 24);
      const daily = await versions(kind, 'metrics_daily');
      const cumulative = await versions(kind, 'metrics_cumulative');
      // u2's day 4 restated: only it changes, and u2's running totals from that day on.
      assert.equal(await write(kind, rows(70_000), ['u1', 'u2'], 'ad', later), 24);
      const dailyAfter = await versions(kind, 'metrics_daily');
      const cumulativeAfter = await versions(kind, 'metrics_cumulative');
      const rewritten = (before: Map<string, string>, after: Map<string, string>) => [...after].filter(([key, xmin]) => before.get(key) !== xmin).map(([key]) => key).sort();
      assert.deepEqual(rewritten(daily, dailyAfter), [`u2 ${day(4)}`], `${kind}: only the restated day gets a new row version`);
      assert.deepEqual(rewritten(cumulative, cumulativeAfter), [4, 3, 2, 1, 0].map((n) => `u2 ${day(n)}`).sort(), `${kind}: running totals from the restated day on`);
      const stored = await dbs[kind].selectFrom('metrics_daily').select(['entity_id', 'date', 'pulled_at', 'spend_micro']).where('entity_id', 'in', ['u1', 'u2']).execute();
      assert.deepEqual(stored.filter((r) => r.pulled_at.getTime() === later.getTime()).map((r) => `${r.entity_id} ${r.date} ${r.spend_micro}`), [`u2 ${day(4)} ${500_000 + 4 + 70_000}`]);
      const total = await dbs[kind].selectFrom('metrics_cumulative').select('spend_micro').where('entity_id', '=', 'u2').where('date', '=', TODAY).executeTakeFirstOrThrow();
      assert.equal(String(total.spend_micro), String(Array.from({ length: 12 }, (_, n) => 500_000 + n).reduce((a, b) => a + b, 0) + 70_000));
    }
    const ours = async (kind: keyof typeof dbs) => (await dump(kind)).cumulative.filter((r) => r.entity_id === 'u1' || r.entity_id === 'u2');
    assert.deepEqual(await ours('staged'), await ours('plain'));
  });

  it('COPY straight into the table while the days are new, and stage and merge once one is stored', async () => {
    const db = dbs.staged;
    const keyColumns = ['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'];
    const base = { ad_account_id: A, level: 'ad', entity_id: 'f1', date: day(1), ...DEFAULT_ATTRIBUTION_SETTINGS, currency: 'USD', spend_micro: 1, impressions: 1, saves: 0, pin_clicks: 0, outbound_clicks: 0, is_partial: false, columns: '{}', pulled_at: NOW };
    const upsert = (rows: Array<typeof base>) =>
      inCopySession(db, (_trx, client) => copyUpsert(client!, { table: 'metrics_daily', keyColumns, rows, straightCopyFirst: true, unchangedIgnoring: ['pulled_at'], returning: ['entity_id', 'date'] }));
    assert.deepEqual(await upsert([base, { ...base, date: day(2) }]), { merged: 2, written: [{ entity_id: 'f1', date: day(1) }, { entity_id: 'f1', date: day(2) }] });
    // day(3) is new but day(1) and day(2) are stored: the straight COPY is refused and rolled back, the rows merged.
    const again = await upsert([{ ...base, date: day(3) }, { ...base, spend_micro: 9 }, { ...base, date: day(2) }]);
    assert.deepEqual(again.written.map((r) => r.date).sort(), [day(3), day(1)].sort(), 'the unchanged day is not written');
    const stored = await db.selectFrom('metrics_daily').select(['date', 'spend_micro']).where('entity_id', '=', 'f1').orderBy('date').execute();
    assert.deepEqual(stored.map((r) => [r.date, String(r.spend_micro)]), [[day(3), '1'], [day(2), '1'], [day(1), '9']]);
  });
});
