// `npm run bench -- pull`: one ad account with 5,000 ads over 90 days in the emulator, pulled through
// the production pull activity (`pullMetrics`: Pinterest client, grant, upsert) into a fresh
// PostgreSQL database. Counts the analytics calls the emulator recorded against the minimum (per
// level ceil(ids / 250) × ceil(days / 90)). Then writes the pulled rows again, unit by unit (a
// level's 250 ids) as the pull does, interleaved: a plain COPY, the staged upsert, the former
// multi-row INSERT; and upsertMetrics end to end (running totals included). BENCH_ADS sizes it.
import { MockActivityEnvironment } from '@temporalio/testing';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createActivities } from '../activities/index';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../domain/attribution-settings';
import { dateInTimeZone } from '../domain/dates';
import { EMULATOR_APP, PinterestEmulator } from '../emulator/pinterest-emulator';
import { buildSeed, DEMO_AD_ACCOUNT_ID } from '../emulator/seed';
import { MAX_IDS_PER_CALL, type AnalyticsRow, type MetricLevel } from '../pinterest/analytics';
import { listAdAccounts, listAdGroups, listAds, listCampaigns } from '../pinterest/entities';
import { PinterestHttp } from '../pinterest/http';
import { buildAuthorizeUrl, exchangeAuthorizationCode } from '../pinterest/oauth';
import { generateEncryptionKeyEntry, parseEncryptionKeys, TokenCipher } from '../secrets/token-cipher';
import { insertConnection, upsertAdAccount } from '../store/connections-store';
import { migrateToLatest, openDatabase } from '../store/database';
import type { Database } from '../store/database-schema';
import { listEntityIds, upsertAdGroups, upsertAds, upsertCampaigns } from '../store/entities-store';
import { copyUpsert, inCopySession } from '../store/copy-upsert';
import { upsertMetrics } from '../store/metrics-store';
import { createTestDatabase } from '../test/support/postgres';

const ADS = Number(process.env.BENCH_ADS ?? 5000);
const DAYS = 90;
const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const LEVELS: Array<{ level: MetricLevel; route: string; idsParam: string }> = [
  { level: 'campaign', route: 'GET /ad_accounts/{ad_account_id}/campaigns/analytics', idsParam: 'campaign_ids' },
  { level: 'ad_group', route: 'GET /ad_accounts/{ad_account_id}/ad_groups/analytics', idsParam: 'ad_group_ids' },
  { level: 'ad', route: 'GET /ad_accounts/{ad_account_id}/ads/analytics', idsParam: 'ad_ids' },
];

const KEY_COLUMNS = ['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'];
const day = 86_400_000;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function runPullBench(): Promise<Record<string, unknown>> {
  const emulator = new PinterestEmulator({ seed: buildSeed({ adsPerAccount: ADS }), keepResponses: false });
  const origin = await emulator.listen(0);
  const database = await createTestDatabase();
  const db = await openDatabase({ kind: 'postgres', url: database.url });
  // The same database through a bare pool: upsertMetrics takes the plain multi-row INSERT path there.
  const plainPool = new pg.Pool({ connectionString: database.url, max: 2, options: '-c jit=off -c work_mem=32MB' });
  const plainDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: plainPool }) });
  try {
    await migrateToLatest(db);
    // Connect as the OAuth callback does: consent, code exchange, tokens stored encrypted.
    const http = new PinterestHttp(emulator.apiBaseUrl(origin));
    const app = { ...EMULATOR_APP, redirectUri: 'http://127.0.0.1:9/v1/oauth/callback' };
    const consent = await fetch(buildAuthorizeUrl(`${origin}/oauth/`, app, 'bench'), { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const tokens = await exchangeAuthorizationCode(http, app, code);
    const cipher = new TokenCipher(parseEncryptionKeys(generateEncryptionKeyEntry('bench')));
    const connectionId = await insertConnection(db, cipher, tokens, new Date());
    const account = (await listAdAccounts(http, tokens.access_token)).find((a) => a.id === ACCOUNT)!;
    await upsertAdAccount(db, connectionId, account, DEFAULT_ATTRIBUTION_SETTINGS, 'bench');
    // Entities as syncEntities lists and stores them (its pin metadata step, 5,000 pins/get calls, is no part of a pull).
    const at = new Date();
    await upsertCampaigns(db, ACCOUNT, await listCampaigns(http, tokens.access_token, ACCOUNT), at);
    await upsertAdGroups(db, ACCOUNT, await listAdGroups(http, tokens.access_token, ACCOUNT), at);
    await upsertAds(db, ACCOUNT, await listAds(http, tokens.access_token, ACCOUNT), at);

    // The pull: the production activity, first pull of the account (90 days of backfill).
    const activities = createActivities({ db, http, app, cipher });
    const input = { ad_account_id: ACCOUNT, min_days: 30, backfill_days: DAYS, settings: DEFAULT_ATTRIBUTION_SETTINGS };
    const pullStart = performance.now();
    const pulled = (await new MockActivityEnvironment().run(activities.pullMetrics, input)) as Awaited<ReturnType<typeof activities.pullMetrics>>;
    const pullSeconds = (performance.now() - pullStart) / 1000;

    // Calls made, from the emulator's recording; the minimum from the ids per level and the days read.
    const days = (Date.parse(pulled.end_date) - Date.parse(pulled.start_date)) / day + 1;
    const ids: Record<string, string[]> = {};
    const perLevel: Record<string, { ids: number; calls_made: number; minimum: number; max_ids_per_call: number; max_days_per_call: number }> = {};
    for (const { level, route, idsParam } of LEVELS) {
      ids[level] = await listEntityIds(db, ACCOUNT, level);
      const calls = emulator.exchanges.filter((e) => `${e.method} ${e.route}` === route);
      perLevel[level] = {
        ids: ids[level].length,
        calls_made: emulator.requestCounts.get(route) ?? 0,
        minimum: Math.ceil(ids[level].length / MAX_IDS_PER_CALL) * Math.ceil(days / DAYS),
        max_ids_per_call: Math.max(0, ...calls.map((e) => [e.query[idsParam]].flat().length)),
        max_days_per_call: Math.max(0, ...calls.map((e) => (Date.parse(String(e.query.end_date)) - Date.parse(String(e.query.start_date))) / day + 1)),
      };
    }
    const made = Object.values(perLevel).reduce((n, l) => n + l.calls_made, 0);
    const minimum = Object.values(perLevel).reduce((n, l) => n + l.minimum, 0);

    // The same rows, unit by unit (a level's 250 ids) as the pull writes them, kept aside as the source.
    await sql`CREATE TABLE bench_source AS SELECT * FROM metrics_daily`.execute(db);
    const totalRows = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM bench_source`.execute(db)).rows[0]!.n);
    const units = LEVELS.flatMap(({ level }) =>
      Array.from({ length: Math.ceil(ids[level]!.length / MAX_IDS_PER_CALL) }, (_, i) => ({ level, ids: ids[level]!.slice(i * MAX_IDS_PER_CALL, (i + 1) * MAX_IDS_PER_CALL) })),
    );
    const today = dateInTimeZone(new Date(), account.time_zone ?? 'UTC');
    const sourceRows = async (unit: (typeof units)[number]): Promise<AnalyticsRow[]> =>
      (await db.selectFrom('bench_source' as never).select(['entity_id', 'date', 'columns'] as never[]).where('level' as never, '=', unit.level as never).where('entity_id' as never, 'in', unit.ids as never).execute()) as never;
    const truncate = () => sql`TRUNCATE metrics_daily, metrics_cumulative`.execute(db);

    // Like for like, unit by unit and interleaved (so the machine's other load falls on both alike):
    // a plain COPY of the stored rows (every column) into an empty copy of metrics_daily (same
    // indexes), and the same rows staged and merged into metrics_daily by copyUpsert, the statement
    // path of upsertMetrics.
    await truncate();
    await sql`CREATE TABLE copy_target (LIKE metrics_daily INCLUDING ALL)`.execute(db);
    await sql`CREATE TABLE plain_target (LIKE metrics_daily INCLUDING ALL)`.execute(db);
    // The statement upsertMetrics ran before staging (still its PGlite path): multi-row INSERT ... ON CONFLICT, 1,000 rows each.
    const plainInsert = (rows: Array<Record<string, unknown>>) =>
      plainDb.transaction().execute(async (trx) => {
        const updated = Object.keys(rows[0]!).filter((column) => !KEY_COLUMNS.includes(column));
        for (let i = 0; i < rows.length; i += 1000) {
          await trx
            .insertInto('plain_target' as 'metrics_daily')
            .values(rows.slice(i, i + 1000) as never)
            .onConflict((oc) => oc.columns(KEY_COLUMNS as never).doUpdateSet((eb) => Object.fromEntries(updated.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never))
            .execute();
        }
      });
    const client = await plainPool.connect();
    let copyMs = 0;
    let dailyMs = 0;
    let plainMs = 0;
    try {
      for (const unit of units) {
        const chunks: Buffer[] = [];
        const where = `level = '${unit.level}' AND entity_id IN (${unit.ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')})`;
        await pipeline(client.query(copyTo(`COPY (SELECT * FROM bench_source WHERE ${where}) TO STDOUT`)), new Writable({ write: (chunk, _e, done) => { chunks.push(chunk); done(); } }));
        const rows = (await client.query(`SELECT * FROM bench_source WHERE ${where}`)).rows as Array<Record<string, unknown>>;
        let t0 = performance.now();
        await pipeline(Readable.from(chunks), client.query(copyFrom('COPY copy_target FROM STDIN')));
        copyMs += performance.now() - t0;
        t0 = performance.now();
        await inCopySession(db, (_trx, session) => copyUpsert(session!, { table: 'metrics_daily', rows, keyColumns: KEY_COLUMNS }));
        dailyMs += performance.now() - t0;
        t0 = performance.now();
        await plainInsert(rows);
        plainMs += performance.now() - t0;
      }
    } finally {
      client.release();
    }

    /** Every unit through upsertMetrics on `target` (running totals included), timed around the writes only. */
    const upsertAll = async (target: Kysely<Database>) => {
      let ms = 0;
      let rows = 0;
      for (const unit of units) {
        const unitRows = await sourceRows(unit);
        const t0 = performance.now();
        rows += await upsertMetrics(target, { adAccountId: ACCOUNT, level: unit.level, currency: account.currency, settings: DEFAULT_ATTRIBUTION_SETTINGS, rows: unitRows, entityIds: unit.ids, today, now: new Date() });
        ms += performance.now() - t0;
      }
      return { rows, seconds: round(ms / 1000), rows_per_second: Math.round(rows / (ms / 1000)) };
    };
    await truncate();
    const staged = await upsertAll(db);
    const stagedAgain = await upsertAll(db);

    const copyRate = Math.round(totalRows / (copyMs / 1000));
    const dailyRate = Math.round(totalRows / (dailyMs / 1000));
    const plainRate = Math.round(totalRows / (plainMs / 1000));
    return {
      ads: ADS,
      days,
      pull: { start_date: pulled.start_date, end_date: pulled.end_date, rows: pulled.rows, seconds: round(pullSeconds, 1) },
      analytics_calls_made: made,
      analytics_calls_minimum: minimum,
      api_calls_ratio: round(made / minimum, 3),
      goal_max_api_calls_ratio: 1.05,
      calls_per_level: perLevel,
      rows: totalRows,
      upsert_rows_per_second: dailyRate,
      copy_rows_per_second: copyRate,
      upsert_vs_copy: round(dailyRate / copyRate, 3),
      goal_min_upsert_vs_copy: 0.5,
      upsert_note: 'the same rows into metrics_daily, unit by unit, interleaved: copyUpsert (COPY into a temporary table, INSERT ... SELECT ... ON CONFLICT) against COPY metrics_daily FROM STDIN (text, every column) into an empty table with the same indexes',
      upsert_with_running_totals: {
        note: 'upsertMetrics end to end as the pull calls it (per 250-id unit): into an empty table (rows COPYed straight in, running totals written: metrics_cumulative, as many rows again), then the same rows again (staged and compared: unchanged rows and their running totals are not rewritten)',
        into_empty: staged,
        vs_copy: round(staged.rows_per_second / copyRate, 3),
        re_upsert_same_rows: stagedAgain,
        re_upsert_vs_copy: round(stagedAgain.rows_per_second / copyRate, 3),
      },
      plain_insert_rows_per_second: plainRate,
      plain_insert_vs_copy: round(plainRate / copyRate, 3),
      plain_insert_note: 'the same rows by the statement upsertMetrics ran before staging (and still runs on PGlite): multi-row INSERT ... ON CONFLICT, 1,000 rows each, into an empty table with the same indexes, interleaved likewise',
      seconds: { copy: round(copyMs / 1000), upsert: round(dailyMs / 1000), plain_insert: round(plainMs / 1000) },
    };
  } finally {
    await plainDb.destroy();
    await db.destroy();
    await database.drop();
    await emulator.close();
  }
}
