// Analytics columns on real parts (dev server, PostgreSQL, worker, ingress, the emulator): the
// columns every pull now asks for, and an account's extra columns per level through the validated
// `setAnalyticsColumns` update, from the request Pinterest gets to the metrics row's JSON and the
// report's CSV.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import type { ReportRow } from '../../reports/performance-report';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken } from '../support/ingress-requests';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const spec = sharedFile('pinterest/openapi-v5.yaml');
const AD_EXTRA = ['TOTAL_VIEW_ADD_TO_CART', 'CTR', 'AD_NAME', 'PIN_ID'];
const CAMPAIGN_EXTRA = ['TOTAL_ADD_TO_WISHLIST', 'CAMPAIGN_NAME'];

let testApp: ConnectedTestApp;
const app = () => testApp.app;

/** Rows of a CSV answer (quoted cells with commas and doubled quotes), header first; no newline inside cells. */
function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((line) => {
    const cells = [''];
    let quoted = false;
    for (let i = 0; i < line.length; i += 1) {
      const ch = line[i]!;
      if (quoted && ch === '"' && line[i + 1] === '"') {
        cells[cells.length - 1] += '"';
        i += 1;
      } else if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) cells.push('');
      else cells[cells.length - 1] += ch;
    }
    return cells;
  });
}

/** The account's metrics rows of one level pulled under its settings (the connect-time defaults). */
const metricRows = (level: string) =>
  app().db.selectFrom('metrics_daily').select(['entity_id', 'date', 'columns']).where('ad_account_id', '=', ACCOUNT).where('level', '=', level).where('click_window_days', '=', 30).where('view_window_days', '=', 1).execute();

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
});

after(() => testApp?.stop());

describe('analytics columns', { timeout: 300_000 }, () => {
  it('pulls and stores the 3-second view splits, the video quartiles and click add-to-cart, and they reconcile across levels', async () => {
    const ads = await metricRows('ad');
    const video = ads.filter((r) => 'VIDEO_3SEC_VIEWS_1' in r.columns);
    assert.ok(video.length > 20, `video rows: ${video.length}`);
    for (const { columns: c } of video) {
      assert.equal(Number(c.VIDEO_3SEC_VIEWS_1) + Number(c.VIDEO_3SEC_VIEWS_2), c.TOTAL_VIDEO_3SEC_VIEWS);
      const quartiles = ['TOTAL_VIDEO_3SEC_VIEWS', 'TOTAL_VIDEO_P25_COMBINED', 'TOTAL_VIDEO_P50_COMBINED', 'TOTAL_VIDEO_P75_COMBINED', 'TOTAL_VIDEO_P95_COMBINED', 'TOTAL_VIDEO_P100_COMPLETE'].map((k) => Number(c[k]));
      assert.deepEqual([...quartiles].sort((a, b) => b - a), quartiles, 'viewers fall off from quartile to quartile');
    }
    assert.ok(ads.every((r) => typeof r.columns.TOTAL_CLICK_ADD_TO_CART === 'number'), 'add-to-cart on every ad row');
    const total = (rows: typeof ads, column: string) => rows.reduce((sum, r) => sum + Number(r.columns[column] ?? 0), 0);
    const campaigns = await metricRows('campaign');
    for (const column of ['VIDEO_3SEC_VIEWS_1', 'TOTAL_VIDEO_P50_COMBINED', 'TOTAL_CLICK_ADD_TO_CART']) {
      assert.ok(total(ads, column) > 0, column);
      assert.equal(total(campaigns, column), total(ads, column), `${column}: campaigns add up to their ads`);
    }
  });

  it('refuses unknown column names by name and position, and a level the project does not pull, storing nothing', async () => {
    await assert.rejects(app().client.setAnalyticsColumns(ACCOUNT, { level: 'ad', columns: ['CTR', 'TOTAL_CHECKOUT', 'FOO'] }), {
      message: 'columns.2: "FOO" is not a Pinterest analytics column',
    });
    await assert.rejects(app().client.setAnalyticsColumns(ACCOUNT, { level: 'pin' as 'ad', columns: ['CTR'] }), { message: 'level: must be one of campaign, ad_group, ad' });
    assert.deepEqual(await app().db.selectFrom('ad_account_analytics_columns').selectAll().execute(), []);
  });

  it('asks for extra columns per level, keeps them in the row JSON and exports them as CSV columns', async () => {
    const { client } = app();
    assert.deepEqual(await client.setAnalyticsColumns(ACCOUNT, { level: 'ad', columns: [...AD_EXTRA, 'CTR'] }), { ad: AD_EXTRA });
    assert.deepEqual(await client.setAnalyticsColumns(ACCOUNT, { level: 'campaign', columns: CAMPAIGN_EXTRA }), { campaign: CAMPAIGN_EXTRA, ad: AD_EXTRA });
    const seen = app().pinterest.emulator.exchanges.length;
    const pullsBefore = (await client.status(ACCOUNT)).counters.pulls;
    await client.pullNow(ACCOUNT);
    await waitFor('the pull with the extra columns', async () => ((await client.status(ACCOUNT)).counters.pulls > pullsBefore ? true : undefined));

    const calls = app().pinterest.emulator.exchanges.slice(seen).filter((e) => e.route.endsWith('/analytics'));
    const asked = (level: string) => calls.filter((e) => e.route.endsWith(`/${level}/analytics`)).map((e) => String(e.query.columns).split(','));
    assert.ok(asked('ads').length > 0 && asked('ads').every((columns) => AD_EXTRA.every((c) => columns.includes(c)) && !columns.includes('CAMPAIGN_NAME')));
    assert.ok(asked('campaigns').every((columns) => CAMPAIGN_EXTRA.every((c) => columns.includes(c)) && !columns.includes('CTR')));
    assert.ok(asked('ad_groups').length > 0 && asked('ad_groups').every((columns) => !columns.includes('CTR') && !columns.includes('CAMPAIGN_NAME')), 'a level without extra columns asks for the fixed set');
    if (!spec.skip) assert.deepEqual(calls.flatMap((exchange) => new OpenApiChecker(spec.path!).check(exchange)), [], 'requests and answers conform to the spec');

    // The last 7 days were all pulled with the extra columns (the pull re-reads 30).
    const end = (await app().db.selectFrom('metrics_daily').select(sql<string>`max(date)::text`.as('d')).where('ad_account_id', '=', ACCOUNT).executeTakeFirstOrThrow()).d;
    const start = new Date(Date.parse(end) - 6 * 86_400_000).toISOString().slice(0, 10);
    const ads = (await metricRows('ad')).filter((r) => r.date >= start);
    const inRange = ads.filter((r) => 'TOTAL_VIEW_ADD_TO_CART' in r.columns);
    assert.ok(inRange.length > 20 && inRange.length === ads.length, 'every row of the last 7 days has the extra columns');
    for (const { columns: c } of inRange) {
      assert.equal(typeof c.TOTAL_VIEW_ADD_TO_CART, 'number');
      assert.equal(c.CTR, Math.round((Number(c.CLICKTHROUGH_1) / Number(c.IMPRESSION_1)) * 1e6) / 1e6);
      assert.match(String(c.AD_NAME), /: /);
    }
    const campaignRow = (await metricRows('campaign')).find((r) => 'CAMPAIGN_NAME' in r.columns)!;
    assert.equal(typeof campaignRow.columns.TOTAL_ADD_TO_WISHLIST, 'number');

    const sums = await sql<{ entity_id: string; total: string }>`
      SELECT entity_id, sum((columns->>'TOTAL_VIEW_ADD_TO_CART')::numeric)::text AS total FROM metrics_daily
      WHERE ad_account_id = ${ACCOUNT} AND level = 'ad' AND click_window_days = 30 AND view_window_days = 1 AND date BETWEEN ${start}::date AND ${end}::date
      GROUP BY entity_id`.execute(app().db);
    const query = `level=pin&start_date=${start}&end_date=${end}&ad_account_id=${ACCOUNT}`;
    const csv = parseCsv(await (await getWithToken(app(), `/v1/reports/performance?${query}&format=csv`)).text());
    const header = csv[0]!;
    assert.deepEqual(header.slice(-AD_EXTRA.length), AD_EXTRA);
    const at = (name: string) => header.indexOf(name);
    const adRows = csv.slice(1).filter((cells) => cells[at('synced')] === 'true');
    const delivered = adRows.filter((cells) => sums.rows.some((s) => s.entity_id === cells[at('id')]));
    assert.equal(delivered.length, sums.rows.length, 'every ad with rows in the range has a CSV row');
    for (const cells of delivered) {
      assert.equal(cells[at('TOTAL_VIEW_ADD_TO_CART')], sums.rows.find((s) => s.entity_id === cells[at('id')])!.total, `ad ${cells[at('id')]}: the sum over the range`);
      assert.match(cells[at('AD_NAME')]!, /: /, 'a name: the value of the latest day');
      assert.ok(Number(cells[at('CTR')]) > 0 && Number(cells[at('CTR')]) < 1, 'a rate: the latest day, not a sum');
    }
    // Ads of the archived campaign delivered nothing in the range: their extra cells are empty.
    assert.ok(adRows.length > delivered.length);
    for (const cells of adRows.filter((c) => !delivered.includes(c))) assert.deepEqual(AD_EXTRA.map((c) => cells[at(c)]), ['', '', '', '']);
    const json = (await (await getWithToken(app(), `/v1/reports/performance?${query}`)).json()) as { rows: ReportRow[] };
    assert.deepEqual(Object.keys(json.rows[0]!.extra_columns!), AD_EXTRA);
    // Ids stay strings, digit for digit (18-digit pin ids are past a JS number's precision).
    const withPins = json.rows.filter((r) => r.extra_columns?.PIN_ID != null);
    assert.ok(withPins.length > 0);
    for (const r of withPins) assert.equal(r.extra_columns!.PIN_ID, r.pin_id, `ad ${r.id}: PIN_ID as the pin's id`);
    for (const cells of delivered) assert.equal(cells[at('PIN_ID')], adRows.length && json.rows.find((r) => r.id === cells[at('id')])?.pin_id, 'the CSV keeps the id too');
    const campaignCsv = parseCsv(await (await getWithToken(app(), `/v1/reports/performance?level=campaign&start_date=${start}&end_date=${end}&format=csv`)).text());
    assert.deepEqual(campaignCsv[0]!.slice(-2), CAMPAIGN_EXTRA);
    const adGroupCsv = parseCsv(await (await getWithToken(app(), `/v1/reports/performance?level=ad_group&start_date=${start}&end_date=${end}&format=csv`)).text());
    assert.equal(adGroupCsv[0]!.at(-1), 'unconverted', 'no extra columns at a level without any');
  });
});
