// Conversion dates across daylight-saving changes, on real parts (dev server, PostgreSQL, worker,
// ingress, emulator): an ad account in America/New_York (UTC-5 in winter, UTC-4 in summer) with
// conversions around 2026-03-08 (clocks forward) and 2026-11-01 (clocks back), each landing on
// its New York date; and a campaign without pulled spend in March shows no cost, not 0.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildSeed } from '../../emulator/seed';
import type { ReportRow } from '../../reports/performance-report';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken } from '../support/ingress-requests';
import { runCli } from '../support/cli';
import { pulledSpend, recordClickedConversions } from '../support/clicked-conversions';

const ACCOUNT = '549764105221';
let testApp: ConnectedTestApp;
let ad: { ad_id: string; campaign_id: string };

/** Conversion instants (UTC), their value (a power of two, to tell them apart in sums) and their New York date. */
const CONVERSIONS = [
  { event_id: 'ny-1', event_time: '2026-03-08T04:30:00Z', value: 1, date: '2026-03-07' }, // 23:30 EST
  { event_id: 'ny-2', event_time: '2026-03-09T03:30:00Z', value: 2, date: '2026-03-08' }, // 23:30 EDT (22:30 at a fixed EST)
  { event_id: 'ny-3', event_time: '2026-03-09T04:30:00Z', value: 4, date: '2026-03-09' }, // 00:30 EDT (23:30 on the 8th at a fixed EST)
  { event_id: 'ny-4', event_time: '2026-11-01T03:30:00Z', value: 8, date: '2026-10-31' }, // 23:30 EDT
  { event_id: 'ny-5', event_time: '2026-11-01T04:30:00Z', value: 16, date: '2026-11-01' }, // 00:30 EDT (23:30 on the 31st at a fixed EST)
  { event_id: 'ny-6', event_time: '2026-11-02T04:30:00Z', value: 32, date: '2026-11-01' }, // 23:30 EST (00:30 on the 2nd at a fixed EDT)
  { event_id: 'ny-7', event_time: '2026-11-02T05:30:00Z', value: 64, date: '2026-11-02' }, // 00:30 EST
];

const report = async (start: string, end: string) => {
  const response = await getWithToken(testApp.app, `/v1/reports/performance?ad_account_id=${ACCOUNT}&level=campaign&window=30&start_date=${start}&end_date=${end}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { rows: ReportRow[] }).rows.find((r) => r.id === ad.campaign_id);
};

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' }, { emulatorSeed: buildSeed({ accounts: [{ id: ACCOUNT, currency: 'USD', time_zone: 'America/New_York' }] }) });
  ad = await testApp.app.db.selectFrom('ads').select(['ad_id', 'campaign_id']).where('ad_account_id', '=', ACCOUNT).orderBy('ad_id').limit(1).executeTakeFirstOrThrow();
  await recordClickedConversions(
    testApp.app,
    CONVERSIONS.map((c) => ({ event_id: c.event_id, ad_account_id: ACCOUNT, event_time: c.event_time, value: String(c.value), currency: 'USD', ad_id: ad.ad_id })),
  );
});

after(() => testApp?.stop());

describe('conversion dates in the account time zone', { timeout: 300_000 }, () => {
  it('stores each conversion on its New York date on both sides of a daylight-saving change', async () => {
    const rows = await testApp.app.db.selectFrom('attributions').select(['event_id', 'conversion_date', 'conversion_currency']).where('ad_account_id', '=', ACCOUNT).orderBy('event_id').execute();
    assert.deepEqual(
      rows.map((r) => [r.event_id, r.conversion_date, r.conversion_currency]),
      CONVERSIONS.map((c) => [c.event_id, c.date, 'USD']),
    );
  });

  it('reports each day with exactly the conversions of that New York day', async () => {
    const days = ['2026-03-07', '2026-03-08', '2026-03-09', '2026-10-31', '2026-11-01', '2026-11-02'];
    const got: Array<[string, number, number]> = [];
    for (const day of days) {
      const row = await report(day, day);
      got.push([day, row?.routy.conversions ?? 0, row?.routy.revenue ?? 0]);
    }
    assert.deepEqual(got, [
      ['2026-03-07', 1, 1],
      ['2026-03-08', 1, 2],
      ['2026-03-09', 1, 4],
      ['2026-10-31', 1, 8],
      ['2026-11-01', 2, 48],
      ['2026-11-02', 1, 64],
    ]);
  });

  it('shows no cost per conversion and no ROAS where no spend was pulled, rather than 0', async () => {
    // The first pull read the last 90 days: nothing of March.
    const march = (await report('2026-03-07', '2026-03-09'))!;
    assert.deepEqual([march.synced, march.spend, march.routy.conversions, march.routy.revenue, march.routy.cost_per_conversion, march.routy.roas], [true, null, 3, 7, null, null]);
    const november = (await report('2026-10-31', '2026-11-02'))!;
    const dollars = await pulledSpend(testApp.app, ACCOUNT, 'campaign', ad.campaign_id, '2026-10-31', '2026-11-02');
    assert.ok(dollars > 0, 'November was pulled');
    assert.equal(november.spend, Math.round(dollars * 100) / 100);
    assert.equal(november.routy.cost_per_conversion, Math.round((dollars / 4) * 100) / 100);
    assert.equal(november.routy.roas, Math.round((120 / dollars) * 100) / 100);
    const stdout = await runCli(['report', '--ad-account', ACCOUNT, '--from', '2026-03-07', '--to', '2026-03-09', '--url', testApp.app.ingressUrl], testApp.app);
    assert.match(stdout, new RegExp(`^${ad.campaign_id}\\s+\\S.*?\\s+-\\s+3\\s+7\\.00\\s+-\\s+-\\s+0\\s+yes$`, 'm'), 'Spring Patio Refresh is a Performance+ campaign');
  });
});
