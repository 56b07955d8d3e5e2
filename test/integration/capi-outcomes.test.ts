// Every outcome Pinterest's Conversions API can give, and what each leaves: the event's state, its
// attempts, the metrics, and whether (and when) it is posted again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Counter } from 'prom-client';
import { createActivities, type ActivityDeps } from '../../activities/index';
import type { SendTotals } from '../../activities/capi-activities';
import type { EmulatedPinterest } from '../../demo/emulated-pinterest';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { conversionsApiFailures, conversionsUnconfirmed } from '../../observability/metrics';
import { PinterestHttp } from '../../pinterest/http';
import type { ConversionExplanation } from '../../reports/conversion-explainer';
import { type RunningApp } from '../../service/app';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { capiEventsWithId } from '../support/capi-requests';
import { runCli } from '../support/cli';
import { getWithToken } from '../support/ingress-requests';
import { runActivity, storeMatchedConversions } from '../support/matched-conversions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
let app: RunningApp<EmulatedPinterest>;
let testApp: TestApp;

const matched = (prefix: string, n: number, options?: Parameters<typeof storeMatchedConversions>[4]) => storeMatchedConversions(app, ACCOUNT, prefix, n, options);
const postsOf = (eventId: string) => capiEventsWithId(app, eventId).length;
const rowOf = (eventId: string) => app.db.selectFrom('conversions').select(['capi_state', 'capi_result']).where('event_id', '=', eventId).executeTakeFirstOrThrow();
const statesOf = async (ids: string[]) => Promise.all(ids.map(async (id) => (await rowOf(id)).capi_state));
const attemptsOf = (eventId: string) =>
  app.db.selectFrom('capi_attempts').selectAll().where('event_id', '=', eventId).orderBy('attempt').execute();
const send = (deps: Partial<ActivityDeps> = {}) =>
  runActivity(createActivities({ ...app.activityDeps, ...deps }).sendMatchedConversions, { ad_account_id: ACCOUNT }) as Promise<SendTotals>;
const apiBaseUrl = () => app.pinterest.emulator.apiBaseUrl(app.pinterest.origin);
const counted = async (counter: Counter, labels: Record<string, string>) =>
  (await counter.get()).values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;

before(async () => {
  testApp = await startTestApp();
  app = testApp.app;
  await connectThroughOAuth(app);
});

after(() => testApp?.stop());

describe('Conversions API outcomes', { timeout: 120_000 }, () => {
  it("a per-event failed inside an HTTP 200 is stored with Pinterest's message, counted, and never posted again", async () => {
    const ids = await matched('refused', 2);
    // Pinterest refuses one event of the request: on the way, its user_data loses every key Pinterest needs.
    let answered: { events: Array<{ status: string; error_message: string | null }> } | undefined;
    const refusing: typeof fetch = async (url, init) => {
      const body = JSON.parse(String(init?.body)) as { data: Array<{ event_id: string; user_data: unknown }> };
      for (const event of body.data) if (event.event_id === ids[0]) event.user_data = {};
      const response = await fetch(url, { ...init, body: JSON.stringify(body) });
      answered = (await response.clone().json()) as typeof answered;
      return response;
    };
    const failuresBefore = await counted(conversionsApiFailures, { reason: 'event_failed' });
    const result = await send({ http: new PinterestHttp(apiBaseUrl(), undefined, refusing) });
    assert.deepEqual([result.sent, result.failed], [1, 1]);
    const message = answered?.events[0]?.error_message;
    assert.equal(answered?.events[0]?.status, 'failed');
    assert.ok(message, 'Pinterest said why');
    const row = await rowOf(ids[0]!);
    assert.deepEqual([row.capi_state, row.capi_result?.error_message], ['failed', message]);
    assert.equal(await counted(conversionsApiFailures, { reason: 'event_failed' }), failuresBefore + 1);
    const [attempt] = await attemptsOf(ids[0]!);
    assert.deepEqual(
      [attempt?.attempt, attempt?.http_status, attempt?.outcome, attempt?.event_status, attempt?.error_message, attempt?.request_events],
      [1, 200, 'failed', 'failed', message, 2],
    );

    await send();
    assert.deepEqual(ids.map(postsOf), [1, 1], 'an answered event is never posted again');
    assert.deepEqual(await statesOf(ids), ['failed', 'sent']);
  });

  it('a 429 is posted again later with the same event_id', async () => {
    const ids = await matched('limited', 2);
    app.pinterest.emulator.inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 1 }, { pathContains: '/events' });
    await assert.rejects(() => send(), (error: unknown) => (error as { type?: string }).type === 'PinterestRateLimited');
    assert.deepEqual(await statesOf(ids), ['unsent', 'unsent']);
    await send();
    assert.deepEqual(await statesOf(ids), ['sent', 'sent']);
    assert.deepEqual(ids.map(postsOf), [1, 1], 'the 429 came before Pinterest took the request');
    const attempts = await attemptsOf(ids[0]!);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.repost, a.http_status, a.outcome]), [[1, false, 429, 'retry'], [2, false, 200, 'processed']]);
  });

  it('a request that times out is posted again, identical, while fresh, and its attempts are explained', async () => {
    const ids = await matched('timeout', 2);
    app.pinterest.emulator.inject({ kind: 'slow', delay_ms: 2_000 }, { pathContains: '/events' });
    await assert.rejects(() => send({ http: new PinterestHttp(apiBaseUrl(), undefined, undefined, 300) }), (error: unknown) => (error as Error).name === 'TimeoutError');
    assert.deepEqual(await statesOf(ids), ['posting', 'posting'], 'outcome unknown');
    await waitFor('Pinterest to have taken the slow request', async () => (ids.every((id) => postsOf(id) === 1) ? true : undefined));

    const again = await send();
    assert.deepEqual([again.sent, again.reposted], [2, 2]);
    assert.deepEqual(await statesOf(ids), ['sent', 'sent']);
    const [first, second] = capiEventsWithId(app, ids[0]!);
    assert.deepEqual(second, first, 'the repost is identical');
    const attempts = await attemptsOf(ids[0]!);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.repost, a.http_status, a.outcome]), [[1, false, null, 'unknown'], [2, true, 200, 'processed']]);
    assert.match(attempts[0]!.error ?? '', /timeout/);

    const response = await getWithToken(app, `/v1/conversions/${ids[0]}`);
    const [explained] = ((await response.json()) as { conversions: ConversionExplanation[] }).conversions;
    assert.deepEqual(
      explained?.conversions_api.attempts.map((a) => [a.attempt, a.request_events, a.repost, a.outcome, a.event_status, a.request_id === attempts[a.attempt - 1]!.request_id]),
      [[1, 2, false, 'unknown', null, true], [2, 2, true, 'processed', 'processed', true]],
    );
    const stdout = await runCli(['conversion', ids[0]!, '--url', app.ingressUrl], app);
    assert.match(stdout, /Conversions API {2}sent/);
    assert.match(stdout, new RegExp(`#1 \\S+ request ${attempts[0]!.request_id} \\(2 events\\): unknown: The operation was aborted due to timeout`));
    assert.match(stdout, new RegExp(`#2 \\S+ request ${attempts[1]!.request_id} \\(2 events\\), repost: HTTP 200 processed`));
  });

  it('a stale or offline event whose request timed out ends unconfirmed, counted, never posted again', async () => {
    // Two hours old: past the 50-minute repost margin. Offline: Pinterest cannot deduplicate it.
    const stale = await matched('late', 2, { event_age_ms: 2 * 3_600_000 });
    const offline = await matched('offline', 1, { action_source: 'offline' });
    const ids = [...stale, ...offline];
    const countsBefore = [await counted(conversionsUnconfirmed, { reason: 'event_too_old' }), await counted(conversionsUnconfirmed, { reason: 'offline_source' })];
    app.pinterest.emulator.inject({ kind: 'slow', delay_ms: 2_000 }, { pathContains: '/events' });
    await assert.rejects(() => send({ http: new PinterestHttp(apiBaseUrl(), undefined, undefined, 300) }));
    await waitFor('Pinterest to have taken the slow request', async () => (ids.every((id) => postsOf(id) === 1) ? true : undefined));

    const settled = await send();
    assert.deepEqual([settled.unconfirmed, settled.reposted, settled.sent], [3, 0, 0]);
    assert.deepEqual(await statesOf(ids), ['unconfirmed', 'unconfirmed', 'unconfirmed']);
    assert.deepEqual(ids.map(postsOf), [1, 1, 1]);
    assert.match(String((await rowOf(stale[0]!)).capi_result?.reason), /may not have reached Pinterest: event_time is \d+ s old, not under the repost margin of 3000 s/);
    assert.deepEqual(
      [await counted(conversionsUnconfirmed, { reason: 'event_too_old' }), await counted(conversionsUnconfirmed, { reason: 'offline_source' })],
      [countsBefore[0]! + 2, countsBefore[1]! + 1],
    );
    await send();
    assert.deepEqual(ids.map(postsOf), [1, 1, 1], 'unconfirmed is final');
  });

  it('a stopping worker starts no new request, and waits for the answer of the one in flight', async () => {
    const waiting = await matched('stopped', 2);
    const stopped = new AbortController();
    stopped.abort();
    await assert.rejects(() => send({ stopping: stopped.signal }), (error: unknown) => (error as { type?: string }).type === 'WorkerStopping');
    assert.deepEqual(waiting.map(postsOf), [0, 0]);
    assert.deepEqual(await statesOf(waiting), ['unsent', 'unsent'], 'left for the next attempt');
    await send();

    const inFlight = await matched('draining', 2);
    app.pinterest.emulator.inject({ kind: 'slow', delay_ms: 1_000 }, { pathContains: '/events' });
    const stopping = new AbortController();
    const sending = send({ stopping: stopping.signal });
    await waitFor('the request to be in flight', async () => (inFlight.every((id) => postsOf(id) === 1) ? true : undefined));
    stopping.abort();
    const result = await sending;
    assert.equal(result.sent, 2, 'the answer in flight was waited for and stored');
    assert.deepEqual(await statesOf(inFlight), ['sent', 'sent']);
    assert.deepEqual(inFlight.map(postsOf), [1, 1]);
  });
});
