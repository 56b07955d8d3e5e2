// `npm run bench -- holds`: one ad account holding 100,000 pending conversions. Measures what the
// workflow's activities do at that size: storing and matching batches of 1,000 new conversions
// (the 10,000-a-minute rate is ~167 a second), re-matching pending conversions when a batch of
// late clicks arrives, and the expiry sweep. Real PostgreSQL, a fresh database, dropped after.
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { createActivities } from '../activities/index';
import { PinterestHttp } from '../pinterest/http';
import { generateEncryptionKeyEntry, parseEncryptionKeys, TokenCipher } from '../secrets/token-cipher';
import { migrateToLatest, openDatabase } from '../store/database';
import { prepareConversions, prepareTouchpoints } from '../domain/routy-records';
import { buildSeed } from '../emulator/seed';
import { EMULATOR_APP } from '../emulator/pinterest-emulator';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../domain/attribution-settings';
import { createTestDatabase } from '../test/support/postgres';

const PENDING = Number(process.env.BENCH_PENDING ?? 100_000);
const ACCOUNT = '549764105221';
const DAY = 86_400_000;

export async function runHoldsBench(): Promise<Record<string, unknown>> {
  const database = await createTestDatabase();
  const db = await openDatabase({ kind: 'postgres', url: database.url });
  try {
    await migrateToLatest(db);
    const seed = buildSeed();
    const activities = createActivities({
      db,
      http: new PinterestHttp('http://127.0.0.1:9'),
      app: { ...EMULATOR_APP, redirectUri: 'unused' },
      cipher: new TokenCipher(parseEncryptionKeys(generateEncryptionKeyEntry('bench'))),
    });
    const run = <T>(fn: unknown, input: unknown) => new MockActivityEnvironment().run(fn as never, input as never) as Promise<T>;
    await db.insertInto('ads').values(seed.ads.map((a) => ({ ad_account_id: ACCOUNT, ad_id: a.id, ad_group_id: a.ad_group_id, campaign_id: a.campaign_id, pin_id: a.pin_id, creative_type: a.creative_type, name: a.name, status: a.status, raw: '{}', synced_at: new Date() }))).execute();
    const now = Date.now();
    const conversion = (prefix: string, i: number, withClick: boolean) => ({
      event_id: `${prefix}-${i}`,
      event_name: 'checkout',
      event_time: new Date(now - (i % 5) * DAY - 60_000).toISOString(),
      ad_account_id: ACCOUNT,
      value: '42.00',
      currency: 'USD',
      ...(withClick ? { click_id: `click-${prefix}-${i}` } : {}),
      user: { email: `${prefix}${i}@example.com`, ip: '203.0.113.1', user_agent: 'UA' },
    });

    // 100,000 pending conversions with no touchpoint yet (Routy's click data lags).
    const seedStart = performance.now();
    for (let i = 0; i < PENDING; i += 1000) {
      const batch = prepareConversions(Array.from({ length: 1000 }, (_, j) => conversion('pending', i + j, true))).accepted.map((a) => a.record);
      await run(activities.recordConversions, { ad_account_id: ACCOUNT, conversions: batch, settings: DEFAULT_ATTRIBUTION_SETTINGS, hold_seconds: 30 * 86_400 });
    }
    const seedMs = performance.now() - seedStart;
    await sql`ANALYZE`.execute(db);

    // New conversions arriving, half of them with a click already stored.
    const clicks = prepareTouchpoints(Array.from({ length: 5000 }, (_, i) => ({ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 20 * DAY).toISOString(), click_id: `click-fresh-${i * 2}`, ad_id: seed.ads[i % 8]!.id }))).accepted.map((a) => a.record);
    await run(activities.recordTouchpoints, { ad_account_id: ACCOUNT, touchpoints: clicks, settings: DEFAULT_ATTRIBUTION_SETTINGS });
    const ingest: number[] = [];
    let matched = 0;
    for (let i = 0; i < 10_000; i += 1000) {
      const batch = prepareConversions(Array.from({ length: 1000 }, (_, j) => conversion('fresh', i + j, true))).accepted.map((a) => a.record);
      const start = performance.now();
      const result = await run<{ matched: number }>(activities.recordConversions, { ad_account_id: ACCOUNT, conversions: batch, settings: DEFAULT_ATTRIBUTION_SETTINGS, hold_seconds: 30 * 86_400 });
      ingest.push(performance.now() - start);
      matched += result.matched;
    }

    // Late clicks arrive for pending conversions: each batch of 1,000 re-matches against 100,000 pending.
    const rematch: number[] = [];
    let rematched = 0;
    for (let i = 0; i < 5000; i += 1000) {
      const late = prepareTouchpoints(Array.from({ length: 1000 }, (_, j) => ({ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 10 * DAY).toISOString(), click_id: `click-pending-${(i + j) * 7}`, pin_id: seed.ads[j % 8]!.pin_id }))).accepted.map((a) => a.record);
      const start = performance.now();
      const result = await run<{ matched: number }>(activities.recordTouchpoints, { ad_account_id: ACCOUNT, touchpoints: late, settings: DEFAULT_ATTRIBUTION_SETTINGS });
      rematch.push(performance.now() - start);
      rematched += result.matched;
    }

    // Every hold ends at once: the sweep's worst case.
    await db.updateTable('conversions').set({ hold_until: new Date(Date.now() - 1000) }).where('attribution_state', '=', 'pending').execute();
    const expiryStart = performance.now();
    const expired = await run<{ expired: number }>(activities.expirePendingConversions, { ad_account_id: ACCOUNT });
    const expiryMs = performance.now() - expiryStart;

    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const p = (values: number[], q: number) => sorted(values)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
    const ingestPerSecond = 1000 / (ingest.reduce((a, b) => a + b, 0) / ingest.length / 1000);
    return {
      pending_conversions: PENDING,
      seed_seconds: Math.round(seedMs / 100) / 10,
      ingest_batch_ms_p50: Math.round(p(ingest, 0.5)),
      ingest_batch_ms_p95: Math.round(p(ingest, 0.95)),
      ingest_conversions_per_second: Math.round(ingestPerSecond),
      ingest_conversions_per_minute: Math.round(ingestPerSecond * 60),
      goal_per_minute: 10_000,
      fresh_matched: matched,
      rematch_batch_ms_p50: Math.round(p(rematch, 0.5)),
      rematch_batch_ms_p95: Math.round(p(rematch, 0.95)),
      rematched_from_pending: rematched,
      expiry_sweep_ms: Math.round(expiryMs),
      expired_now: expired.expired,
    };
  } finally {
    await db.destroy();
    await database.drop();
  }
}
