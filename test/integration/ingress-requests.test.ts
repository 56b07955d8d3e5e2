// Routy's requests to the ingress on real parts (a Temporal dev server, a fresh PostgreSQL
// database, our worker and ingress, the Pinterest emulator): bad records refused by index and
// field, bearer and HMAC authentication, the OpenAPI document, and a batch at the largest sizes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const TOKEN = 'test-ingress-token';
/** The one clock reading every event time in this file is set from. */
const NOW = Date.now();

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: TOKEN });
});

after(() => testApp?.stop());

describe('ingress requests', { timeout: 300_000 }, () => {
  it('rejects bad records by index and field and keeps the good ones', async () => {
    const { app } = testApp;
    const good = { event_id: 'ok-1', event_name: 'lead', event_time: new Date(NOW).toISOString(), ad_account_id: ACCOUNT };
    const result = await postJson(app, '/v1/conversions', {
      conversions: [good, { ...good, event_id: 'bad-1', event_time: NOW }, { ...good, event_id: 'bad-2', ad_account_id: '999' }],
    });
    assert.equal(result.status, 202);
    assert.equal(result.body.accepted, 1);
    assert.deepEqual(result.body.rejected, [
      { index: 1, field: 'event_time', message: 'looks like milliseconds; send Unix seconds' },
      { index: 2, field: 'ad_account_id', message: 'ad account 999 is not connected' },
    ]);
    const explained = await getWithToken(app, '/v1/conversions/bad-1');
    const [rejected] = ((await explained.json()) as { conversions: Array<Record<string, unknown>> }).conversions;
    assert.equal(rejected?.state, 'rejected');
    assert.equal(rejected?.ad_account_id, ACCOUNT);
    assert.deepEqual(rejected?.problems, [{ field: 'event_time', message: 'looks like milliseconds; send Unix seconds' }]);
    const unauthorized = await fetch(`${app.ingressUrl}/v1/conversions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(unauthorized.status, 401);
    const lowercase = await fetch(`${app.ingressUrl}/v1/conversions`, {
      method: 'POST',
      body: JSON.stringify({ conversions: [{ ...good, event_id: 'ok-2' }], extra: 1 }),
      headers: { 'content-type': 'application/json', authorization: `bearer ${TOKEN}` },
    });
    assert.equal(lowercase.status, 400, 'the scheme is case-insensitive; the unknown envelope key is refused');
    assert.deepEqual(await lowercase.json(), { error: 'invalid body', issues: [{ field: 'extra', message: 'is not a known field' }] });
  });

  it('accepts an HMAC-signed batch and refuses a stale or forged signature', async () => {
    const { app } = testApp;
    const body = JSON.stringify({ conversions: [{ event_id: 'signed-1', event_name: 'lead', event_time: new Date(NOW).toISOString(), ad_account_id: ACCOUNT }] });
    const sign = (t: number, payload: string) => `t=${t},v1=${createHmac('sha256', TOKEN).update(`${t}.${payload}`).digest('hex')}`;
    const send = (signature: string) =>
      fetch(`${app.ingressUrl}/v1/conversions`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-routy-signature': signature } });
    // Signing time is now, as a sender signs: the ingress takes 5 minutes either side.
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
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { issues: Array<{ field: string }> }).issues[0]?.field, '(body)');
  });

  it('answers a record with 200,000 unknown keys 400 with a bounded issue list, and /healthz meanwhile', async () => {
    const { app } = testApp;
    const record: Record<string, unknown> = { event_id: 'hostile-keys-1', event_name: 'lead', event_time: new Date(NOW).toISOString(), ad_account_id: ACCOUNT };
    for (let i = 0; i < 200_000; i += 1) record[`k${i}`] = i;
    const [result, health] = await Promise.all([postJson(app, '/v1/conversions', { conversions: [record] }), fetch(`${app.ingressUrl}/healthz`)]);
    assert.equal(health.status, 200);
    assert.equal(result.status, 400);
    const rejected = result.body.rejected as Array<{ index: number; field: string; message: string }>;
    assert.equal(rejected.length, 11, 'ten issues and one summing up the rest');
    assert.deepEqual(rejected.slice(0, 2), [
      { index: 0, field: 'k0', message: 'is not a known field' },
      { index: 0, field: 'k1', message: 'is not a known field' },
    ]);
    assert.deepEqual(rejected[10], { index: 0, field: '(record)', message: 'and 199,990 more problems' });
    const explained = await getWithToken(app, '/v1/conversions/hostile-keys-1');
    const [remembered] = ((await explained.json()) as { conversions: Array<{ state: string; problems: unknown[] }> }).conversions;
    assert.equal(remembered?.state, 'rejected');
    assert.equal(remembered?.problems.length, 11);
    // The envelope's own unknown keys are bounded too (100 and a summary).
    const envelope = await postJson(app, '/v1/conversions', { conversions: [record], ...Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`e${i}`, i])) });
    assert.equal(envelope.status, 400);
    const issues = envelope.body.issues as Array<{ field: string; message: string }>;
    assert.equal(issues.length, 101);
    assert.deepEqual(issues[100], { field: '(body)', message: 'and 49,900 more problems' });
  });

  it('checks a signature before the body is parsed: header and time window before it is read, then the HMAC, then the nesting limit', async () => {
    const { app } = testApp;
    const now = Math.floor(Date.now() / 1000);
    const madeUp = `t=${now},v1=${'0'.repeat(64)}`;
    const post = (body: string, signature: string) =>
      fetch(`${app.ingressUrl}/v1/conversions`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-routy-signature': signature } });
    // Broken JSON under a made-up signature is a 401 (the signature), not a 400 (the parse).
    assert.deepEqual([(await post('{"conversions": [', madeUp)).status, (await post('\u00ff not json', madeUp)).status], [401, 401]);
    // An 8 MB deeply nested array under a made-up signature is never parsed: no JSON.parse of a body that size runs.
    const nested = `{"conversions":${'['.repeat(4_000_000)}${']'.repeat(4_000_000)}}`;
    const parse = JSON.parse;
    let bigParses = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      if (typeof text === 'string' && text.length > 1_000_000) bigParses += 1;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    try {
      const refused = await post(nested, madeUp);
      assert.equal(refused.status, 401);
      assert.deepEqual(await refused.json(), { error: 'unauthorized: bad or expired X-Routy-Signature' });
    } finally {
      JSON.parse = parse;
    }
    assert.equal(bigParses, 0);
    // A stale signature is refused from its headers alone: the 8 MB the request announces are never sent.
    const stale = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const request = httpRequest(`${app.ingressUrl}/v1/conversions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(8 * 1024 * 1024), 'x-routy-signature': `t=${now - 600},v1=${'0'.repeat(64)}` },
      });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          resolve({ status: response.statusCode, body });
          request.destroy();
        });
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    assert.deepEqual(stale, { status: 401, body: JSON.stringify({ error: 'unauthorized: bad or expired X-Routy-Signature' }) });
    // Correctly signed, a body nested past 64 levels is refused naming the limit; at 64 it is parsed.
    const sign = (payload: string) => `t=${now},v1=${createHmac('sha256', TOKEN).update(`${now}.${payload}`).digest('hex')}`;
    // The envelope, the batch and the record take 3 levels.
    const deep = `{"conversions":[{"user":${'['.repeat(62)}${']'.repeat(62)}}]}`;
    const tooDeep = await post(deep, sign(deep));
    assert.equal(tooDeep.status, 400);
    assert.deepEqual(await tooDeep.json(), {
      error: 'nests arrays and objects deeper than 64 levels',
      issues: [{ field: '(body)', message: 'nests arrays and objects deeper than 64 levels' }],
    });
    const atLimit = `{"conversions":[{"user":${'['.repeat(61)}${']'.repeat(61)}}]}`;
    const parsed = await post(atLimit, sign(atLimit));
    assert.equal(parsed.status, 400);
    const fields = ((await parsed.json()) as { rejected: Array<{ field: string }> }).rejected.map((r) => r.field);
    assert.deepEqual(fields, ['event_id', 'event_name', 'event_time', 'ad_account_id', 'user'], 'parsed and refused field by field');
  });

  it('serves an OpenAPI document whose schemas are the validating zod schemas', async () => {
    const { app } = testApp;
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
    const { app } = testApp;
    const long = (prefix: string, n: number) => prefix + 'x'.repeat(n - prefix.length);
    const conversions = Array.from({ length: 1000 }, (_, i) => ({
      event_id: long(`big-${i}-`, 256),
      event_name: 'checkout',
      event_time: new Date(NOW).toISOString(),
      ad_account_id: ACCOUNT,
      order_id: long(`order-${i}-`, 256),
      click_id: long(`click-${i}-`, 512),
      value: '999999999999.999999',
      currency: 'USD',
      user: { email: long(`${i}@`, 512), user_agent: long('UA/', 1024), ip: '2001:db8::1', external_id: long('id', 512) },
    }));
    for (let i = 0; i < conversions.length; i += 500) {
      const result = await postJson(app, '/v1/conversions', { conversions: conversions.slice(i, i + 500) });
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
});
