// The Grafana dashboard (observability/grafana-dashboard.json) reads only metrics the service
// serves: every metric name in every panel's PromQL is in `GET /metrics` of a running service
// (our registry, and the Temporal SDK runtime's `temporal_*` it appends) after a pull and a
// conversion sent to the Conversions API.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import getPort from 'get-port';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { dashboardMetrics, parseExposition, servedBy } from '../support/promql-metrics';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const NOW = Date.now();
let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'dashboard-test-token', ROUTY_SDK_METRICS_PORT: String(await getPort({ host: '127.0.0.1' })) }, { schedule: { hold_seconds: 3600 } });
});

after(() => testApp?.stop());

describe('the Grafana dashboard', { timeout: 180_000 }, () => {
  it('is importable: a schema version, a Prometheus datasource variable, and every target on it', async () => {
    const dashboard = JSON.parse(await readFile(new URL('../../observability/grafana-dashboard.json', import.meta.url), 'utf8')) as {
      schemaVersion: number;
      title: string;
      templating: { list: Array<{ name: string; type: string; query: string }> };
      panels: Array<{ title: string; type: string; datasource?: { uid: string }; targets?: Array<{ datasource: { type: string; uid: string }; expr: string; refId: string }> }>;
    };
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
    assert.deepEqual([variable?.name, variable?.query], ['datasource', 'prometheus']);
    const queried = dashboard.panels.filter((p) => p.type !== 'row');
    assert.ok(queried.length >= 8, `${queried.length} panels`);
    for (const panel of queried) {
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has queries`);
      for (const target of panel.targets!) assert.deepEqual(target.datasource, { type: 'prometheus', uid: '${datasource}' }, `${panel.title} ${target.refId} uses the datasource variable`);
    }
  });

  it("reads only metrics the service serves, ours and the Temporal SDK's", async () => {
    const { app } = testApp;
    // A pull Pinterest rate-limits once (retried after its 1 s wait): the pull outcomes, the
    // rate-limited accounts and the SDK's activity failures have series.
    // The round before must be over (its product group analytics would take the fault otherwise),
    // and the fault hits the metrics pull's campaign analytics only.
    const idle = await waitFor('the round before to end', async () => {
      const status = await app.client.status(ACCOUNT);
      return status.counters.pulls >= 1 && !status.current_read ? status : undefined;
    });
    const pullsBefore = idle.counters.pulls;
    app.pinterest.emulator.inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 1 }, { pathContains: '/campaigns/analytics' });
    await app.client.pullNow(ACCOUNT);
    await waitFor('the rate-limited pull done on its retry', async () => ((await app.client.status(ACCOUNT)).counters.pulls > pullsBefore ? true : undefined));
    // A conversion through to the Conversions API, so its counters and histogram have series.
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(NOW - 120_000).toISOString(), click_id: 'dash-click', pin_id: '987654321012345603' };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = { event_id: 'dash-order-1', event_name: 'checkout', event_time: new Date(NOW - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'dash-click', order_id: 'dash-order-1', user: { email: 'dash@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    await waitFor('the conversion sent', async () => {
      const row = await app.db.selectFrom('conversions').select('capi_state').where('event_id', '=', 'dash-order-1').executeTakeFirst();
      return row?.capi_state === 'sent' ? row : undefined;
    });
    // A conversion no touchpoint matches is held (an hour here): one pending hold.
    const held = { event_id: 'dash-held-1', event_name: 'lead', event_time: new Date(NOW - 60_000).toISOString(), ad_account_id: ACCOUNT, user: { email: 'held@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [held] })).status, 202);
    await waitFor('the held conversion stored', () => app.db.selectFrom('conversions').select('attribution_state').where('event_id', '=', 'dash-held-1').where('attribution_state', '=', 'pending').executeTakeFirst());
    const exposition = parseExposition(await (await getWithToken(app, '/metrics')).text());
    const dashboard = JSON.parse(await readFile(new URL('../../observability/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: [] };
    const panels = dashboardMetrics(dashboard);
    const read = panels.flatMap((p) => p.metrics);
    assert.ok(read.some((m) => m.startsWith('temporal_')) && read.some((m) => m.startsWith('routy_pinterest_')), 'the dashboard reads both');
    const missing = panels.flatMap((p) => p.metrics.filter((m) => !servedBy(exposition, m)).map((m) => `${p.panel}: ${m}`));
    assert.deepEqual(missing, [], 'every metric a panel reads is served');
    // The new metrics have series after the flow, not only their HELP lines.
    const text = await (await getWithToken(app, '/metrics')).text();
    assert.match(text, /^routy_pinterest_pulls_total\{outcome="rate_limited"\} [1-9]/m, 'the rate-limited pull is counted');
    assert.match(text, /^routy_pinterest_pending_holds 1$/m, 'the held conversion is the one pending hold');
    assert.match(text, /^routy_pinterest_conversions_api_delivery_lag_seconds_count\{outcome="sent"\} [1-9]/m, 'the sent conversion is observed');
    for (const sample of ['routy_pinterest_pulls_total', 'routy_pinterest_rows_pulled_total', 'routy_pinterest_api_calls_total', 'routy_pinterest_conversions_api_delivery_lag_seconds_bucket', 'routy_pinterest_pending_holds', 'routy_pinterest_rate_limited_accounts']) {
      assert.ok(exposition.samples.has(sample), `${sample} has a series`);
    }
  });
});
