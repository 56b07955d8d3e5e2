// What an operator steers and reads: search attributes, the status query, pause / resume /
// disconnect updates with validation, and Prometheus metrics (ours and the SDK's).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import getPort from 'get-port';
import { WorkflowNotFoundError } from '@temporalio/client';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { adAccountWorkflowId } from '../../workflows/shared';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = '549764105221';
const TOKEN = 'operators-test-token';
let testApp: TestApp;

before(async () => {
  testApp = await startTestApp({ ROUTY_INGRESS_TOKEN: TOKEN, ROUTY_SDK_METRICS_PORT: String(await getPort({ host: '127.0.0.1' })) });
  await connectThroughOAuth(testApp.app);
  await waitFor('the first pull', async () => ((await testApp.app.client.status(ACCOUNT)).counters.pulls >= 1 ? true : undefined));
});
after(() => testApp?.stop());

const visible = async (query: string) => {
  const ids: string[] = [];
  for await (const w of testApp.app.temporalClient.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
};

describe('operators', { timeout: 180_000 }, () => {
  it('find the account by search attributes and read schedule, last pull, limits, pending and expired in status', async () => {
    const { app } = testApp;
    const found = await waitFor('search attributes', async () => {
      const ids = await visible(`PinterestAdAccountId = '${ACCOUNT}' AND PinterestConnectionStatus = 'connected' AND PinterestLastSuccessfulPull > '2000-01-01T00:00:00Z'`);
      return ids.length > 0 ? ids : undefined;
    });
    assert.deepEqual(found, [adAccountWorkflowId(ACCOUNT)]);
    const status = await app.client.status(ACCOUNT);
    assert.equal(status.paused, false);
    assert.ok(status.schedule.pull_interval_seconds > 0 && status.next_pull_at && status.last_pull_at);
    assert.equal(status.rate_limited_until, undefined);
    const pendingBefore = status.counters.conversions_pending ?? 0;
    const now = Date.now();
    const result = await app.client.recordConversions([
      { event_id: 'ops-pending', event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'nobody-clicked-this' },
    ]);
    assert.equal(result.accepted, 1);
    await waitFor('the pending count', async () => ((await app.client.status(ACCOUNT)).counters.conversions_pending === pendingBefore + 1 ? true : undefined));
  });

  it('pause stops every Pinterest call but keeps storing and matching; resume pulls and sends what waited', async () => {
    const { app } = testApp;
    const emulator = app.pinterest.emulator;
    await assert.rejects(app.client.pause(ACCOUNT, 'x'.repeat(201)), /reason: must be a string of at most 200 characters/);
    await assert.rejects(app.client.backfill(ACCOUNT, { start_date: '2026-02-30', end_date: '2026-03-05' }), /start_date: must be a YYYY-MM-DD date/);
    await assert.rejects(app.client.backfill(ACCOUNT, { start_date: '2026-01-01', end_date: '2026-02-01', extra: 1 } as never), /extra: is not a known field/);
    await assert.rejects(app.client.updateSettings(ACCOUNT, 42 as never), /\(request\): must be an object/);
    await assert.rejects(app.client.resume(ACCOUNT), /not paused/);
    const paused = await app.client.pause(ACCOUNT, 'budget review');
    assert.deepEqual([paused.paused, paused.paused_reason], [true, 'budget review']);
    assert.equal((await app.client.pause(ACCOUNT)).paused_reason, 'budget review', 'a repeated pause keeps the reason');
    await waitFor('the paused search attribute', async () => ((await visible(`PinterestConnectionStatus = 'paused'`)).length === 1 ? true : undefined));

    const callsBefore = emulator.exchanges.length;
    const pullsBefore = (await app.client.status(ACCOUNT)).counters.pulls;
    const now = Date.now();
    await app.client.recordTouchpoints([{ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 86_400_000).toISOString(), click_id: 'ops-click', ad_id: '687195905901' }]);
    await app.client.recordConversions([
      { event_id: 'ops-paused', event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'ops-click', user: { email: 'ops@example.com' } },
    ]);
    await app.client.pullNow(ACCOUNT);
    const matched = await waitFor('the match while paused', () =>
      app.db.selectFrom('conversions').select(['attribution_state', 'capi_state']).where('event_id', '=', 'ops-paused').where('attribution_state', '=', 'matched').executeTakeFirst(),
    );
    assert.equal(matched.capi_state, 'unsent', 'not sent while paused');
    const status = await app.client.status(ACCOUNT);
    assert.equal(status.counters.pulls, pullsBefore, 'no pull while paused');
    assert.equal(emulator.exchanges.length, callsBefore, 'no Pinterest call while paused');

    const resumed = await app.client.resume(ACCOUNT);
    assert.equal(resumed.paused, false);
    await waitFor('the send after resume', async () =>
      (await app.db.selectFrom('conversions').select('capi_state').where('event_id', '=', 'ops-paused').executeTakeFirst())?.capi_state === 'sent' ? true : undefined,
    );
    await waitFor('a pull after resume', async () => ((await app.client.status(ACCOUNT)).counters.pulls > pullsBefore ? true : undefined));
    await waitFor('the connected search attribute', async () => ((await visible(`PinterestConnectionStatus = 'connected'`)).length === 1 ? true : undefined));
  });

  it('serves Prometheus metrics: rows pulled, API calls by category and status, conversions by state, SDK metrics', async () => {
    const { app } = testApp;
    // One conversion that stays pending and one matched and sent, so both states are counted.
    const now = Date.now();
    await app.client.recordTouchpoints([{ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 86_400_000).toISOString(), click_id: 'ops-metrics-click', ad_id: '687195905901' }]);
    await app.client.recordConversions([
      { event_id: 'ops-metrics-pending', event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'nobody-clicked-this-either' },
      { event_id: 'ops-metrics-sent', event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'ops-metrics-click', user: { email: 'metrics@example.com' } },
    ]);
    const stateOf = async (eventId: string) => {
      const row = await app.db.selectFrom('conversions').select(['attribution_state', 'capi_state']).where('event_id', '=', eventId).executeTakeFirst();
      return row && `${row.attribution_state}/${row.capi_state}`;
    };
    await waitFor('the pending conversion stored', async () => ((await stateOf('ops-metrics-pending')) === 'pending/unsent' ? true : undefined));
    await waitFor('the matched conversion sent', async () => ((await stateOf('ops-metrics-sent')) === 'matched/sent' ? true : undefined));
    const stored = async (attribution: string, capi: string) =>
      Number((await app.db.selectFrom('conversions').select((eb) => eb.fn.countAll<string>().as('n')).where('attribution_state', '=', attribution as never).where('capi_state', '=', capi as never).executeTakeFirstOrThrow()).n);

    assert.equal((await fetch(`${app.ingressUrl}/metrics`)).status, 401);
    const text = await (await fetch(`${app.ingressUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    assert.ok(value(/^routy_pinterest_rows_pulled_total\{level="ad"\} (\d+)$/m) > 0, 'rows pulled');
    assert.ok(value(/^routy_pinterest_api_calls_total\{category="ads_analytics",status="200"\} (\d+)$/m) >= 2, 'analytics calls');
    // Counted from PostgreSQL at each scrape: equal to the rows in each state, this test's among them.
    const sent = value(/^routy_pinterest_conversions\{attribution_state="matched",capi_state="sent"\} (\d+)$/m);
    assert.ok(sent >= 1 && sent === (await stored('matched', 'sent')), `matched and sent: ${sent}`);
    const pending = value(/^routy_pinterest_conversions\{attribution_state="pending",capi_state="unsent"\} (\d+)$/m);
    assert.ok(pending >= 1 && pending === (await stored('pending', 'unsent')), `pending: ${pending}`);
    assert.match(text, /^temporal_workflow_task_execution_latency_count\{/m, 'the SDK runtime metrics are included');
  });

  it('decodes its encrypted payloads for the Temporal CLI and UI at /codec/decode, behind the token', async () => {
    const { app } = testApp;
    await app.client.recordConversions([{ event_id: 'ops-codec', event_name: 'lead', event_time: new Date().toISOString(), ad_account_id: ACCOUNT }]);
    // The record pump's call is in the history once it has stored the conversion.
    await waitFor('the conversion stored', async () =>
      (await app.db.selectFrom('conversions').select('event_id').where('event_id', '=', 'ops-codec').executeTakeFirst()) ? true : undefined,
    );
    const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT)).fetchHistory();
    const pump = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pumpRecords').at(-1);
    const payloads = (pump?.activityTaskScheduledEventAttributes?.input?.payloads ?? []).map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? []).toString('base64'),
    }));
    assert.equal(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    const codec = (token?: string) =>
      fetch(`${app.ingressUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ payloads }) });
    assert.equal((await codec()).status, 401);
    const decoded = (await (await codec(TOKEN)).json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    assert.equal(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    const input = JSON.parse(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()) as { ad_account_id: string; send: boolean };
    assert.deepEqual([input.ad_account_id, input.send], [ACCOUNT, true]);
    const bad = await fetch(`${app.ingressUrl}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ payloads: 'x' }) });
    assert.equal(bad.status, 400);
    // The Temporal CLI sends `{}` (protobuf JSON drops an empty list) when a query has no argument.
    for (const action of ['encode', 'decode']) {
      const empty = await fetch(`${app.ingressUrl}/codec/${action}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{}' });
      assert.deepEqual([empty.status, await empty.json()], [200, { payloads: [] }], action);
    }
  });

  it('disconnect is a validated update; the workflow then ends and shows disconnected', async () => {
    const { app } = testApp;
    const status = await app.client.disconnect(ACCOUNT);
    assert.equal(status.connection_status, 'disconnected');
    const handle = app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT));
    await handle.result();
    await waitFor('the disconnected search attribute', async () => ((await visible(`PinterestConnectionStatus = 'disconnected'`)).length === 1 ? true : undefined));
    await assert.rejects(app.client.disconnect(ACCOUNT), WorkflowNotFoundError, 'a closed workflow takes no update');
  });
});
