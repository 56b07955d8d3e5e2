// The whole path on real parts: a Temporal dev server, a fresh PostgreSQL database, our worker
// and ingress, and the Pinterest emulator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { insertConversions } from '../../store/conversions-store';
import { addDays } from '../../domain/dates';
import { insertTouchpoints } from '../../store/touchpoints-store';
import { sha256Hex } from '../../domain/user-data';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { adAccountWorkflowId, AD_ACCOUNT_ID, LAST_SUCCESSFUL_PULL } from '../../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { promisify } from 'node:util';
import type { ConversionExplanation } from '../../reports/conversion-explainer';
import type { ReportRow } from '../../reports/performance-report';
import { sql } from 'kysely';
import { connectThroughOAuth, type RunningApp } from '../../service/app';
import type { EmulatedPinterest } from '../../demo/emulated-pinterest';
import { startTestApp, type TestApp } from '../support/test-app';
import { workflowsPath } from '../../worker/create-worker';
import { waitFor } from '../support/wait';

const DAY_MS = 86_400_000;
const ACCOUNT = DEMO_AD_ACCOUNT_ID;

let app: RunningApp<EmulatedPinterest>;
let testApp: TestApp;

async function post(pathName: string, body: unknown) {
  const response = await fetch(`${app.ingressUrl}${pathName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${app.ingressToken}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const capiEventsWithId = (eventId: string) =>
  app.pinterest.emulator.capiRequests.flatMap((r) => r.body.data).filter((event) => event.event_id === eventId);

before(async () => {
  testApp = await startTestApp(
    { ROUTY_INGRESS_TOKEN: 'test-ingress-token' },
    {
      schedule: { hold_seconds: 4 },
      // A low threshold makes Temporal suggest continue-as-new within this test's few signals.
      temporalExtraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'],
    },
  );
  app = testApp.app;
});

after(() => testApp?.stop());

// A bound so a hang fails the run instead of stalling CI.
describe('one ad account end to end', { timeout: 300_000 }, () => {
  it('connects through OAuth and pulls entities and daily metrics', async () => {
    assert.deepEqual(await connectThroughOAuth(app.ingressUrl), [ACCOUNT]);
    const status = await waitFor('the first pull', async () => {
      const s = await app.client.status(ACCOUNT);
      return s.counters.pulls >= 1 ? s : undefined;
    });
    assert.equal(status.connection_status, 'connected');

    const ads = await app.db.selectFrom('ads').selectAll().where('ad_account_id', '=', ACCOUNT).execute();
    assert.equal(ads.length, 12, 'every seeded ad, archived ones included');
    assert.ok(ads.some((a) => a.status === 'ARCHIVED'));
    assert.deepEqual(new Set(ads.map((a) => a.creative_type)), new Set(['REGULAR', 'VIDEO', 'IDEA', 'SHOPPING', 'CAROUSEL']));
    const pinned = ads.find((a) => a.ad_id === '687195905901')!;
    assert.equal(pinned.pin_id, '987654321012345601', '18-digit pin id kept exactly');

    const rows = await app.db.selectFrom('metrics_daily').selectAll().where('ad_account_id', '=', ACCOUNT).execute();
    assert.equal(rows.length, status.counters.metric_rows_upserted);
    const row = rows.find((r) => r.entity_id === '687195905901' && r.is_partial === false)!;
    assert.equal(row.currency, 'USD');
    assert.equal(row.click_window_days, 30);
    assert.equal(row.view_window_days, 1);
    assert.equal(row.spend_micro, String(row.columns.SPEND_IN_MICRO_DOLLAR));
    assert.equal(Number(row.saves), Number(row.columns.REPIN_1) + Number(row.columns.REPIN_2));
    assert.equal(Number(row.outbound_clicks), Number(row.columns.OUTBOUND_CLICK_1) + Number(row.columns.OUTBOUND_CLICK_2));
    assert.ok(Number(row.spend_micro) > 0 && Number(row.impressions) > 0 && Number(row.pin_clicks) > 0);

    const description = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT)).describe();
    assert.equal(description.typedSearchAttributes.get(AD_ACCOUNT_ID), ACCOUNT);
    assert.ok(description.typedSearchAttributes.get(LAST_SUCCESSFUL_PULL) instanceof Date);
  });

  it('a repeated pull of the same days upserts, never double-counts', async () => {
    const totals = () =>
      app.db
        .selectFrom('metrics_daily')
        .select((eb) => [eb.fn.countAll<string>().as('rows'), eb.fn.sum<string>('spend_micro').as('spend')])
        .executeTakeFirstOrThrow();
    const first = await totals();
    const activities = createActivities(app.activityDeps);
    const input = { ad_account_id: ACCOUNT, min_days: 30, backfill_days: 90, settings: DEFAULT_ATTRIBUTION_SETTINGS };
    const pulled = (await new MockActivityEnvironment().run(activities.pullMetrics, input)) as { rows: number; start_date: string };
    assert.ok(pulled.rows > 200, `re-read ${pulled.rows} rows`);
    await new MockActivityEnvironment().run(activities.pullMetrics, input);
    assert.deepEqual(await totals(), first);
  });

  it('attributes a conversion to the clicked pin and posts it to the Conversions API once', async () => {
    const now = Date.now();
    const click = {
      ad_account_id: ACCOUNT,
      type: 'click',
      occurred_at: new Date(now - 21 * DAY_MS).toISOString(),
      click_id: 'epik-21-days',
      pin_id: '987654321012345603',
    };
    const oldClick = { ...click, occurred_at: new Date(now - 31 * DAY_MS).toISOString(), click_id: 'epik-31-days' };
    const touch = await post('/v1/touchpoints', { touchpoints: [click, oldClick] });
    assert.equal(touch.status, 202);
    assert.equal(touch.body.accepted, 2);

    const conversion = {
      event_id: 'order-1001-checkout',
      event_name: 'checkout',
      event_time: new Date(now - 60_000).toISOString(),
      ad_account_id: ACCOUNT,
      value: '84.50',
      currency: 'USD',
      order_id: 'order-1001',
      click_id: 'epik-21-days',
      user: { email: '  Ada.Lovelace@Example.COM ', phone: '+1 415 555 0100' },
    };
    const late = { ...conversion, event_id: 'order-1002-checkout', order_id: 'order-1002', click_id: 'epik-31-days' };
    const sent = await post('/v1/conversions', { conversions: [conversion, late] });
    assert.equal(sent.status, 202);
    assert.deepEqual(sent.body, { accepted: 2, rejected: [] });

    const capi = await waitFor('the Conversions API request', async () => capiEventsWithId('order-1001-checkout')[0]);
    assert.equal(capi.event_time, Math.floor((now - 60_000) / 1000));
    assert.equal(capi.event_name, 'checkout');
    assert.equal(capi.action_source, 'web');
    const user = capi.user_data as Record<string, unknown>;
    assert.deepEqual(user.em, [sha256Hex('ada.lovelace@example.com')]);
    assert.equal(user.click_id, 'epik-21-days');
    assert.deepEqual(capi.custom_data, { currency: 'USD', value: '84.50', order_id: 'order-1001' });

    const attribution = await app.db
      .selectFrom('attributions')
      .selectAll()
      .where('event_id', '=', 'order-1001-checkout')
      .executeTakeFirstOrThrow();
    assert.equal(attribution.pin_id, '987654321012345603');
    assert.equal(attribution.ad_id, '687195905903', 'ad completed from the synced entities');
    assert.equal(attribution.ad_group_id, '2680060704712');
    assert.equal(attribution.campaign_id, '626736533501');
    assert.equal(attribution.touch_type, 'click');
    assert.equal(attribution.match_key, 'click_id');
    assert.equal(Number(attribution.lag_seconds), 21 * 86_400 - 60);

    // The emulator records the request as it arrives; the outcome is stored once its answer is read.
    const stored = await waitFor('the Conversions API outcome stored', async () => {
      const row = await app.db.selectFrom('conversions').selectAll().where('event_id', '=', 'order-1001-checkout').executeTakeFirstOrThrow();
      return row.capi_state === 'posting' ? undefined : row;
    });
    assert.equal(stored.capi_state, 'sent');
    assert.equal(stored.user_data.em, sha256Hex('ada.lovelace@example.com'));
    assert.ok(!JSON.stringify(stored).includes('Lovelace'), 'no raw email stored');

    // The 31-day-old click is outside the 30-day click window: nothing attributed, nothing sent.
    const lateRow = await app.db.selectFrom('conversions').selectAll().where('event_id', '=', 'order-1002-checkout').executeTakeFirstOrThrow();
    assert.notEqual(lateRow.attribution_state, 'matched');
    assert.equal(await app.db.selectFrom('attributions').select('event_id').where('event_id', '=', 'order-1002-checkout').executeTakeFirst(), undefined);
    assert.equal(capiEventsWithId('order-1002-checkout').length, 0);
  });

  it('explains a conversion over HTTP and from the CLI', async () => {
    const response = await fetch(`${app.ingressUrl}/v1/conversions/order-1001-checkout`, { headers: { authorization: `Bearer ${app.ingressToken}` } });
    assert.equal(response.status, 200);
    const [explained] = ((await response.json()) as { conversions: ConversionExplanation[] }).conversions;
    assert.equal(explained?.state, 'matched');
    assert.deepEqual(
      { ...explained?.attribution, touched_at: undefined },
      { campaign_id: '626736533501', ad_group_id: '2680060704712', ad_id: '687195905903', pin_id: '987654321012345603', touch_type: 'click', match_key: 'click_id', lag_seconds: 21 * 86_400 - 60, touched_at: undefined },
    );
    assert.equal(explained?.conversions_api.state, 'sent');
    assert.equal((await fetch(`${app.ingressUrl}/v1/conversions/nope`, { headers: { authorization: `Bearer ${app.ingressToken}` } })).status, 404);
    // A NUL in the path is refused by name before PostgreSQL sees it (it answered 500).
    const nul = await fetch(`${app.ingressUrl}/v1/conversions/a%00b`, { headers: { authorization: `Bearer ${app.ingressToken}` } });
    assert.deepEqual([nul.status, await nul.json()], [400, { error: 'invalid path', issues: [{ field: 'event_id', message: 'must not contain NUL characters' }] }]);
    const badAccount = await fetch(`${app.ingressUrl}/v1/ad_accounts/5%00/conversions-api`, {
      method: 'PUT', body: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${app.ingressToken}` },
    });
    assert.deepEqual([badAccount.status, await badAccount.json()], [400, { error: 'invalid path', issues: [{ field: 'ad_account_id', message: 'must be 1 to 19 digits' }] }]);

    const { stdout } = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'conversion', 'order-1001-checkout', '--url', app.ingressUrl], {
      env: { ...process.env, ROUTY_INGRESS_TOKEN: app.ingressToken },
    });
    assert.match(stdout, /credited to pin 987654321012345603 \(ad 687195905903, ad group 2680060704712, campaign 626736533501\)/);
    assert.match(stdout, /by a click at .*, matched on click_id, 21\.0 days before the conversion/);
    assert.match(stdout, /Conversions API {2}sent/);
  });

  it('a second signal with the same event_id causes no second send', async () => {
    const again = {
      event_id: 'order-1001-checkout',
      event_name: 'checkout',
      event_time: new Date(Date.now() - 30_000).toISOString(),
      ad_account_id: ACCOUNT,
      click_id: 'epik-21-days',
      user: { email: 'ada.lovelace@example.com' },
    };
    const marker = {
      ...again,
      event_id: 'order-1003-checkout',
      user: { email: 'grace@example.com' },
    };
    assert.equal((await post('/v1/conversions', { conversions: [again] })).status, 202);
    assert.equal((await post('/v1/conversions', { conversions: [marker] })).status, 202);
    // The later conversion is sent once processed; by then the repeat was processed before it.
    await waitFor('the marker conversion to be sent', async () => capiEventsWithId('order-1003-checkout')[0]);
    assert.equal(capiEventsWithId('order-1001-checkout').length, 1);
    const status = await app.client.status(ACCOUNT);
    assert.equal(status.counters.conversions_received, 4);
  });

  it('an unmatched conversion stays pending, then expires when its hold ends', async () => {
    const lonely = {
      event_id: 'signup-without-click',
      event_name: 'signup',
      event_time: new Date().toISOString(),
      ad_account_id: ACCOUNT,
      user: { email: 'nobody@example.com' },
    };
    assert.equal((await post('/v1/conversions', { conversions: [lonely] })).status, 202);
    const state = async () =>
      (await app.db.selectFrom('conversions').select('attribution_state').where('event_id', '=', 'signup-without-click').executeTakeFirst())
        ?.attribution_state;
    assert.equal(await waitFor('the conversion to be stored', state), 'pending');
    assert.equal(await waitFor('the hold to end', async () => ((await state()) === 'expired' ? 'expired' : undefined)), 'expired');
  });

  it('rejects bad records by index and field and keeps the good ones', async () => {
    const good = { event_id: 'ok-1', event_name: 'lead', event_time: new Date().toISOString(), ad_account_id: ACCOUNT };
    const result = await post('/v1/conversions', {
      conversions: [good, { ...good, event_id: 'bad-1', event_time: Date.now() }, { ...good, event_id: 'bad-2', ad_account_id: '999' }],
    });
    assert.equal(result.status, 202);
    assert.equal(result.body.accepted, 1);
    assert.deepEqual(result.body.rejected, [
      { index: 1, field: 'event_time', message: 'looks like milliseconds; send Unix seconds' },
      { index: 2, field: 'ad_account_id', message: 'ad account 999 is not connected' },
    ]);
    const explained = await fetch(`${app.ingressUrl}/v1/conversions/bad-1`, { headers: { authorization: `Bearer ${app.ingressToken}` } });
    const [rejected] = ((await explained.json()) as { conversions: Array<Record<string, unknown>> }).conversions;
    assert.equal(rejected?.state, 'rejected');
    assert.equal(rejected?.ad_account_id, ACCOUNT);
    assert.deepEqual(rejected?.problems, [{ field: 'event_time', message: 'looks like milliseconds; send Unix seconds' }]);
    const unauthorized = await fetch(`${app.ingressUrl}/v1/conversions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(unauthorized.status, 401);
    const lowercase = await fetch(`${app.ingressUrl}/v1/conversions`, {
      method: 'POST',
      body: JSON.stringify({ conversions: [{ ...good, event_id: 'ok-2' }], extra: 1 }),
      headers: { 'content-type': 'application/json', authorization: 'bearer test-ingress-token' },
    });
    assert.equal(lowercase.status, 400, 'the scheme is case-insensitive; the unknown envelope key is refused');
    assert.deepEqual(await lowercase.json(), { error: 'invalid body', issues: [{ field: 'extra', message: 'is not a known field' }] });
  });

  it('accepts an HMAC-signed batch and refuses a stale or forged signature', async () => {
    const body = JSON.stringify({ conversions: [{ event_id: 'signed-1', event_name: 'lead', event_time: new Date().toISOString(), ad_account_id: ACCOUNT }] });
    const sign = (t: number, payload: string) => `t=${t},v1=${createHmac('sha256', 'test-ingress-token').update(`${t}.${payload}`).digest('hex')}`;
    const send = (signature: string) =>
      fetch(`${app.ingressUrl}/v1/conversions`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-routy-signature': signature } });
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await send(sign(now, body))).status, 202);
    assert.equal((await send(sign(now - 600, body))).status, 401, 'older than 5 minutes');
    assert.equal((await send(sign(now, body.replace('lead', 'signup')))).status, 401, 'signature of another body');
    assert.equal((await send('t=1,v1=00')).status, 401);
    assert.equal((await send(sign(now, body).toUpperCase().replace('T=', 't=').replace('V1=', 'v1='))).status, 202, 'hex in either case');
    const withWrongBearer = await fetch(`${app.ingressUrl}/v1/conversions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-routy-signature': sign(now, body), authorization: 'Bearer wrong' },
    });
    assert.equal(withWrongBearer.status, 401, 'a wrong bearer token is not excused by a signature');
    const notJson = await fetch(`${app.ingressUrl}/v1/conversions`, {
      method: 'POST',
      body: 'not json',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.ingressToken}` },
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { issues: Array<{ field: string }> }).issues[0]?.field, '(body)');
  });

  it('serves an OpenAPI document whose schemas are the validating zod schemas', async () => {
    const document = (await (await fetch(`${app.ingressUrl}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, object> };
    };
    assert.equal(document.openapi, '3.1.0');
    assert.ok(document.paths['/v1/conversions'] && document.paths['/v1/touchpoints']);
    const ajv = new Ajv2020({ strict: false });
    const conversion = ajv.compile(document.components.schemas.Conversion!);
    const record = { event_id: 'x', event_name: 'checkout', event_time: '2026-11-01T10:00:00Z', ad_account_id: '1', user: { email: 'a@b.c' } };
    assert.equal(conversion(record), true, ajv.errorsText(conversion.errors));
    assert.equal(conversion({ ...record, event_name: 'buy' }), false);
    assert.equal(conversion({ ...record, surprise: 1 }), false, 'unknown fields are refused there too');
  });

  it('takes a batch of 1,000 conversions at the largest allowed sizes without losing one', async () => {
    const long = (prefix: string, n: number) => prefix + 'x'.repeat(n - prefix.length);
    const conversions = Array.from({ length: 1000 }, (_, i) => ({
      event_id: long(`big-${i}-`, 256),
      event_name: 'checkout',
      event_time: new Date().toISOString(),
      ad_account_id: ACCOUNT,
      order_id: long(`order-${i}-`, 256),
      click_id: long(`click-${i}-`, 512),
      value: '999999999999.999999',
      currency: 'USD',
      user: { email: long(`${i}@`, 512), user_agent: long('UA/', 1024), ip: '2001:db8::1', external_id: long('id', 512) },
    }));
    for (let i = 0; i < conversions.length; i += 500) {
      const result = await post('/v1/conversions', { conversions: conversions.slice(i, i + 500) });
      assert.equal(result.status, 202);
      assert.equal(result.body.accepted, 500);
    }
    const stored = await waitFor('all 1,000 stored', async () => {
      const row = await app.db.selectFrom('conversions').select((eb) => eb.fn.countAll<string>().as('n')).where('event_id', 'like', 'big-%').executeTakeFirstOrThrow();
      return Number(row.n) === 1000 ? Number(row.n) : undefined;
    }, 120_000);
    assert.equal(stored, 1000);
    const status = await app.client.status(ACCOUNT);
    assert.equal(status.connection_status, 'connected');
  });

  it('a retried recordConversions still attributes what a crashed attempt had already inserted', async () => {
    const activities = createActivities(app.activityDeps);
    const occurred = new Date(Date.now() - 3 * DAY_MS).toISOString();
    await insertTouchpoints(app.db, [{ ad_account_id: ACCOUNT, type: 'click', occurred_at: occurred, click_id: 'epik-retry', ad_id: '687195905905', user_data: {} }]);
    const conversion = {
      event_id: 'retry-1', event_name: 'checkout' as const, event_time: new Date().toISOString(), ad_account_id: ACCOUNT,
      action_source: 'web' as const, click_id: 'epik-retry', user_data: {},
    };
    // The first attempt died right after its insert.
    await insertConversions(app.db, [conversion], 3600, new Date());
    const input = { ad_account_id: ACCOUNT, conversions: [conversion], settings: DEFAULT_ATTRIBUTION_SETTINGS, hold_seconds: 3600 };
    const retried = (await new MockActivityEnvironment().run(activities.recordConversions, input)) as Record<string, number>;
    const { pending_total: _all, ...counts } = retried;
    assert.deepEqual(counts, { inserted: 0, duplicates: 1, matched: 1, pending: 0 });
    const attribution = await app.db.selectFrom('attributions').selectAll().where('event_id', '=', 'retry-1').executeTakeFirstOrThrow();
    assert.equal(attribution.ad_id, '687195905905');
    assert.equal(attribution.pin_id, '987654321012345605');
  });

  it('reports cost per conversion by campaign under 30 days beside 7 days, as JSON, CSV and a CLI table', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const start = new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10);
    const query = `level=campaign&window=30&compare=7&start_date=${start}&end_date=${today}`;
    const auth = { authorization: `Bearer ${app.ingressToken}` };
    const json = (await (await fetch(`${app.ingressUrl}/v1/reports/performance?${query}`, { headers: auth })).json()) as { rows: ReportRow[] };
    const patio = json.rows.find((r) => r.id === '626736533501')!;
    // order-1001 and order-1003 came 21 days after their click: counted under 30 days, not under 7.
    assert.equal(patio.routy.conversions, 2);
    assert.equal(patio.compare?.conversions, 0);
    assert.equal(patio.currency, 'USD');
    assert.ok(patio.spend > 0 && patio.routy.cost_per_conversion === Math.round((patio.spend / 2) * 100) / 100);
    const tablescapes = json.rows.find((r) => r.id === '626736533502')!;
    assert.deepEqual([tablescapes.routy.conversions, tablescapes.compare?.conversions], [1, 1], 'retry-1 came 3 days after its click');
    const bad = await fetch(`${app.ingressUrl}/v1/reports/performance?level=brand&window=3&start_date=${today}&end_date=${start}`, { headers: auth });
    assert.equal(bad.status, 400);
    // Every fault at once, the reversed range included.
    assert.deepEqual(((await bad.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field).sort(), ['level', 'start_date', 'window']);
    for (const [query, field] of [['start_date=0000-01-01', 'start_date'], ['window=0x1e', 'window'], ['compare=07', 'compare'], ['levle=pin', 'levle']] as const) {
      const refused = await fetch(`${app.ingressUrl}/v1/reports/performance?start_date=${start}&end_date=${today}&${query}`, { headers: auth });
      assert.equal(refused.status, 400, query);
      assert.deepEqual(((await refused.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field), [field], query);
    }
    const undated = await fetch(`${app.ingressUrl}/v1/reports/performance?level=pin`, { headers: auth });
    assert.deepEqual(((await undated.json()) as { issues: unknown }).issues, [
      { field: 'start_date', message: 'is required' },
      { field: 'end_date', message: 'is required' },
    ]);
    const csv = await (await fetch(`${app.ingressUrl}/v1/reports/performance?${query}&format=csv`, { headers: auth })).text();
    assert.match(csv.split('\n')[0]!, /^ad_account_id,currency,level,id,pin_id,name,spend,/);
    assert.match(csv, /549764105221,USD,campaign,626736533501,,Spring Patio Refresh,[\d.]+,\d+,\d+,\d+,\d+,30,2,/);
    const { stdout } = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'report', '--level', 'campaign', '--window', '30', '--compare', '7', '--url', app.ingressUrl], {
      env: { ...process.env, ROUTY_INGRESS_TOKEN: app.ingressToken },
    });
    assert.match(stdout, /conv 30d\s+cost\/conv 30d\s+ROAS 30d\s+conv 7d\s+cost\/conv 7d/);
    assert.match(stdout, /626736533501\s+Spring Patio Refresh\s+[\d.]+\s+2\s+[\d.]+\s+[\d.-]+\s+0\s+-/);
  });

  it('draws the slow-burn curve: the share of conversions by lag day, and after day 7', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const start = new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10);
    const auth = { authorization: `Bearer ${app.ingressToken}` };
    const response = await fetch(`${app.ingressUrl}/v1/reports/slow-burn?level=campaign&window=30&start_date=${start}&end_date=${today}`, { headers: auth });
    const { rows } = (await response.json()) as { rows: Array<{ id: string; conversions: number; cumulative_share: number[]; share_after_day_7: number }> };
    const patio = rows.find((r) => r.id === '626736533501')!;
    assert.equal(patio.conversions, 2);
    assert.equal(patio.cumulative_share.length, 31);
    assert.equal(patio.cumulative_share[20], 0, 'both at 20.99 days: not within 20 days');
    assert.equal(patio.cumulative_share[21], 1, 'both within 21 days');
    assert.equal(patio.share_after_day_7, 1);
    const tablescapes = rows.find((r) => r.id === '626736533502')!;
    assert.deepEqual([tablescapes.cumulative_share[2], tablescapes.cumulative_share[3], tablescapes.share_after_day_7], [0, 1, 0]);

    const csv = await (await fetch(`${app.ingressUrl}/v1/reports/slow-burn?level=campaign&window=7&start_date=${start}&end_date=${today}&format=csv`, { headers: auth })).text();
    assert.equal(csv.split('\n')[0], 'ad_account_id,level,id,name,conversions,share_after_day_7,share_by_day_0,share_by_day_1,share_by_day_2,share_by_day_3,share_by_day_4,share_by_day_5,share_by_day_6,share_by_day_7');
    assert.match(csv, /\n549764105221,campaign,626736533502,Holiday Tablescapes,1,0,0,0,0,1,1,1,1,1\n/);
    const badFormat = await fetch(`${app.ingressUrl}/v1/reports/slow-burn?start_date=${start}&end_date=${today}&format=xlsx`, { headers: auth });
    assert.equal(badFormat.status, 400);
    assert.deepEqual(((await badFormat.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field), ['format']);
    const { stdout } = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'slow-burn', '--level', 'campaign', '--window', '30', '--url', app.ingressUrl], {
      env: { ...process.env, ROUTY_INGRESS_TOKEN: app.ingressToken },
    });
    assert.match(stdout, /campaign\s+name\s+conversions\s+by day 1\s+by day 7\s+by day 14\s+by day 30\s+after day 7/);
    assert.match(stdout, /626736533501\s+Spring Patio Refresh\s+2\s+0%\s+0%\s+0%\s+100%\s+100%\s+▁{21}█{10}/);
    // The service refuses `start_date`; the CLI names the flag that was typed.
    const refused = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'slow-burn', '--from', '2026-13-01', '--url', app.ingressUrl], {
      env: { ...process.env, ROUTY_INGRESS_TOKEN: app.ingressToken },
    }).then(
      () => assert.fail('a month 13 was accepted'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^--from: /m);
    assert.doesNotMatch(refused.stderr, /start_date/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, `one message for one broken date: ${refused.stderr}`);
    const reversed = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'report', '--from', '2026-11-20', '--to', '2026-11-10', '--url', app.ingressUrl], {
      env: { ...process.env, ROUTY_INGRESS_TOKEN: app.ingressToken },
    }).then(
      () => assert.fail('a range ending before it starts was accepted'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(reversed.stderr.trim(), '--from: must not be after --to');
    // An empty value is refused by name, not taken as "every ad account".
    const empty = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'report', '--ad-account', '', '--url', app.ingressUrl], {
      env: { ...process.env, ROUTY_INGRESS_TOKEN: app.ingressToken },
    }).then(
      () => assert.fail('an empty --ad-account was accepted'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(empty.stderr.trim(), '--ad-account: must be 1 to 19 digits');
    // A --url that is some other web server: one clear line, not a JSON parse stack.
    const other = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>hi</p>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      for (const args of [['slow-burn'], ['report', '--csv'], ['conversion', 'order-1001-checkout']]) {
        const wrong = await promisify(execFile)('node', ['bin/routy-pinterest.js', ...args, '--url', otherUrl]).then(
          () => assert.fail(`${args.join(' ')} took an HTML page for an answer`),
          (error: { code: number; stderr: string }) => error,
        );
        assert.equal(wrong.code, 1);
        assert.equal(wrong.stderr.trim(), `${otherUrl} answered text/html where ${args.includes('--csv') ? 'text/csv' : 'application/json'} was expected: is --url (or ROUTY_URL) this service?`);
      }
    } finally {
      other.close();
    }
  });

  it('fills the channel-agnostic view another channel could fill too', async () => {
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

  it('records, attributes and sends conversions while a pull waits on Pinterest', async () => {
    const emulator = app.pinterest.emulator;
    const held = `/ad_accounts/${ACCOUNT}/campaigns/analytics`;
    emulator.inject({ kind: 'slow', delay_ms: 20_000 }, { pathContains: held, times: 1 });
    const pullsBefore = (await app.client.status(ACCOUNT)).counters.pulls;
    await app.client.pullNow(ACCOUNT);
    await waitFor('the held analytics request', async () => (emulator.inFlight(held) > 0 ? true : undefined));
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(Date.now() - DAY_MS).toISOString(), click_id: 'epik-during-pull', pin_id: '987654321012345603' };
    assert.equal((await post('/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = { event_id: 'order-during-pull', event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: ACCOUNT, click_id: 'epik-during-pull', user: { email: 'planner@example.com' } };
    assert.equal((await post('/v1/conversions', { conversions: [conversion] })).status, 202);
    const sent = await waitFor('the Conversions API request', async () => capiEventsWithId('order-during-pull')[0]);
    assert.equal((sent.user_data as Record<string, unknown>).click_id, 'epik-during-pull');
    assert.equal(emulator.inFlight(held), 1, 'the pull was still waiting on Pinterest');
    assert.equal((await app.client.status(ACCOUNT)).counters.pulls, pullsBefore);
    await waitFor('the held pull to finish', async () => ((await app.client.status(ACCOUNT)).counters.pulls > pullsBefore ? true : undefined));
  });

  it('a stored value too large for micro-currency is attributed without one, and blocks nothing', async () => {
    // Accepted before the ingress capped values at 12 digits: 10^15 units is 10^21 micro, past a bigint.
    const activities = createActivities(app.activityDeps);
    const conversion = {
      event_id: 'huge-value-1', event_name: 'checkout' as const, event_time: new Date().toISOString(), ad_account_id: ACCOUNT,
      action_source: 'web' as const, click_id: 'epik-huge', value: '999999999999999.999999', currency: 'USD', user_data: {},
    };
    await insertConversions(app.db, [conversion], 3600, new Date());
    const touchpoints = [{ ad_account_id: ACCOUNT, type: 'click' as const, occurred_at: new Date(Date.now() - DAY_MS).toISOString(), click_id: 'epik-huge', ad_id: '687195905905', user_data: {} }];
    const result = (await new MockActivityEnvironment().run(activities.recordTouchpoints, { ad_account_id: ACCOUNT, touchpoints, settings: DEFAULT_ATTRIBUTION_SETTINGS })) as { matched: number };
    assert.equal(result.matched, 1);
    const attribution = await app.db.selectFrom('attributions').select(['ad_id', 'conversion_value_micro']).where('event_id', '=', 'huge-value-1').executeTakeFirstOrThrow();
    assert.deepEqual(attribution, { ad_id: '687195905905', conversion_value_micro: null });
  });

  it('continues-as-new when Temporal suggests it, carrying counters and schedule', async () => {
    const before = await app.client.status(ACCOUNT);
    for (let i = 0; i < 30; i += 1) {
      const touchpoint = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date().toISOString(), click_id: `epik-can-${i}`, ad_id: '687195905901' };
      assert.equal((await post('/v1/touchpoints', { touchpoints: [touchpoint] })).status, 202);
    }
    const continued = await waitFor('a continued-as-new run', async () => {
      const runs = [];
      for await (const run of app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(ACCOUNT)}'` })) runs.push(run);
      return runs.some((r) => r.status.name === 'CONTINUED_AS_NEW') ? runs : undefined;
    });
    assert.ok(continued.length >= 2);
    const after = await waitFor('the new run to take every touchpoint', async () => {
      const s = await app.client.status(ACCOUNT);
      return s.counters.touchpoints_received === before.counters.touchpoints_received + 30 ? s : undefined;
    });
    assert.equal(after.counters.pulls, before.counters.pulls, 'no new backfill after continue-as-new');
    assert.equal(after.last_pull_at, before.last_pull_at);
    const stored = await waitFor('every touchpoint stored', async () => {
      const rows = await app.db.selectFrom('touchpoints').select('click_id').where('click_id', 'like', 'epik-can-%').execute();
      return rows.length === 30 ? rows : undefined;
    });
    assert.equal(new Set(stored.map((r) => r.click_id)).size, 30);
  });

  it('continues-as-new between backfill reports, not only once the whole queue is done', async () => {
    const runIds = async () => {
      const ids = new Set<string>();
      for await (const run of app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(ACCOUNT)}'` })) ids.add(run.runId);
      return ids;
    };
    const runsBefore = (await runIds()).size;
    const doneBefore = (await app.client.status(ACCOUNT)).counters.backfill_ranges_done ?? 0;
    const today = new Date().toISOString().slice(0, 10);
    const pieces = await app.client.backfill(ACCOUNT, { start_date: addDays(today, -800), end_date: addDays(today, -100) });
    assert.equal(pieces.length, 4);
    // A burst of touchpoints while the first report runs makes Temporal suggest continue-as-new;
    // then the loop only wakes when a report ends, and that is where it must continue.
    for (let i = 0; i < 15; i += 1) {
      const touchpoint = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date().toISOString(), click_id: `epik-backfill-${i}`, ad_id: '687195905901' };
      assert.equal((await post('/v1/touchpoints', { touchpoints: [touchpoint] })).status, 202);
    }
    let continuedWithRangesLeft = false;
    for (let polls = 0; ; polls += 1) {
      const status = await app.client.status(ACCOUNT);
      if ((await runIds()).size > runsBefore && status.backfill_queue.length > 0) continuedWithRangesLeft = true;
      if ((status.counters.backfill_ranges_done ?? 0) === doneBefore + 4) break;
      assert.ok(polls < 400, 'the four reports were not collected in time');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.ok(continuedWithRangesLeft, 'a run continued-as-new while reports were still queued');
  });

  it('replays a complete run of its own history deterministically', async () => {
    // A run closed by continue-as-new: a complete history, not one cut mid-task. The smallest,
    // as the run that took the 1,000 large conversions is past gRPC's 4 MB message size.
    const closed: Array<{ runId: string; size: number }> = [];
    for await (const run of app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(ACCOUNT)}'` })) {
      if (run.status.name === 'CONTINUED_AS_NEW') closed.push({ runId: run.runId, size: run.historySize ?? 0 });
    }
    const closedRunId = closed.sort((a, b) => a.size - b.size)[0]?.runId;
    assert.ok(closedRunId);
    const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT), closedRunId).fetchHistory();
    await Worker.runReplayHistory({ workflowsPath, dataConverter: app.dataConverter }, history, adAccountWorkflowId(ACCOUNT));
    // RECORD_HISTORY=1 npm test refreshes the fixture that test/replay.test.ts replays.
    if (process.env.RECORD_HISTORY === '1') {
      await writeFile(new URL('../fixtures/ad-account-workflow-history.json', import.meta.url), historyToJSON(history));
    }
  });
});
