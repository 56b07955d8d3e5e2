// The same migrations and report statements serve PostgreSQL and the embedded PGlite.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrateToLatest, openDatabase, type DatabaseLocation } from '../../store/database';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/database-schema';
import { upsertMetrics } from '../../store/metrics-store';
import { performanceReport } from '../../reports/performance-report';
import { slowBurnReport } from '../../reports/slow-burn-report';
import { productReport } from '../../reports/product-report';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { createTestDatabase } from '../support/postgres';

async function migrateAndUse(location: DatabaseLocation) {
  const db = await openDatabase(location);
  try {
    const results = await migrateToLatest(db);
    assert.ok(results && results.length >= 1 && results.every((r) => r.status === 'Success'));
    assert.deepEqual(await migrateToLatest(db), [], 'a second run applies nothing');
    await db
      .insertInto('metrics_daily')
      .values({
        ad_account_id: '1', level: 'ad', entity_id: '987654321012345678', date: '2026-11-01',
        click_window_days: 30, engagement_window_days: 30, view_window_days: 1, conversion_report_time: 'TIME_OF_AD_ACTION',
        currency: 'JPY', spend_micro: '9007199254740993', impressions: 1, saves: 0, pin_clicks: 0, outbound_clicks: 0,
        is_partial: false, columns: '{}', pulled_at: new Date(),
      })
      .execute();
    const row = await db.selectFrom('metrics_daily').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.entity_id, '987654321012345678');
    assert.equal(String(row.spend_micro), '9007199254740993', 'bigint micro-currency keeps every digit');
    assert.equal(row.date, '2026-11-01');
    await reportsWork(db);
  } finally {
    await db.destroy();
  }
}

/** The report statements (running totals, lag-day arrays) on this engine. */
async function reportsWork(db: Kysely<Database>) {
  const A = '2';
  await db.insertInto('pinterest_connections').values({ connection_id: 'c', access_token_encrypted: 'x', refresh_token_encrypted: 'x', encryption_key_id: 'x', access_token_expires_at: new Date(), scope: '' }).execute();
  await db.insertInto('ad_accounts').values({ ad_account_id: A, connection_id: 'c', name: 'n', currency: 'EUR', time_zone: 'Europe/Berlin', ...DEFAULT_ATTRIBUTION_SETTINGS }).execute();
  await db.insertInto('ads').values({ ad_account_id: A, ad_id: 'a1', ad_group_id: 'g1', campaign_id: 'c1', pin_id: 'p1', creative_type: 'REGULAR', name: 'Pin one', status: 'ACTIVE', raw: '{}', synced_at: new Date() }).execute();
  const rows = ['2026-11-01', '2026-11-03'].map((date) => ({ entity_id: 'a1', date, columns: { SPEND_IN_MICRO_DOLLAR: 1_500_000 } }));
  await upsertMetrics(db, { adAccountId: A, level: 'ad', currency: 'EUR', settings: DEFAULT_ATTRIBUTION_SETTINGS, rows, entityIds: ['a1'], today: '2026-11-04', now: new Date() });
  const touchpoint = await db
    .insertInto('touchpoints')
    .values({ ad_account_id: A, dedupe_key: 't', type: 'click', occurred_at: new Date('2026-10-25T10:00:00Z'), click_id: 'k', ad_id: 'a1', user_data: '{}' })
    .returning('touchpoint_id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('attributions')
    .values({ ad_account_id: A, event_id: 'e', touchpoint_id: touchpoint.touchpoint_id, touch_type: 'click', match_key: 'click_id', campaign_id: 'c1', ad_group_id: 'g1', ad_id: 'a1', pin_id: 'p1', lag_seconds: 9 * 86_400, conversion_date: '2026-11-03', conversion_value_micro: 42_000_000, conversion_currency: 'EUR' })
    .execute();
  const [report] = await performanceReport(db, { ad_account_id: A, level: 'pin', start_date: '2026-11-02', end_date: '2026-11-04', window: 30, compare: 7 });
  assert.deepEqual([report?.spend, report?.routy.conversions, report?.routy.revenue, report?.compare?.conversions], [1.5, 1, 42, 0]);
  // A second conversion credited to a pin no synced ad shows: its curve is named as not synced.
  await db
    .insertInto('attributions')
    .values({ ad_account_id: A, event_id: 'e2', touchpoint_id: touchpoint.touchpoint_id, touch_type: 'click', match_key: 'click_id', pin_id: 'p9', lag_seconds: 2 * 86_400, conversion_date: '2026-11-02', conversion_value_micro: null, conversion_currency: null })
    .execute();
  const curves = await slowBurnReport(db, { ad_account_id: A, level: 'pin', start_date: '2026-11-01', end_date: '2026-11-04', window: 14 });
  assert.deepEqual(
    curves.map((c) => [c.id, c.name, c.synced, c.conversions, c.cumulative_share[1], c.cumulative_share[2], c.cumulative_share[8], c.cumulative_share[9], c.share_after_day_7]),
    [
      ['p1', 'Pin one', true, 1, 0, 0, 0, 1, 1],
      ['p9', 'pin p9, not synced yet', false, 1, 0, 1, 1, 1, 0],
    ],
  );
  // Once ads promote that pin it is named by one: of several, the lowest ad id's (numerically: 9 before 10).
  const ad = { ad_account_id: A, ad_group_id: 'g1', campaign_id: 'c1', pin_id: 'p9', creative_type: 'REGULAR', status: 'ACTIVE', raw: '{}', synced_at: new Date() };
  await db.insertInto('ads').values([{ ...ad, ad_id: '10', name: 'Ten' }, { ...ad, ad_id: '9', name: 'Nine' }]).execute();
  const named = await slowBurnReport(db, { ad_account_id: A, level: 'pin', start_date: '2026-11-01', end_date: '2026-11-04', window: 14 });
  assert.deepEqual(named.map((c) => [c.id, c.name, c.synced]), [['p1', 'Pin one', true], ['p9', 'Nine', true]]);
  // The products report's groups arrive column by column (JSON arrays) on this engine too.
  await db.insertInto('attribution_products').values({ ad_account_id: A, event_id: 'e', sku: 'SKU-1', units: 2, revenue_micro: '42000000', currency: 'EUR', conversion_date: '2026-11-03', lag_seconds: 9 * 86_400, ad_id: 'a1', pin_id: 'p1' }).execute();
  const products = await productReport(db, { ad_account_id: A, start_date: '2026-11-02', end_date: '2026-11-04', window: 30, compare: 7 });
  assert.deepEqual(
    products.map((p) => [p.sku, p.currency, p.routy.conversions, p.routy.units, p.routy.revenue, p.routy.cost_share, p.compare.conversions, p.pins.map((pin) => [pin.id, pin.name, pin.conversions])]),
    [['SKU-1', 'EUR', 1, 2, 42, 1.5, 0, [['a1', 'Pin one', 1]]]],
  );
  // An ad not synced yet whose touches carried two pin ids is shown with the lowest.
  for (const [event_id, pin_id] of [['e3', 'p8'], ['e4', 'p7']] as const) {
    await db
      .insertInto('attributions')
      .values({ ad_account_id: A, event_id, touchpoint_id: touchpoint.touchpoint_id, touch_type: 'click', match_key: 'click_id', ad_id: 'ax', pin_id, lag_seconds: 86_400, conversion_date: '2026-11-03', conversion_value_micro: null, conversion_currency: null })
      .execute();
    await db.insertInto('attribution_products').values({ ad_account_id: A, event_id, sku: 'SKU-2', units: 1, revenue_micro: null, currency: null, conversion_date: '2026-11-03', lag_seconds: 86_400, ad_id: 'ax', pin_id }).execute();
  }
  const [, unsynced] = await productReport(db, { ad_account_id: A, start_date: '2026-11-02', end_date: '2026-11-04', window: 30, compare: 7 });
  assert.deepEqual(unsynced?.pins.map((pin) => [pin.id, pin.name, pin.pin_id, pin.synced, pin.conversions]), [['ax', 'ad ax, not synced yet', 'p7', false, 2]]);
}

describe('migrations', () => {
  it('run on PostgreSQL', async () => {
    const database = await createTestDatabase();
    try {
      await migrateAndUse({ kind: 'postgres', url: database.url });
    } finally {
      await database.drop();
    }
  });

  it('run on embedded PGlite', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'routy-pglite-'));
    try {
      await migrateAndUse({ kind: 'pglite', dataDir: dir });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
