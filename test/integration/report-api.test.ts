// Reports on real parts (a Temporal dev server, a fresh PostgreSQL database, our worker and
// ingress, the Pinterest emulator): cost per conversion and the slow-burn curve over HTTP as JSON
// and CSV and from the CLI, and the channel-agnostic view, over conversions this file sets up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import type { ReportRow } from '../../reports/performance-report';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { failingCli, runCli } from '../support/cli';
import { waitFor } from '../support/wait';

const DAY_MS = 86_400_000;
const ACCOUNT = DEMO_AD_ACCOUNT_ID;
/** The one clock reading every event time and date range in this file is set from. */
const NOW = Date.now();
const at = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();
const TODAY = at(0).slice(0, 10);
const START = at(29 * DAY_MS).slice(0, 10);

let testApp: ConnectedTestApp;

// Lags of half days sit mid-way in a lag day: the assertions hold however a lag is rounded to days.
// Spring Patio Refresh (campaign ...501, pin ...603): two conversions 20.5 days after one click.
// Holiday Tablescapes (campaign ...502, ad ...905): one conversion 2.5 days after its click.
before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
  const { app } = testApp;
  const conversionAt = 60_000;
  const touchpoints = [
    { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(conversionAt + 20.5 * DAY_MS), click_id: 'epik-patio', pin_id: '987654321012345603' },
    { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(conversionAt + 2.5 * DAY_MS), click_id: 'epik-tablescapes', ad_id: '687195905905' },
  ];
  assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints })).status, 202);
  const conversion = (eventId: string, clickId: string) => ({ event_id: eventId, event_name: 'checkout', event_time: at(conversionAt), ad_account_id: ACCOUNT, click_id: clickId });
  const conversions = [conversion('patio-1', 'epik-patio'), conversion('patio-2', 'epik-patio'), conversion('tablescapes-1', 'epik-tablescapes')];
  assert.equal((await postJson(app, '/v1/conversions', { conversions })).status, 202);
  await waitFor('the three attributions', async () => {
    const rows = await app.db.selectFrom('attributions').select('event_id').where('event_id', 'in', conversions.map((c) => c.event_id)).execute();
    return rows.length === 3 ? true : undefined;
  });
});

after(() => testApp?.stop());

describe('reports', { timeout: 300_000 }, () => {
  it('reports cost per conversion by campaign under 30 days beside 7 days, as JSON, CSV and a CLI table', async () => {
    const { app } = testApp;
    const query = `level=campaign&window=30&compare=7&start_date=${START}&end_date=${TODAY}`;
    const json = (await (await getWithToken(app, `/v1/reports/performance?${query}`)).json()) as { rows: ReportRow[] };
    const patio = json.rows.find((r) => r.id === '626736533501')!;
    // Both came 20.5 days after their click: counted under 30 days, not under 7.
    assert.equal(patio.routy.conversions, 2);
    assert.equal(patio.compare?.conversions, 0);
    assert.equal(patio.currency, 'USD');
    assert.ok(patio.spend !== null && patio.spend > 0 && patio.routy.cost_per_conversion === Math.round((patio.spend / 2) * 100) / 100);
    const tablescapes = json.rows.find((r) => r.id === '626736533502')!;
    assert.deepEqual([tablescapes.routy.conversions, tablescapes.compare?.conversions], [1, 1], 'tablescapes-1 came 2.5 days after its click');
    const bad = await getWithToken(app, `/v1/reports/performance?level=brand&window=3&start_date=${TODAY}&end_date=${START}`);
    assert.equal(bad.status, 400);
    // Every fault at once, the reversed range included.
    assert.deepEqual(((await bad.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field).sort(), ['level', 'start_date', 'window']);
    for (const [fault, field] of [['start_date=0000-01-01', 'start_date'], ['window=0x1e', 'window'], ['compare=07', 'compare'], ['levle=pin', 'levle']] as const) {
      const refused = await getWithToken(app, `/v1/reports/performance?start_date=${START}&end_date=${TODAY}&${fault}`);
      assert.equal(refused.status, 400, fault);
      assert.deepEqual(((await refused.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field), [field], fault);
    }
    const undated = await getWithToken(app, '/v1/reports/performance?level=pin');
    assert.deepEqual(((await undated.json()) as { issues: unknown }).issues, [
      { field: 'start_date', message: 'is required' },
      { field: 'end_date', message: 'is required' },
    ]);
    const csv = await (await getWithToken(app, `/v1/reports/performance?${query}&format=csv`)).text();
    assert.match(csv.split('\n')[0]!, /^ad_account_id,currency,level,id,pin_id,name,spend,/);
    assert.match(csv, /549764105221,USD,campaign,626736533501,,Spring Patio Refresh,[\d.]+,\d+,\d+,\d+,\d+,WEB_CONVERSION,true,30,2,/);
    const stdout = await runCli(['report', '--level', 'campaign', '--window', '30', '--compare', '7', '--url', app.ingressUrl], app);
    assert.match(stdout, /conv 30d\s+revenue 30d\s+cost\/conv 30d\s+ROAS 30d\s+conv 7d\s+cost\/conv 7d/);
    assert.match(stdout, /626736533501\s+Spring Patio Refresh\s+[\d.]+\s+2\s+0\.00\s+[\d.]+\s+[\d.-]+\s+0\s+-/);
  });

  it('draws the slow-burn curve: the share of conversions by lag day, and after day 7', async () => {
    const { app } = testApp;
    const response = await getWithToken(app, `/v1/reports/slow-burn?level=campaign&window=30&start_date=${START}&end_date=${TODAY}`);
    const { rows } = (await response.json()) as { rows: Array<{ id: string; conversions: number; cumulative_share: number[]; share_after_day_7: number }> };
    const patio = rows.find((r) => r.id === '626736533501')!;
    assert.equal(patio.conversions, 2);
    assert.equal(patio.cumulative_share.length, 31);
    assert.equal(patio.cumulative_share[19], 0, 'both at 20.5 days: not within 19 days');
    assert.equal(patio.cumulative_share[21], 1, 'both within 21 days');
    assert.equal(patio.share_after_day_7, 1);
    const tablescapes = rows.find((r) => r.id === '626736533502')!;
    assert.deepEqual([tablescapes.cumulative_share[1], tablescapes.cumulative_share[3], tablescapes.share_after_day_7], [0, 1, 0]);

    const csv = await (await getWithToken(app, `/v1/reports/slow-burn?level=campaign&window=7&start_date=${START}&end_date=${TODAY}&format=csv`)).text();
    assert.equal(csv.split('\n')[0], 'ad_account_id,level,id,name,conversions,share_after_day_7,share_by_day_0,share_by_day_1,share_by_day_2,share_by_day_3,share_by_day_4,share_by_day_5,share_by_day_6,share_by_day_7');
    // Day 2 holds the 2.5-day lag when lags round down, day 3 when they round up.
    assert.match(csv, /\n549764105221,campaign,626736533502,Holiday Tablescapes,1,0,0,0,[01],1,1,1,1,1\n/);
    const badFormat = await getWithToken(app, `/v1/reports/slow-burn?start_date=${START}&end_date=${TODAY}&format=xlsx`);
    assert.equal(badFormat.status, 400);
    assert.deepEqual(((await badFormat.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field), ['format']);
    const stdout = await runCli(['slow-burn', '--level', 'campaign', '--window', '30', '--url', app.ingressUrl], app);
    assert.match(stdout, /campaign\s+name\s+conversions\s+by day 1\s+by day 7\s+by day 14\s+by day 30\s+after day 7/);
    assert.match(stdout, /626736533501\s+Spring Patio Refresh\s+2\s+0%\s+0%\s+0%\s+100%\s+100%\s+(?:▁{20}█{11}|▁{21}█{10})\s*$/m);
  });

  it('the CLI names the flag at fault, and says so when --url is some other web server', async () => {
    const { app } = testApp;
    // The service refuses `start_date`; the CLI names the flag that was typed.
    const refused = await failingCli(['slow-burn', '--from', '2026-13-01', '--url', app.ingressUrl], 'a month 13 was accepted', app);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^--from: /m);
    assert.doesNotMatch(refused.stderr, /start_date/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, `one message for one broken date: ${refused.stderr}`);
    const reversed = await failingCli(['report', '--from', '2026-11-20', '--to', '2026-11-10', '--url', app.ingressUrl], 'a range ending before it starts was accepted', app);
    assert.equal(reversed.stderr.trim(), '--from: must not be after --to');
    // An empty value is refused by name, not taken as "every ad account".
    const empty = await failingCli(['report', '--ad-account', '', '--url', app.ingressUrl], 'an empty --ad-account was accepted', app);
    assert.equal(empty.stderr.trim(), '--ad-account: must be 1 to 19 digits');
    // A --url that is some other web server: one clear line, not a JSON parse stack.
    const other = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>hi</p>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      for (const args of [['slow-burn'], ['report', '--csv'], ['conversion', 'patio-1']]) {
        const wrong = await failingCli([...args, '--url', otherUrl], `${args.join(' ')} took an HTML page for an answer`);
        assert.equal(wrong.code, 1);
        assert.equal(wrong.stderr.trim(), `${otherUrl} answered text/html where ${args.includes('--csv') ? 'text/csv' : 'application/json'} was expected: is --url (or ROUTY_URL) this service?`);
      }
    } finally {
      other.close();
    }
  });

  it('fills the channel-agnostic view another channel could fill too', async () => {
    const { app } = testApp;
    const { rows } = await sql<{ channel: string; conversions: string; spend: string; currency: string; attribution_rule: string }>`
      SELECT channel, currency, attribution_rule, sum(conversions) AS conversions, sum(spend) AS spend
      FROM channel_performance WHERE campaign_id = '626736533501' AND date >= current_date - 29
      GROUP BY channel, currency, attribution_rule`.execute(app.db);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.channel, 'pinterest');
    assert.equal(rows[0]!.currency, 'USD');
    assert.equal(Number(rows[0]!.conversions), 2);
    assert.ok(Number(rows[0]!.spend) > 0);
    assert.match(rows[0]!.attribution_rule, /^click 30d, engagement 30d, view 1d;/);
  });
});
