// The report page in headless Chromium (Debian's chromium through playwright-core), on the whole
// service fed with the demo's traffic: charts drawn, tables filled, the token asked for, and no
// error in the browser console (a Content-Security-Policy violation would show there). The page's
// headers and the folder it is served from are checked without a browser, so never skipped.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { feedDemoTraffic } from '../../demo/demo-traffic';
import { countProductMetricRows } from '../../store/product-metrics-store';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
const TOKEN = 'report-page-test-token';
/** Where the screenshot is saved (git-ignored). */
export const SCREENSHOT = fileURLToPath(new URL('../output/report-page.png', import.meta.url));

let testApp: TestApp;
let browser: Browser;

before(async () => {
  testApp = await startTestApp({ ROUTY_INGRESS_TOKEN: TOKEN });
});
after(() => testApp?.stop());

/** Opens a page and collects what the browser logs as an error. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  return { page, errors };
}

describe('report page in the browser', { skip, timeout: 180_000 }, () => {
  before(async () => {
    const [adAccountId] = await connectThroughOAuth(testApp.app);
    await waitFor('the first pull', async () => ((await testApp.app.client.status(adAccountId!)).counters.pulls >= 1 ? true : undefined));
    await feedDemoTraffic(testApp.app, adAccountId!, 120);
    // Pinterest's SKU figures (the brand / category / SKU report after the first pull) for the products view.
    await waitFor('the SKU report', async () => ((await countProductMetricRows(testApp.app.db, adAccountId!, 'sku')) > 0 ? true : undefined));
    // A target the demo's slow-burn pins meet under 30 days and miss under 7: the alerts panel has rows.
    const asked = new Date().toISOString();
    await testApp.app.client.setCpaTargets(adAccountId!, { account: 60 });
    await waitFor('the CPA alert evaluation', async () => ((await testApp.app.client.status(adAccountId!)).cpa_alerts?.evaluated_at ?? '') >= asked ? true : undefined);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
    });
  });
  after(() => browser?.close());

  it('draws cost per conversion under 30 days beside 7, and the lag curve, from the API', async () => {
    const { page, errors } = await open(`${testApp.app.ingressUrl}/reports?level=campaign&window=30&compare=7#token=${TOKEN}`);
    await page.waitForSelector('body[data-loaded="true"]');
    assert.equal(page.url().includes(TOKEN), false, 'the token leaves the address bar');
    assert.equal(await page.isVisible('#token-form'), false, 'no token form once the token works');

    assert.match(await page.textContent('.window-label') ?? '', /30-day against 7-day window/);
    const header = await page.$$eval('#performance-table thead th', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(header.slice(8, 14), ['Conv 30d', 'Revenue 30d', 'Cost/conv 30d', 'ROAS 30d', 'Conv 7d', 'Cost/conv 7d']);
    const rows = await page.$$eval('#performance-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    const patio = rows.find((r) => r[1] === 'Spring Patio Refresh');
    assert.ok(patio, `campaign rows: ${rows.map((r) => r[1]).join(', ')}`);
    const [conv30, cost30, conv7] = [Number(patio[8]), Number(patio[10]), Number(patio[12])];
    assert.ok(conv30 > conv7 && conv7 > 0, `more conversions under 30 days (${conv30}) than under 7 (${conv7})`);
    assert.equal(cost30, Math.round((Number(patio[3]) / conv30) * 100) / 100, 'cost per conversion is spend / conversions');
    assert.deepEqual(header.slice(15), ['Difference', 'Why they differ', 'Other currencies', 'Objective', 'Performance+']);
    assert.deepEqual([patio[18], patio[19]], ['WEB_CONVERSION', 'yes'], 'the seed makes Spring Patio Refresh a Performance+ campaign');
    assert.match(patio[16]!, /view-through outside Routy's touchpoints \d+/);

    // The charts are real Chart.js charts with the numbers of the table.
    // Evaluated in the page (this project compiles without the DOM library, so as source text).
    const bars = (await page.evaluate(`(() => {
      const chart = Chart.getChart(document.querySelector('#cost-charts canvas'));
      return { labels: chart.data.labels, datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) };
    })()`)) as { labels: string[]; datasets: Array<{ label: string; data: Array<number | null> }> };
    assert.deepEqual(bars.datasets.map((d) => d.label), ['7-day window', '30-day window']);
    const at = bars.labels.indexOf('Spring Patio Refresh');
    assert.equal(bars.datasets[1]!.data[at], cost30);
    const curve = (await page.evaluate(`(() => {
      const chart = Chart.getChart('curve-chart');
      return { days: chart.data.labels.length, lines: chart.data.datasets.map((d) => d.data) };
    })()`)) as { days: number; lines: number[][] };
    assert.equal(curve.days, 31, 'lag days 0 to 30');
    assert.ok(curve.lines.length >= 2);
    for (const line of curve.lines) {
      assert.equal(line.at(-1), 100, 'every curve ends at 100 %');
      assert.ok(line.every((v, i) => i === 0 || v >= line[i - 1]!), 'cumulative curves never fall');
    }
    const curveRows = await page.$$eval('#curve-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    assert.ok(curveRows.some((r) => r[1] === 'Spring Patio Refresh' && /%$/.test(r[7]!)));

    // The products view: the demo's SKUs with Routy's figures under both windows and their pins.
    const productHeader = await page.$$eval('#products-table thead th', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(productHeader, ['SKU', 'Pins', 'Currency', 'Conv 30d', 'Units 30d', 'Revenue 30d', 'Cost share 30d', 'Conv 7d', 'Revenue 7d', 'Cost share 7d', 'Pinterest conv', 'Pinterest value']);
    const productRows = await page.$$eval('#products-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    assert.ok(productRows.length >= 3, `product rows: ${productRows.map((r) => r[0]).join(', ')}`);
    for (const [sku, pins, currency, conv30, units30, , , conv7, , , pinterestConv] of productRows) {
      assert.match(sku!, /^EVG100\d$/);
      assert.match(pins!, /^\d{18} \(\d+\)/);
      assert.equal(currency, 'USD');
      assert.ok(Number(units30) >= Number(conv30) && Number(conv30) >= Number(conv7), `${sku}: units ${units30} >= conv 30d ${conv30} >= conv 7d ${conv7}`);
      assert.ok(Number(pinterestConv) > 0, `${sku}: Pinterest's conversions ${pinterestConv}`);
    }

    // The alerts panel, above the table: the open alerts of GET /v1/alerts, newest first.
    const api = (await (await fetch(`${testApp.app.ingressUrl}/v1/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { alerts: Array<{ pin_id: string | null; entity_id: string; name: string; level: string; direction: string; cpa_30d: number; cpa_7d: number | null; target: number }> };
    assert.ok(api.alerts.length >= 1, 'the target of 60 USD raises alerts on the demo data');
    const alertRows = await page.$$eval('#alerts-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    assert.deepEqual(
      alertRows.map((r) => r.slice(0, 7)),
      api.alerts.map((a) => [a.pin_id ?? a.entity_id, a.name, a.direction === 'pays_back_long' ? 'pays back within 30 days, not 7' : 'pays back within 7 days, not 30', a.level, a.cpa_30d.toFixed(2), a.cpa_7d === null ? '–' : a.cpa_7d.toFixed(2), '60.00 USD']),
    );
    assert.equal(await page.isVisible('#alerts-empty'), false);
    const [panel, table] = await Promise.all([page.locator('#alerts-section').boundingBox(), page.locator('#performance-table').boundingBox()]);
    assert.ok(panel!.y + panel!.height <= table!.y, 'the alerts panel is above the table');

    await mkdir(new URL('../output/', import.meta.url), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('switches to pins and asks for the token when it has none or a wrong one', async () => {
    const { page, errors } = await open(`${testApp.app.ingressUrl}/reports?level=pin&window=14&compare=1&curve_level=pin`);
    await page.waitForSelector('#token-form', { state: 'visible' });
    assert.match((await page.textContent('#message')) ?? '', /token is missing or wrong/);
    await page.fill('#token-form input[name=token]', 'not-the-token');
    await page.click('#token-form button');
    await page.waitForSelector('body[data-loaded="error"]');
    await page.fill('#token-form input[name=token]', TOKEN);
    await page.click('#token-form button');
    await page.waitForSelector('body[data-loaded="true"]');
    const header = await page.$$eval('#performance-table thead th', (cells) => cells.map((c) => c.textContent));
    assert.equal(header[8], 'Conv 14d');
    const ids = await page.$$eval('#performance-table tbody tr td:first-child', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.ok(ids.length >= 8 && ids.every((id) => /^\d{18}$/.test(id)), `pin ids: ${ids.join(', ')}`);
    // Bad dates come back as the API's field error, shown on the page.
    await page.fill('#controls input[name=start_date]', '2026-12-31');
    await page.fill('#controls input[name=end_date]', '2026-01-01');
    await page.click('#controls button');
    await page.waitForSelector('#message.error');
    assert.match((await page.textContent('#message')) ?? '', /start_date: must not be after end_date/);
    assert.equal(await page.locator('#performance-table tbody tr').count(), 0, 'no stale rows under the error');
    // 401 answers are logged by the browser as failed resources; nothing else may be.
    assert.deepEqual(errors.filter((e) => !/401|400/.test(e)), []);
    await page.close();
  });
});

// These need no browser: they run without Chromium too.
describe('report page files', { timeout: 60_000 }, () => {
  it('serves the page with a strict Content-Security-Policy and Chart.js from the installed package', async () => {
    const page = await fetch(`${testApp.app.ingressUrl}/reports`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<canvas id="curve-chart"/);
    const chart = await fetch(`${testApp.app.ingressUrl}/reports/vendor/chart.umd.min.js`);
    assert.equal(chart.status, 200);
    assert.match(await chart.text(), /Chart\.js v4/);
  });

  it('serves nothing outside the page folder, however the path is spelled', async () => {
    // Sent as typed (fetch would normalise them): each tries to reach http/ingress-server.ts.
    const raw = (requestPath: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get(`${testApp.app.ingressUrl}${requestPath}`, (response) => {
            let body = '';
            response.on('data', (chunk) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    assert.equal((await raw('/reports/assets/report-page.css')).status, 200, 'the folder itself is served');
    for (const attempt of [
      '/reports/assets/../ingress-server.ts',
      '/reports/assets/%2e%2e/ingress-server.ts',
      '/reports/assets/..%2fingress-server.ts',
      '/reports/assets/%2e%2e%2fingress-server.ts',
      '/reports/assets//../ingress-server.ts',
      '/reports/assets/.%2e/ingress-server.ts',
      '/reports/assets/..%5cingress-server.ts',
      '/reports/assets/%ff/../../ingress-server.ts',
      '/reports/assets/%00/../ingress-server.ts',
    ]) {
      const { status, body } = await raw(attempt);
      assert.ok(status >= 400, `${attempt} answered ${status}`);
      assert.doesNotMatch(body, /buildIngressServer/, attempt);
      // Our error shape, whichever layer refused it.
      assert.equal(typeof (JSON.parse(body) as { error?: unknown }).error, 'string', `${attempt}: ${body}`);
    }
  });
});
