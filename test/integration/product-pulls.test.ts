// Product pulls on real parts (dev server, PostgreSQL) against the emulator's shopping seed: a USD
// and a JPY account, each with shopping ad groups, product groups and a catalog of SKUs. Checks
// the stored figures value by value, restatement, today's partial rows, a retried transient fault
// and the brand / category / SKU report polled to completion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { mondayOnOrBefore } from '../../domain/sku-report-range';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { addDays, dateInTimeZone } from '../../domain/dates';
import { productGroupDailyMetrics, productGroups, SEED_CATALOG, skuDailyCheckouts } from '../../emulator/product-seed';
import { buildSeed } from '../../emulator/seed';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectPicked, JPY, USD } from '../support/currency-accounts';
import { waitFor } from '../support/wait';

const seed = buildSeed({ accounts: [{ id: USD, currency: 'USD' }, { id: JPY, currency: 'JPY' }] });
let testApp: TestApp;
const app = () => testApp.app;
const emulator = () => testApp.app.pinterest.emulator;
const DAY = 86_400_000;
const utcToday = () => new Date().toISOString().slice(0, 10);
const daysAgo = (date: string) => (Date.parse(utcToday()) - Date.parse(date)) / DAY;

const stored = (account: string, source: 'product_group' | 'sku') =>
  app().db.selectFrom('product_metrics_daily').selectAll().where('ad_account_id', '=', account).where('source', '=', source).orderBy('product_key').orderBy('date').execute();

before(async () => {
  testApp = await startTestApp({}, { emulatorSeed: seed });
  assert.deepEqual((await connectPicked(testApp.app, USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
  for (const id of [USD, JPY]) await waitFor(`the SKU report of ${id}`, async () => ((await stored(id, 'sku')).length > 0 ? true : undefined));
});

after(() => testApp?.stop());

describe('product pulls', { timeout: 300_000 }, () => {
  it('stores each product group and day with the exact figures, in the account currency, today partial', async () => {
    for (const account of [USD, JPY]) {
      const groups = productGroups(seed, account);
      const rows = await stored(account, 'product_group');
      assert.deepEqual([...new Set(rows.map((r) => r.product_key))].sort(), groups.filter((g) => rows.some((r) => r.product_key === g.id)).map((g) => g.id).sort());
      // The active campaign's shopping group delivered every day of the first pull's 91 days.
      const active = groups.find((g) => g.ad.status === 'ACTIVE')!;
      const activeRows = rows.filter((r) => r.product_key === active.id);
      assert.ok(activeRows.length >= 90, `${account}: ${activeRows.length} days of ${active.id}`);
      for (const row of rows) {
        const group = groups.find((g) => g.id === row.product_key)!;
        const expected = productGroupDailyMetrics(seed, group, row.date, daysAgo(row.date))!;
        assert.deepEqual(
          [row.currency, row.spend_micro, row.impressions, row.clicks, row.conversions, row.conversion_value_micro, row.period_end_date],
          [account === JPY ? 'JPY' : 'USD', String(expected.SPEND_IN_MICRO_DOLLAR), String(expected.PAID_IMPRESSION), String(expected.TOTAL_CLICKTHROUGH), String(expected.TOTAL_CHECKOUT), String(expected.TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR), row.date],
          `${account} ${row.product_key} ${row.date}`,
        );
        assert.equal(row.columns.TOTAL_CONVERSIONS, expected.TOTAL_CONVERSIONS, 'every returned column is kept');
      }
      const today = dateInTimeZone(new Date(), seed.adAccounts.find((a) => a.id === account)!.time_zone);
      assert.ok(rows.every((r) => r.is_partial === (r.date >= today)), "only today's row is partial");
      // Tokyo's today is often tomorrow in UTC, a day the emulator has no delivery for yet.
      if (today === utcToday()) assert.deepEqual(activeRows.filter((r) => r.is_partial).map((r) => r.date), [today], `${account}: today's row is there, partial`);
    }
    const usd = (await stored(USD, 'product_group')).reduce((sum, r) => sum + Number(r.spend_micro), 0);
    const yen = (await stored(JPY, 'product_group')).reduce((sum, r) => sum + Number(r.spend_micro), 0);
    assert.ok(yen > 50 * usd, 'yen amounts are yen-sized, not converted');
  });

  it('stores each SKU and report week with brand, category, quantity and value, polled to completion', async () => {
    for (const account of [USD, JPY]) {
      const rows = await stored(account, 'sku');
      assert.ok(rows.length > 0);
      for (const row of rows) {
        const sku = SEED_CATALOG.find((s) => s.sku === row.product_key)!;
        assert.equal(row.date, mondayOnOrBefore(row.date), 'weeks start on Mondays');
        let quantity = 0;
        let value = 0;
        for (let d = row.date; d <= row.period_end_date; d = addDays(d, 1)) {
          const day = skuDailyCheckouts(seed, account, sku, d, daysAgo(d));
          quantity += day?.quantity ?? 0;
          value += day?.value ?? 0;
        }
        assert.deepEqual(
          [row.currency, row.spend_micro, row.impressions, row.clicks, row.conversions, row.conversion_value_micro, row.product_brand, row.product_category],
          [account === JPY ? 'JPY' : 'USD', null, null, null, String(quantity), String(Math.round(Math.round(value * 100) / 100 * 1_000_000)), sku.brand, sku.category],
          `${account} ${row.product_key} ${row.date}`,
        );
        assert.equal(row.is_partial, row.period_end_date >= utcToday(), 'the week holding today is partial');
      }
      assert.ok(rows.some((r) => r.is_partial) && rows.some((r) => !r.is_partial));
    }
    const polls = new Map<string, string[]>();
    for (const e of emulator().exchanges.filter((x) => x.method === 'GET' && x.route.endsWith('/reports/brand_category_sku'))) {
      polls.set(String(e.query.token), [...(polls.get(String(e.query.token)) ?? []), (e.response as { report_status: string }).report_status]);
    }
    assert.ok(polls.size >= 2, 'a report per account');
    for (const statuses of polls.values()) assert.deepEqual(statuses, ['IN_PROGRESS', 'IN_PROGRESS', 'FINISHED'], 'polled until FINISHED');
  });

  it('restated days overwrite the stored ones, without duplicates', async () => {
    const before = await stored(USD, 'product_group');
    const yesterday = addDays(dateInTimeZone(new Date(), seed.adAccounts[0]!.time_zone), -1);
    const target = before.find((r) => r.date === yesterday)!;
    await app().db.updateTable('product_metrics_daily').set({ spend_micro: 1, conversions: 999 }).where('ad_account_id', '=', USD).where('source', '=', 'product_group').where('product_key', '=', target.product_key).where('date', '=', yesterday).execute();
    const input = { ad_account_id: USD, min_days: 30, backfill_days: 90, settings: DEFAULT_ATTRIBUTION_SETTINGS };
    const pulled = (await new MockActivityEnvironment().run(createActivities(app().activityDeps).pullProductGroups, input)) as { rows: number };
    assert.ok(pulled.rows > 0);
    const after = await stored(USD, 'product_group');
    assert.equal(after.length, before.length, 'no duplicate rows');
    const restated = after.find((r) => r.product_key === target.product_key && r.date === yesterday)!;
    assert.deepEqual([restated.spend_micro, restated.conversions], [target.spend_micro, target.conversions], 'the restated day is Pinterest\'s figure again');
  });

  it('retries transient faults on product group analytics and the SKU report inside the workflow', async () => {
    const newest = async (source: 'product_group' | 'sku') => (await stored(JPY, source)).reduce((max, r) => Math.max(max, r.pulled_at.getTime()), 0);
    const before = { groups: await newest('product_group'), skus: await newest('sku') };
    const path = `${JPY}/product_groups/analytics`;
    emulator().inject({ kind: 'server_error' }, { times: 1, pathContains: path });
    // Pinterest's code 12 in a 400 ("Something went wrong. Please try again later.") on the report request.
    emulator().inject({ kind: 'something_went_wrong' }, { times: 1, pathContains: `${JPY}/reports/brand_category_sku` });
    await app().client.pullNow(JPY);
    await waitFor('a product pull through the faults', async () => ((await newest('product_group')) > before.groups && (await newest('sku')) > before.skus ? true : undefined));
    const reportRequests = emulator().exchanges.filter((e) => e.method === 'POST' && e.route.endsWith('/reports/brand_category_sku')).map((e) => e.status);
    assert.deepEqual(reportRequests.slice(-2), [400, 200], 'the code 12 answer was retried');
    const jpyGroups = new Set(productGroups(seed, JPY).map((g) => g.id));
    const statuses = emulator().exchanges.filter((e) => e.route.endsWith('/product_groups/analytics') && [e.query.product_group_ids].flat().some((id) => jpyGroups.has(String(id)))).map((e) => e.status);
    assert.deepEqual(statuses.slice(-2), [503, 200], 'the 503 was retried');
    assert.doesNotMatch((await app().client.status(JPY)).last_error ?? '', /product pull/);
  });
});
