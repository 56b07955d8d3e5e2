// Reports over conversions in several currencies, on real parts (dev server, PostgreSQL, worker,
// ingress, emulator): a USD account in Pacific/Auckland (ahead of UTC) with USD, JPY (with rates)
// and GBP (without) conversions, and a EUR account in America/Los_Angeles (behind UTC) with a USD
// one; exchange rates loaded through the API and the CLI; conversions credited to unsynced ads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { sql } from 'kysely';
import { buildSeed } from '../../emulator/seed';
import type { ReportRow } from '../../reports/performance-report';
import type { SlowBurnRow } from '../../reports/slow-burn-report';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken } from '../support/ingress-requests';
import { failingCli, runCli, runCliWithInput } from '../support/cli';
import { pulledSpend, recordClickedConversions } from '../support/clicked-conversions';

const USD = '549764105221';
const EUR = '549764105300';
const seed = buildSeed({
  accounts: [
    { id: USD, currency: 'USD', time_zone: 'Pacific/Auckland' },
    { id: EUR, currency: 'EUR', time_zone: 'America/Los_Angeles' },
  ],
});

let testApp: ConnectedTestApp;
let dir: string;
/** The first synced ad of each account, with its campaign, ad group and pin. */
const firstAd: Record<string, { ad_id: string; campaign_id: string; ad_group_id: string; pin_id: string | null }> = {};

const put = (body: unknown, token = testApp.app.ingressToken) =>
  fetch(`${testApp.app.ingressUrl}/v1/exchange-rates`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
const report = async (query: string) => {
  const response = await getWithToken(testApp.app, `/v1/reports/performance?${query}`);
  assert.equal(response.status, 200, query);
  return ((await response.json()) as { rows: ReportRow[] }).rows;
};

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' }, { emulatorSeed: seed });
  const { app } = testApp;
  dir = await mkdtemp(path.join(os.tmpdir(), 'routy-rates-'));
  for (const account of [USD, EUR]) {
    firstAd[account] = await app.db.selectFrom('ads').select(['ad_id', 'campaign_id', 'ad_group_id', 'pin_id']).where('ad_account_id', '=', account).orderBy('ad_id').limit(1).executeTakeFirstOrThrow();
  }
  const usdAd = firstAd[USD]!.ad_id;
  const eurAd = firstAd[EUR]!.ad_id;
  // Auckland is UTC+13 in November: 11:30 UTC on the 20th is 00:30 on the 21st there.
  // Los Angeles is UTC-8: 05:00 UTC on the 21st is 21:00 on the 20th there.
  await recordClickedConversions(app, [
    { event_id: 'akl-usd', ad_account_id: USD, event_time: '2026-11-20T11:30:00Z', value: '100', currency: 'USD', ad_id: usdAd },
    { event_id: 'akl-jpy-1', ad_account_id: USD, event_time: '2026-11-20T12:00:00Z', value: '1500', currency: 'JPY', ad_id: usdAd },
    { event_id: 'akl-jpy-2', ad_account_id: USD, event_time: '2026-11-23T01:00:00Z', value: '3000', currency: 'JPY', ad_id: usdAd },
    { event_id: 'akl-gbp', ad_account_id: USD, event_time: '2026-11-20T12:00:00Z', value: '50', currency: 'GBP', ad_id: usdAd },
    { event_id: 'akl-unsynced-ad', ad_account_id: USD, event_time: '2026-11-22T00:00:00Z', value: '20', currency: 'USD', ad_id: '999000111' },
    { event_id: 'akl-unsynced-pin', ad_account_id: USD, event_time: '2026-11-22T00:00:00Z', pin_id: '123456789' },
    { event_id: 'la-eur', ad_account_id: EUR, event_time: '2026-11-21T05:00:00Z', value: '40', currency: 'EUR', ad_id: eurAd },
    { event_id: 'la-usd', ad_account_id: EUR, event_time: '2026-11-21T06:00:00Z', value: '10', currency: 'USD', ad_id: eurAd },
  ]);
  // JPY to USD through the CLI (the UTC date's rate, 0.0066 on the 20th, must not be the one used),
  // USD to EUR through the API.
  const csv = path.join(dir, 'rates.csv');
  await writeFile(csv, 'date,from,to,rate\n2026-11-20,JPY,USD,0.0066\n2026-11-21,JPY,USD,0.0067\n\n2026-11-22,JPY,USD,0.0070\n2026-11-24,JPY,USD,0.0090\n');
  assert.equal((await runCli(['exchange-rates', 'load', csv, '--url', app.ingressUrl], app)).trim(), 'stored 4 rates');
  const stored = await put({ rates: [{ date: '2026-11-20', from: 'USD', to: 'EUR', rate: '0.92' }, { date: '2026-11-21', from: 'USD', to: 'EUR', rate: 0.95 }] });
  assert.deepEqual([stored.status, await stored.json()], [200, { stored: 2 }]);
});

after(async () => {
  await testApp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('reports in several currencies', { timeout: 300_000 }, () => {
  it('converts foreign values at the rate of their account-local conversion date, lists the unconverted, and keeps ROAS to known values', async () => {
    const rows = await report(`ad_account_id=${USD}&level=campaign&window=30&compare=7&start_date=2026-11-21&end_date=2026-11-23`);
    const campaign = rows.find((r) => r.id === firstAd[USD]!.campaign_id)!;
    assert.equal(campaign.currency, 'USD');
    assert.equal(campaign.synced, true);
    // 100 USD + 1,500 JPY × 0.0067 (rate of the 21st) + 3,000 JPY × 0.0070 (none on the 23rd: the 22nd's); GBP has no rate.
    assert.equal(campaign.routy.conversions, 4);
    assert.equal(campaign.routy.revenue, 131.05);
    assert.deepEqual(campaign.routy.converted, [
      { currency: 'JPY', rate_date: '2026-11-21', rate: '0.0067', conversions: 1, revenue: 1500, converted_revenue: 10.05 },
      { currency: 'JPY', rate_date: '2026-11-22', rate: '0.007', conversions: 1, revenue: 3000, converted_revenue: 21 },
    ]);
    assert.deepEqual(campaign.routy.unconverted, [{ currency: 'GBP', conversions: 1, revenue: 50 }]);
    const spend = await pulledSpend(testApp.app, USD, 'campaign', firstAd[USD]!.campaign_id, '2026-11-21', '2026-11-23');
    assert.ok(spend > 0, 'spend pulled for the last 90 days');
    assert.equal(campaign.spend, Math.round(spend * 100) / 100);
    // ROAS over the same-currency and converted values only: the 50 GBP are left out.
    assert.equal(campaign.routy.roas, Math.round((131.05 / spend) * 100) / 100);
    assert.equal(campaign.routy.cost_per_conversion, Math.round((spend / 4) * 100) / 100);
    assert.deepEqual(campaign.compare, { ...campaign.routy, window_days: 7 }, 'every lag is one day: the 7-day window counts the same');
    // The channel-agnostic view adds only values in the account's currency, and counts the others.
    const { rows: view } = await sql<{ conversions: string; revenue: string; other_currency_conversions: string }>`
      SELECT conversions, revenue, other_currency_conversions FROM channel_performance
      WHERE account_id = ${USD} AND ad_id = ${firstAd[USD]!.ad_id} AND date = '2026-11-21'`.execute(testApp.app.db);
    assert.deepEqual(view.map((v) => [Number(v.conversions), Number(v.revenue), Number(v.other_currency_conversions)]), [[3, 100, 2]]);
    // In Auckland none of these fell on the 20th, the UTC date of most of them.
    const utcDay = await report(`ad_account_id=${USD}&level=campaign&window=30&start_date=2026-11-20&end_date=2026-11-20`);
    assert.equal(utcDay.find((r) => r.id === firstAd[USD]!.campaign_id)?.routy.conversions ?? 0, 0);
  });

  it('converts on the EUR account behind UTC, and never sums rows of different currencies', async () => {
    const rows = await report('level=pin&window=30&start_date=2026-11-20&end_date=2026-11-20');
    const eur = rows.filter((r) => r.ad_account_id === EUR && r.routy.conversions > 0);
    assert.equal(eur.length, 1);
    assert.equal(eur[0]!.id, firstAd[EUR]!.ad_id);
    assert.equal(eur[0]!.currency, 'EUR');
    // 40 EUR + 10 USD × 0.92 (the 20th in Los Angeles, not the 21st's 0.95).
    assert.equal(eur[0]!.routy.revenue, 49.2);
    assert.deepEqual(eur[0]!.routy.converted, [{ currency: 'USD', rate_date: '2026-11-20', rate: '0.92', conversions: 1, revenue: 10, converted_revenue: 9.2 }]);
    assert.deepEqual(eur[0]!.routy.unconverted, []);
    assert.ok(rows.filter((r) => r.ad_account_id === USD).every((r) => r.currency === 'USD' && r.routy.conversions === 0), 'nothing of the USD account on the 20th in Auckland');
    const next = await report(`ad_account_id=${EUR}&level=pin&window=30&start_date=2026-11-21&end_date=2026-11-21`);
    assert.equal(next.reduce((n, r) => n + r.routy.conversions, 0), 0);
  });

  it('gives conversions credited to an unsynced ad or pin a row of their own at every level, with unknown cost', async () => {
    for (const level of ['campaign', 'ad_group', 'pin'] as const) {
      const rows = await report(`ad_account_id=${USD}&level=${level}&window=30&start_date=2026-11-21&end_date=2026-11-23`);
      const unsynced = rows.filter((r) => !r.synced);
      assert.deepEqual(
        unsynced.map((r) => [r.id, r.name, r.pin_id, r.spend, r.routy.conversions, r.routy.revenue, r.routy.cost_per_conversion, r.routy.roas]),
        [
          ['999000111', 'ad 999000111, not synced yet', null, null, 1, 20, null, null],
          ['123456789', 'pin 123456789, not synced yet', '123456789', null, 1, 0, null, null],
        ],
        level,
      );
      assert.deepEqual(rows.slice(-2), unsynced, `${level}: after the synced rows`);
      const synced = rows.filter((r) => r.synced && r.routy.conversions > 0);
      assert.equal(synced.reduce((n, r) => n + r.routy.conversions, 0), 4, level);
    }
    const curve = await getWithToken(testApp.app, `/v1/reports/slow-burn?ad_account_id=${USD}&level=campaign&window=7&start_date=2026-11-21&end_date=2026-11-23`);
    const curves = ((await curve.json()) as { rows: SlowBurnRow[] }).rows;
    assert.deepEqual(
      curves.filter((r) => !r.synced).map((r) => [r.id, r.name, r.conversions]),
      [
        ['123456789', 'pin 123456789, not synced yet', 1],
        ['999000111', 'ad 999000111, not synced yet', 1],
      ],
    );
  });

  it('writes the currency notes and unsynced rows in CSV and in the CLI table', async () => {
    const query = `ad_account_id=${USD}&level=campaign&window=30&start_date=2026-11-21&end_date=2026-11-23&format=csv`;
    const csv = await (await getWithToken(testApp.app, `/v1/reports/performance?${query}`)).text();
    assert.match(csv.split('\n')[0]!, /,difference,engagement_conversions,not_sendable,stale,not_yet_sent,held_pending,expired,view_through,unexplained,engagement_note,synced,converted,unconverted$/);
    assert.match(csv, /,true,"1500\.00 JPY at 0\.0067 \(rate of 2026-11-21\) = 10\.05 USD, 1 conversion; 3000\.00 JPY at 0\.007 \(rate of 2026-11-22\) = 21\.00 USD, 1 conversion","50\.00 GBP not converted \(no rate on or before the conversion date\), 1 conversion"\n/);
    assert.match(csv, /\n549764105221,USD,campaign,999000111,,"ad 999000111, not synced yet",,0,0,0,0,,,30,1,20,,,,,,0,1,0,0,1,0,0,0,0,0,,false,,\n/);
    const stdout = await runCli(['report', '--ad-account', USD, '--from', '2026-11-21', '--to', '2026-11-23', '--url', testApp.app.ingressUrl], testApp.app);
    assert.match(stdout, new RegExp(`^  ${firstAd[USD]!.campaign_id}: 50\\.00 GBP not converted \\(no rate on or before the conversion date\\), 1 conversion$`, 'm'));
    assert.match(stdout, /^999000111\s+ad 999000111, not synced yet\s+-\s+1\s+20\.00\s+-\s+-\s+0\s+-$/m);
    assert.match(stdout, /^  999000111: difference \+1: Routy only 1 \(stale 1\); unexplained 0$/m);
  });

  it('lists the rates and refuses bad ones by field, over HTTP and from the CLI', async () => {
    const { app } = testApp;
    const listed = (await (await getWithToken(app, '/v1/exchange-rates?from=JPY&start_date=2026-11-21')).json()) as { rates: unknown[] };
    assert.deepEqual(listed.rates, [
      { date: '2026-11-21', from: 'JPY', to: 'USD', rate: '0.0067' },
      { date: '2026-11-22', from: 'JPY', to: 'USD', rate: '0.007' },
      { date: '2026-11-24', from: 'JPY', to: 'USD', rate: '0.009' },
    ]);
    const bad = await put({ rates: [{ date: '2026-11-31', from: 'JPY', to: 'usd', rate: '-1' }, { date: '2026-11-20', from: 'EUR', to: 'USD', rate: '1.1', note: 'x' }] });
    assert.equal(bad.status, 400);
    const answer = (await bad.json()) as { error: string; issues: Array<{ field: string }> };
    assert.equal(answer.error, 'invalid body');
    assert.deepEqual(answer.issues.map((i) => i.field).sort(), ['rates.0.date', 'rates.0.rate', 'rates.0.to', 'rates.1.note']);
    assert.equal((await put({ rates: [{ date: '2026-11-20', from: 'EUR', to: 'USD', rate: '1.1' }] }, 'wrong-token')).status, 401);
    const badQuery = await getWithToken(app, '/v1/exchange-rates?from=yen&start_date=2026-12-01&end_date=2026-11-01');
    assert.deepEqual(((await badQuery.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field).sort(), ['from']);
    // The earlier valid rate was not stored with the refused batch.
    assert.deepEqual(((await (await getWithToken(app, '/v1/exchange-rates?from=EUR')).json()) as { rates: unknown[] }).rates, []);

    // The OpenAPI document describes the route with the schema that validates it.
    const document = (await (await fetch(`${app.ingressUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, object> } };
    assert.deepEqual(Object.keys(document.paths['/v1/exchange-rates']!).sort(), ['get', 'put']);
    const validate = new Ajv2020({ strict: false }).compile(document.components.schemas.ExchangeRates!);
    assert.equal(validate({ rates: [{ date: '2026-11-25', from: 'GBP', to: 'USD', rate: '1.27' }] }), true);
    assert.equal(validate({ rates: [{ date: '2026-11-25', from: 'GBP', to: 'USD', rate: '1.27', note: 'x' }] }), false);

    const csv = path.join(dir, 'bad.csv');
    await writeFile(csv, 'date,from,to,rate\n2026-11-25,JPY,USD,0.0068\n2026-11-26,JPY,XXY,0.0068\n2026-11-27,JPY,USD,abc\n');
    const refused = await failingCli(['exchange-rates', 'load', csv, '--url', app.ingressUrl], 'a bad CSV was loaded', app);
    assert.deepEqual(refused.stderr.trim().split('\n'), ['line 3: to: must be an ISO 4217 code such as USD', 'line 4: rate: must be a positive decimal such as "0.0067" (at most 18 digits before the point and 12 after)']);
    const json = path.join(dir, 'rates.json');
    await writeFile(json, JSON.stringify({ rates: [{ date: '2026-11-25', from: 'GBP', to: 'USD', rate: '1.27' }] }));
    assert.equal((await runCli(['exchange-rates', 'load', json, '--url', app.ingressUrl], app)).trim(), 'stored 1 rate');
    // From stdin, a bare JSON array; a refusal names the index in JSON.
    const piped = await runCliWithInput(['exchange-rates', 'load', '--url', app.ingressUrl], JSON.stringify([{ date: '2026-11-26', from: 'GBP', to: 'USD', rate: '1.28' }]), app);
    assert.deepEqual([piped.code, piped.stdout.trim()], [0, 'stored 1 rate']);
    const pipedBad = await runCliWithInput(['exchange-rates', 'load', '-', '--url', app.ingressUrl], JSON.stringify({ rates: [{ date: '2026-11-26', from: 'GBP', to: 'USD' }] }), app);
    assert.deepEqual([pipedBad.code, pipedBad.stderr.trim()], [1, 'rates.0.rate: must be a positive decimal such as "0.0067" (at most 18 digits before the point and 12 after)']);
    const list = await runCli(['exchange-rates', 'list', '--from', 'GBP', '--url', app.ingressUrl], app);
    assert.equal(list.trim(), 'date        from  to    rate\n2026-11-25  GBP   USD   1.27\n2026-11-26  GBP   USD   1.28');
    const listRefused = await failingCli(['exchange-rates', 'list', '--start-date', '2026-12-01', '--end-date', '2026-11-01', '--url', app.ingressUrl], 'a reversed range was listed', app);
    assert.equal(listRefused.stderr.trim(), '--start-date: must not be after --end-date');
    // A GBP rate from the 25th does not reach back to a conversion of the 21st.
    const rows = await report(`ad_account_id=${USD}&level=campaign&window=30&start_date=2026-11-21&end_date=2026-11-23`);
    assert.deepEqual(rows.find((r) => r.id === firstAd[USD]!.campaign_id)!.routy.unconverted, [{ currency: 'GBP', conversions: 1, revenue: 50 }]);
  });
});
