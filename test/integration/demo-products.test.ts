// `npm run demo -- --json` as a user runs it (its own process, embedded PGlite and dev server):
// the JSON's `products` come from the demo shop's orders, which carry `contents` with SKUs, and its
// `alerts` from the CPA target the demo sets.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { DemoReport } from '../../demo/demo-report';
import { SEED_CATALOG } from '../../emulator/product-seed';

const exec = promisify(execFile);

describe('demo --json', { timeout: 400_000 }, () => {
  it('adds products: per SKU, conversions, units, revenue, cost share and pins, under 30 days beside 7', async () => {
    const { stdout } = await exec('node', ['--import', 'tsx', 'demo/demo.ts', '--json', '--users', '60'], {
      env: { ...process.env, ROUTY_SDK_METRICS_PORT: '0', ROUTY_DEMO_CPA_TARGET: '75' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 380_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as DemoReport;
    // The demo shop sells the emulator's catalog.
    const skus = SEED_CATALOG.map((p) => p.sku).sort();
    assert.deepEqual(report.products.map((p) => p.sku), skus, 'every catalog product was bought, one row each (all USD), sorted by SKU');
    // Pinterest's brand / category / SKU report lines up with the demo's SKUs: its figures beside Routy's on every row.
    for (const row of report.product_rows) {
      assert.ok(row.pinterest_conversions !== null && row.pinterest_conversions > 0, `${row.sku}: Pinterest's conversions ${row.pinterest_conversions}`);
      assert.ok(row.pinterest_conversion_value_micro !== null && row.pinterest_conversion_value_micro > 0, `${row.sku}: Pinterest's value ${row.pinterest_conversion_value_micro}`);
    }
    // Every attributed order carries one or two products: the SKU rows add up to between 1 and 2 per attributed conversion.
    const credited = report.products.reduce((n, p) => n + p.conversions, 0);
    assert.ok(credited >= report.counts.attributed && credited <= 2 * report.counts.attributed, `${credited} SKU conversions for ${report.counts.attributed} attributed`);
    for (const p of report.products) {
      assert.equal(p.currency, 'USD');
      assert.ok(p.units >= p.conversions && p.conversions >= p.conversions_7d, `${p.sku}: units ${p.units}, conversions ${p.conversions}, under 7 days ${p.conversions_7d}`);
      assert.ok(p.revenue !== null && p.revenue > 0 && p.cost_share !== null && p.cost_share > 0, `${p.sku}: revenue ${p.revenue}, cost share ${p.cost_share}`);
      assert.ok(p.pins.length >= 1 && p.pins.every((pin) => /^\d{18}$/.test(pin)), `${p.sku}: pins ${p.pins.join(', ')}`);
    }
    assert.equal(report.product_rows.length, report.products.length);
    assert.ok(stdout.includes('Per product (SKU)'), 'the text report prints the products table');

    // The target the demo set (ROUTY_DEMO_CPA_TARGET): every pin and campaign whose 30-day cost per
    // conversion is at or under it while its 7-day one is over it (or has no conversions) has an alert.
    assert.equal(report.cpa_targets.account, 75);
    const expected = [...report.campaigns, ...report.pins]
      .filter((r) => r.spend !== null && r.routy.cost_per_conversion !== null && r.routy.cost_per_conversion <= 75 && (r.compare!.cost_per_conversion === null || r.compare!.cost_per_conversion > 75))
      .map((r) => `${r.level}:${r.id}:${r.routy.cost_per_conversion}:${r.compare!.cost_per_conversion}:${r.spend}`)
      .sort();
    assert.ok(expected.length >= 1, 'the demo data has a slow-burn pin that pays back within 30 days but not 7');
    assert.deepEqual(report.alerts.map((a) => `${a.level}:${a.entity_id}:${a.cpa_30d}:${a.cpa_7d}:${a.spend}`).sort(), expected);
    assert.ok(report.alerts.every((a) => a.direction === 'pays_back_long' && a.target === 75 && a.currency === 'USD' && a.cleared_at === null));
    assert.ok(stdout.includes('CPA alerts at a target of 75 USD per conversion'), 'the text report prints the alerts');
  });
});
