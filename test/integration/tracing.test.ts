// Traces end to end: an in-memory span exporter registered in this process (as the OTLP exporter
// would be) collects the spans of the ingress, the typed client's Temporal calls, the workflow
// (through the worker's sink), its activities and each Pinterest request, and they form one trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { buildSeed, DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { installTracingOnce } from '../../observability/tracing';
import { replayWorkerOptions } from '../../worker/create-worker';
import { adAccountWorkflowId } from '../../workflows/shared';
import { TRACING_PATCH } from '../../workflows/tracing-interceptors';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const exporter = new InMemorySpanExporter();
installTracingOnce('all', {}, new SimpleSpanProcessor(exporter));

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
/** A second account, disconnected by the test so that its workflow's run ends and its span is exported. */
const SECOND = '549764105299';
const EMAIL = 'Trace.Person@Example.COM';
const NOW = Date.now();
let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'tracing-test-token' }, {
    schedule: { hold_seconds: 4 },
    emulatorSeed: buildSeed({ accounts: [{ id: ACCOUNT, currency: 'USD' }, { id: SECOND, currency: 'USD' }] }),
  });
});

after(() => testApp?.stop());

const spans = () => exporter.getFinishedSpans();
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const named = (name: string | RegExp) => spans().filter((s) => (typeof name === 'string' ? s.name === name : name.test(s.name)));
const childrenOf = (parent: ReadableSpan, name: string | RegExp) =>
  named(name).filter((s) => s.parentSpanId === idOf(parent) && s.spanContext().traceId === parent.spanContext().traceId);

/**
 * The chain of spans from `root` whose names match `names` one level at a time, each the child of
 * the one before (same trace id, parent span id); the first complete chain found.
 */
function chainFrom(root: ReadableSpan, names: Array<string | RegExp>): ReadableSpan[] | undefined {
  if (names.length === 0) return [root];
  for (const child of childrenOf(root, names[0]!)) {
    const rest = chainFrom(child, names.slice(1));
    if (rest) return [root, ...rest];
  }
  return undefined;
}

/** The first chain from a span named `rootName` (see chainFrom). */
const chainNamed = (rootName: string, names: Array<string | RegExp>) => {
  for (const root of named(rootName)) {
    const chain = chainFrom(root, names);
    if (chain) return chain;
  }
  return undefined;
};

/** A span as one printable line: name, ids, parent, links and attributes. */
const describeSpan = (s: ReadableSpan) =>
  `${s.name} [trace ${s.spanContext().traceId} span ${idOf(s)} parent ${s.parentSpanId ?? '-'}${s.links.map((l) => ` link ${l.context.traceId}/${l.context.spanId}`).join('')}] ${JSON.stringify(s.attributes)}`;

/** A printable line per span of a chain: name, kind, parent and attributes. */
const describeChain = (chain: ReadableSpan[]) => chain.map((s, i) => `${'  '.repeat(i)}${s.name} [trace ${s.spanContext().traceId} span ${idOf(s)} parent ${s.parentSpanId ?? '-'}] ${JSON.stringify(s.attributes)}`).join('\n');

describe('traces', { timeout: 180_000 }, () => {
  it('follows a connect from the ingress request through the signal-with-start, the workflow and a pull activity to each Pinterest request', async () => {
    // The workflow's own span ends with its run: disconnecting ends it, and the sink exports it.
    assert.ok(testApp.connected.includes(SECOND));
    await testApp.app.client.disconnect(SECOND);
    const chain = await waitFor('the connect trace down to a Pinterest request', async () =>
      chainNamed('GET /v1/oauth/callback', ['SignalWithStartWorkflow:adAccountWorkflow', 'RunWorkflow:adAccountWorkflow', /^StartActivity:/, /^RunActivity:/, /^GET \/ad_accounts\/\{ad_account_id\}\//]),
    );
    console.log(`connect trace:\n${describeChain(chain)}`);
    const [ingress, signal, workflow, start, activity, pinterest] = chain as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan];
    assert.equal(new Set(chain.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
    assert.equal(ingress.parentSpanId, undefined, 'the ingress request starts the trace');
    assert.deepEqual([ingress.attributes['http.route'], ingress.attributes['http.response.status_code']], ['/v1/oauth/callback', 200]);
    assert.match(String(signal.attributes.temporalWorkflowId), /^pinterest-ad-account-/);
    assert.equal(workflow.attributes.workflowType, 'adAccountWorkflow');
    assert.equal(start.name.slice('StartActivity:'.length), activity.name.slice('RunActivity:'.length), 'the activity run is the one the workflow scheduled');
    assert.equal(pinterest.attributes['http.request.method'], 'GET');
    assert.equal(pinterest.attributes['http.response.status_code'], 200);
    assert.match(String(pinterest.attributes['url.template']), /^\/ad_accounts\/\{ad_account_id\}\/[a-z_/]+$/);
    assert.match(String(pinterest.attributes['pinterest.rate_limit_category']), /^(ads_read|ads_analytics|org_read)$/);
    // The traced run, complete once disconnected, replays deterministically with the interceptors;
    // its history holds the tracing patch's marker (runs from before it are not traced).
    const history = await testApp.app.temporalClient.workflow.getHandle(adAccountWorkflowId(SECOND)).fetchHistory();
    const markers = (history.events ?? []).flatMap((e) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch'
        ? Object.values(e.markerRecordedEventAttributes.details ?? {}).flatMap((d) => (d.payloads ?? []).map((p) => Buffer.from(p.data ?? new Uint8Array()).toString()))
        : [],
    );
    assert.ok(markers.some((m) => m.includes(`"${TRACING_PATCH}"`)), `the tracing patch marker is in history: ${markers.join(', ')}`);
    await Worker.runReplayHistory(replayWorkerOptions(testApp.app.dataConverter), history, adAccountWorkflowId(SECOND));
    // The OAuth callback's own Pinterest calls are its children: the token exchange, with its category.
    const [token] = childrenOf(ingress, 'POST /oauth/token');
    assert.deepEqual([token?.attributes['url.template'], token?.attributes['http.response.status_code'], token?.attributes['pinterest.rate_limit_category']], ['/oauth/token', 200, 'oauth']);
  });

  it('follows a batch from the ingress request through the signal into the workflow, and through the inbox to its drain and the Conversions API request', async () => {
    const { app } = testApp;
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(NOW - 120_000).toISOString(), click_id: 'trace-click', pin_id: '987654321012345603' };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const batch = await waitFor('the batch trace into the workflow', async () => chainNamed('POST /v1/touchpoints', ['SignalWorkflow:recordsWaiting', 'HandleSignal:recordsWaiting']));
    console.log(`batch trace:\n${describeChain(batch)}`);
    assert.equal(new Set(batch.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
    assert.equal(batch[0]!.attributes['http.response.status_code'], 202);

    const conversion = { event_id: 'trace-order-1', event_name: 'checkout', event_time: new Date(NOW - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'trace-click', order_id: 'trace-order-1', user: { email: EMAIL } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    const stored = await waitFor('the conversion sent', async () => {
      const row = await app.db.selectFrom('conversions').select('capi_state').where('event_id', '=', 'trace-order-1').executeTakeFirst();
      return row?.capi_state === 'sent' ? row : undefined;
    });
    assert.equal(stored.capi_state, 'sent');
    // The workflow took every traced signal: none refused by its call guards.
    assert.equal((await app.client.status(ACCOUNT)).counters.signals_refused ?? 0, 0);
    // The touchpoint batch's trace continues past the inbox into the pump's drain.
    const touchDrain = await waitFor('the touchpoint batch drained in its trace', async () => chainNamed('POST /v1/touchpoints', ['drain batch']));
    assert.deepEqual([touchDrain[1]!.attributes['routy.batch.touchpoints'], touchDrain[1]!.attributes['routy.batch.conversions']], [1, 0]);
    // The conversion batch's trace: its drain, and under it the Conversions API request carrying its event.
    const chain = await waitFor('the conversion batch trace down to the Conversions API request', async () =>
      chainNamed('POST /v1/conversions', ['drain batch', 'POST /ad_accounts/{ad_account_id}/events']),
    );
    const [ingress, drain, capi] = chain as [ReadableSpan, ReadableSpan, ReadableSpan];
    const traceId = ingress.spanContext().traceId;
    console.log(`conversion batch trace, every span:\n${spans().filter((s) => s.spanContext().traceId === traceId).map(describeSpan).join('\n')}`);
    assert.equal(new Set(chain.map((s) => s.spanContext().traceId)).size, 1, 'one trace');
    assert.deepEqual([drain.attributes['routy.batch.conversions'], drain.attributes['routy.batch.touchpoints']], [1, 0]);
    assert.deepEqual([capi.attributes['http.response.status_code'], capi.attributes['pinterest.rate_limit_category'], capi.attributes['routy.batches']], [200, 'ads_conversions', 1]);
    // (A pump still running takes the batch without a nudge signal: the drain is then the trace's only way on.)
    // The drain and the request link to the record pump's activity span, in the run's trace (exported when the pump ends).
    for (const span of [drain, capi]) {
      const activity = await waitFor(`the activity span ${span.name} links to`, async () => spans().find((s) => span.links.some((l) => l.context.spanId === idOf(s))));
      assert.equal(activity.name, 'RunActivity:pumpRecords');
      assert.equal(activity.attributes.temporalWorkflowId, `pinterest-ad-account-${ACCOUNT}`);
      assert.notEqual(activity.spanContext().traceId, traceId, 'the pump runs in the workflow run\'s trace');
    }
  });

  it('puts no token, header value, personal data or concrete id in any span', async () => {
    const { app } = testApp;
    const secrets = [...app.pinterest.emulator.issuedTokens, 'tracing-test-token', EMAIL, EMAIL.toLowerCase(), 'trace.person'];
    assert.ok(app.pinterest.emulator.issuedTokens.length >= 2, 'the test knows the tokens it looks for');
    const all = spans();
    assert.ok(all.length > 20, `spans were exported (${all.length})`);
    for (const span of all) {
      const text = JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, links: span.links, resource: span.resource.attributes });
      for (const secret of secrets) assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `span ${span.name} carries a secret or personal value`);
      if (span.attributes['url.template'] !== undefined) assert.doesNotMatch(span.name, /\d{6,}|\?/, `Pinterest span ${span.name} names a concrete id or query`);
    }
  });
});
