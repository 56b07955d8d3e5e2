// Routy's product attribution on real parts (dev server, PostgreSQL, worker, ingress, emulator):
// conversions carrying `contents` / `content_ids` credited per SKU to their winning ad's pin,
// reported over the API (JSON and CSV) and the CLI, under 30 days beside 7, in two currencies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildSeed } from '../../emulator/seed';
import type { ProductRow } from '../../reports/product-report';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { failingCli, runCli } from '../support/cli';
import { pulledSpend } from '../support/clicked-conversions';
import { waitFor } from '../support/wait';

const USD = '549764105221';
const seed = buildSeed({ accounts: [{ id: USD, currency: 'USD', time_zone: 'UTC' }] });
const RANGE = 'start_date=2026-11-20&end_date=2026-11-30';
let testApp: ConnectedTestApp;
let adA: { ad_id: string; pin_id: string | null };
let adB: { ad_id: string; pin_id: string | null };
/** Each ad's spend over the range in micro-currency (default settings 30 / 30 / 1). */
let spendA: number;
let spendB: number;

const products = async (query: string) => {
  const response = await getWithToken(testApp.app, `/v1/reports/products?${query}`);
  assert.equal(response.status, 200, query);
  return ((await response.json()) as { rows: ProductRow[] }).rows;
};
const cents = (n: number) => Math.round(n * 100) / 100;

/** A conversion at 2026-11-25T12:00Z after a click on `ad` `lagDays` before it. */
const conversion = (event_id: string, ad: string, lagDays: number, extra: Record<string, unknown>) => ({
  touch: { ad_account_id: USD, type: 'click', occurred_at: new Date(Date.parse('2026-11-25T12:00:00Z') - lagDays * 86_400_000).toISOString(), click_id: `click-${event_id}`, ad_id: ad },
  record: { ad_account_id: USD, event_id, event_name: 'checkout', event_time: '2026-11-25T12:00:00Z', click_id: `click-${event_id}`, ...extra },
});

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' }, { emulatorSeed: seed });
  const { app } = testApp;
  [adA, adB] = await app.db.selectFrom('ads').select(['ad_id', 'pin_id']).where('ad_account_id', '=', USD).orderBy('ad_id').limit(2).execute() as [typeof adA, typeof adB];
  spendA = (await pulledSpend(app, USD, 'ad', adA.ad_id, '2026-11-20', '2026-11-30')) * 1_000_000;
  spendB = (await pulledSpend(app, USD, 'ad', adB.ad_id, '2026-11-20', '2026-11-30')) * 1_000_000;
  assert.ok(spendA > 0 && spendB > 0, 'spend pulled for both ads');
  const all = [
    conversion('p-1', adA.ad_id, 1, { value: '25.5', currency: 'USD', contents: [{ id: 'SKU-1', item_price: '10', quantity: 2 }, { id: 'SKU-2', item_price: '5.5', quantity: 1 }] }),
    conversion('p-2', adA.ad_id, 10, { value: '10', currency: 'USD', contents: [{ id: 'SKU-1', item_price: '10' }] }),
    conversion('p-3', adB.ad_id, 1, { value: '12', currency: 'USD', contents: [{ id: 'SKU-1', item_price: '12', quantity: 1 }] }),
    conversion('p-4', adB.ad_id, 1, { value: '30', currency: 'USD', content_ids: ['SKU-3'] }),
    conversion('p-5', adB.ad_id, 1, { value: '1500', currency: 'JPY', contents: [{ id: 'SKU-1', item_price: '1500', quantity: 1 }] }),
    conversion('p-6', adB.ad_id, 1, { value: '9', currency: 'USD' }),
  ];
  const rate = await fetch(`${app.ingressUrl}/v1/exchange-rates`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${app.ingressToken}` }, body: JSON.stringify({ rates: [{ date: '2026-11-25', from: 'JPY', to: 'USD', rate: '0.01' }] }) });
  assert.equal(rate.status, 200);
  assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: all.map((c) => c.touch) })).status, 202);
  await waitFor('the clicks stored', async () => ((await app.db.selectFrom('touchpoints').select('click_id').where('ad_account_id', '=', USD).execute()).length >= all.length ? true : undefined));
  const answer = await postJson(app, '/v1/conversions', { conversions: all.map((c) => c.record) });
  assert.deepEqual([answer.status, answer.body.rejected], [202, []]);
  await waitFor('the conversions attributed', async () => ((await app.db.selectFrom('attributions').select('event_id').where('ad_account_id', '=', USD).execute()).length === all.length ? true : undefined));
});

after(async () => {
  await testApp?.stop();
});

describe('products report', { timeout: 300_000 }, () => {
  it('credits each SKU to the winning pins with units, revenue and cost share under 30 days beside 7', async () => {
    const rows = await products(`ad_account_id=${USD}&${RANGE}&window=30`);
    assert.deepEqual(rows.map((r) => [r.sku, r.currency]), [['SKU-1', 'USD'], ['SKU-1', 'JPY'], ['SKU-2', 'USD'], ['SKU-3', 'USD']], 'one row per SKU and currency; a conversion without products credits none');
    const [sku1, sku1Jpy, sku2, sku3] = rows as [ProductRow, ProductRow, ProductRow, ProductRow];
    // Ad A's product revenue: 30 days 20 + 10 (SKU-1) and 5.5 (SKU-2); 7 days 20 and 5.5.
    // Ad B's: 12 (SKU-1) + 1,500 JPY × 0.01 = 15 (SKU-1 in JPY); SKU-3 has no price: no share.
    assert.deepEqual(sku1.routy, { window_days: 30, conversions: 3, units: 4, revenue: 42, unpriced_conversions: 0, cost_share: cents((spendA * 30 / 35.5 + spendB * 12 / 27) / 1e6) });
    assert.deepEqual(sku1.compare, { window_days: 7, conversions: 2, units: 3, revenue: 32, unpriced_conversions: 0, cost_share: cents((spendA * 20 / 25.5 + spendB * 12 / 27) / 1e6) });
    assert.deepEqual(sku1.pins.map((p) => [p.id, p.pin_id, p.synced, p.conversions, p.units, p.revenue, p.cost_share]), [
      [adA.ad_id, adA.pin_id, true, 2, 3, 30, cents(spendA * 30 / 35.5 / 1e6)],
      [adB.ad_id, adB.pin_id, true, 1, 1, 12, cents(spendB * 12 / 27 / 1e6)],
    ]);
    assert.equal(sku1.account_currency, 'USD');
    assert.deepEqual(sku1Jpy.routy, { window_days: 30, conversions: 1, units: 1, revenue: 1500, unpriced_conversions: 0, cost_share: cents(spendB * 15 / 27 / 1e6) }, 'JPY revenue stays in JPY; its cost share is in USD');
    assert.deepEqual(sku2.routy, { window_days: 30, conversions: 1, units: 1, revenue: 5.5, unpriced_conversions: 0, cost_share: cents(spendA * 5.5 / 35.5 / 1e6) });
    assert.deepEqual(sku3.routy, { window_days: 30, conversions: 1, units: 1, revenue: null, unpriced_conversions: 1, cost_share: null }, 'content_ids only: 1 unit, revenue unknown');
    assert.deepEqual([sku1.pinterest_conversions, sku1.pinterest_conversion_value_micro], [null, null], 'Pinterest reported nothing for SKU-1 (yet)');
    // The window is the account's click window (30) with window=account, and compare moves the second column.
    const account = await products(`ad_account_id=${USD}&${RANGE}&window=account&compare=14`);
    assert.deepEqual([account[0]!.routy.window_days, account[0]!.routy.conversions, account[0]!.compare.window_days, account[0]!.compare.conversions], [30, 3, 14, 3]);
    const seven = await products(`ad_account_id=${USD}&${RANGE}&window=7&compare=1`);
    assert.deepEqual(seven.find((r) => r.sku === 'SKU-1' && r.currency === 'USD')!.pins.map((p) => [p.id, p.conversions]), [[adA.ad_id, 1], [adB.ad_id, 1]]);
    assert.deepEqual(await products(`ad_account_id=${USD}&start_date=2026-11-26&end_date=2026-11-30`), [], 'conversion dates outside the range');
  });

  it('answers CSV and refuses a bad query naming the field', async () => {
    const response = await getWithToken(testApp.app, `/v1/reports/products?ad_account_id=${USD}&${RANGE}&format=csv`);
    assert.equal(response.status, 200);
    const lines = (await response.text()).trim().split('\n');
    assert.equal(lines[0], 'ad_account_id,account_currency,sku,currency,window_days,conversions,units,revenue,unpriced_conversions,cost_share,compare_window_days,compare_conversions,compare_units,compare_revenue,compare_cost_share,pins,pinterest_conversions,pinterest_conversion_value');
    assert.equal(lines[2], `${USD},USD,SKU-1,JPY,30,1,1,1500.00,0,${(spendB * 15 / 27 / 1e6).toFixed(2)},7,1,1,1500.00,${(spendB * 15 / 27 / 1e6).toFixed(2)},${adB.pin_id} (ad ${adB.ad_id}): 1,,`);
    assert.equal(lines[4], `${USD},USD,SKU-3,USD,30,1,1,,1,,7,1,1,,,${adB.pin_id} (ad ${adB.ad_id}): 1,,`);
    const bad = await getWithToken(testApp.app, `/v1/reports/products?${RANGE}&compare=8`);
    assert.equal(bad.status, 400);
    assert.deepEqual(((await bad.json()) as { issues: unknown[] }).issues, [{ field: 'compare', message: 'must be one of 1, 7, 14, 30, 60' }]);
    const document = (await (await fetch(`${testApp.app.ingressUrl}/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters: Array<{ name: string }> } }> };
    assert.deepEqual(document.paths['/v1/reports/products']?.get?.parameters.map((p) => p.name), ['start_date', 'end_date', 'window', 'compare', 'ad_account_id', 'format']);
  });

  it('prints the products table through the CLI: report --level product', async () => {
    const out = await runCli(['report', '--level', 'product', '--from', '2026-11-20', '--to', '2026-11-30', '--ad-account', USD, '--url', testApp.app.ingressUrl], testApp.app);
    const lines = out.split('\n');
    assert.equal(lines[0], `ad account ${USD}, revenue in USD`);
    assert.match(lines[1]!, /^sku\s+conv 30d\s+units 30d\s+revenue USD 30d\s+cost share USD 30d\s+conv 7d\s+revenue USD 7d\s+cost share USD 7d\s+pinterest conv\s+pins/);
    assert.deepEqual(lines[3]!.trim().split(/\s{2,}/), ['SKU-1', '3', '4', '42.00', (cents((spendA * 30 / 35.5 + spendB * 12 / 27) / 1e6)).toFixed(2), '2', '32.00', cents((spendA * 20 / 25.5 + spendB * 12 / 27) / 1e6).toFixed(2), '-', `${adA.pin_id} (2), ${adB.pin_id} (1)`]);
    assert.ok(out.includes(`ad account ${USD}, revenue in JPY`), 'JPY in a block of its own');
    const json = JSON.parse(await runCli(['report', '--level', 'product', '--from', '2026-11-20', '--to', '2026-11-30', '--json', '--url', testApp.app.ingressUrl], testApp.app)) as { rows: ProductRow[] };
    assert.equal(json.rows.length, 4);
    const refused = await failingCli(['report', '--level', 'product', '--window', '8', '--url', testApp.app.ingressUrl], 'a bad window was taken', testApp.app);
    assert.match(refused.stderr, /--window: must be one of 1, 7, 14, 30, 60 or account/);
  });

  it('backfills attribution_products (and the copies of migration 2026-12-05T05-00) from existing attributions exactly as they were written live', async () => {
    const db = testApp.app.db;
    const snapshot = async () => (await sql<Record<string, unknown>>`SELECT * FROM attribution_products ORDER BY event_id, sku`.execute(db)).rows;
    const eventNames = async () => (await sql<Record<string, unknown>>`SELECT event_id, conversion_event_name FROM attributions ORDER BY event_id`.execute(db)).rows;
    const live = await snapshot();
    const liveNames = await eventNames();
    assert.equal(live.length, 6);
    assert.ok(live.every((r) => r.lag_seconds !== null && r.ad_id !== null && r.pin_id !== null), 'products carry their touch\'s lag, ad and pin');
    assert.ok(liveNames.length > 0 && liveNames.every((r) => r.conversion_event_name === 'checkout'));
    const migration = await import('../../migrations/2026-12-05T02-00-attribution-products');
    // The later migration copies lag, ad and pin onto products and event names onto attributions.
    const copies = await import('../../migrations/2026-12-05T05-00-attribution-event-names');
    await copies.down(db);
    await migration.down(db);
    await migration.up(db);
    await copies.up(db);
    assert.deepEqual(await snapshot(), live);
    assert.deepEqual(await eventNames(), liveNames);
  });
  it("puts Pinterest's SKU figures beside Routy's: the report's weeks lying wholly inside the range", async () => {
    const week = (date: string, periodEnd: string, conversions: number, valueMicro: number) => ({
      ad_account_id: USD, source: 'sku' as const, product_key: 'SKU-1', date, period_end_date: periodEnd, click_window_days: 30, engagement_window_days: 30,
      view_window_days: 1, conversion_report_time: 'TIME_OF_AD_ACTION', currency: 'USD', spend_micro: null, impressions: null, clicks: null,
      conversions, conversion_value_micro: valueMicro, is_partial: false, columns: '{}', pulled_at: new Date(),
    });
    // Inside 2026-11-20..30: the week of Monday 11-23. The weeks of 11-16 and 11-30 reach outside it; another window's row is not ours.
    await testApp.app.db.insertInto('product_metrics_daily').values([
      week('2026-11-23', '2026-11-29', 4, 61_000_000), week('2026-11-16', '2026-11-22', 9, 1), week('2026-11-30', '2026-12-06', 7, 1),
      { ...week('2026-11-23', '2026-11-29', 5, 1), click_window_days: 7 },
    ] as never).execute();
    const rows = await products(`ad_account_id=${USD}&${RANGE}&window=30`);
    const sku1 = rows.find((r) => r.sku === 'SKU-1' && r.currency === 'USD')!;
    assert.deepEqual([sku1.pinterest_conversions, sku1.pinterest_conversion_value_micro], [4, 61_000_000]);
    assert.deepEqual(rows.filter((r) => r !== sku1).map((r) => r.pinterest_conversions), [null, null, null], 'once per SKU, and null for SKUs Pinterest reported nothing for');
  });
});
