// What the service keeps and says about people and secrets. It is fed raw emails, phones and names
// and walks through OAuth; then PostgreSQL, every workflow history and the captured JSON log are
// searched for them. Hashes may be stored in PostgreSQL (matching needs them) but not be readable
// in Temporal history; tokens may be stored only encrypted. Then the keys rotate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import getPort from 'get-port';
import { sql } from 'kysely';
import { generateEncryptionKeyEntry, parseEncryptionKeys, TokenCipher } from '../../secrets/token-cipher';
import { sha256Hex } from '../../domain/user-data';
import { loadConfig } from '../../service/config';
import { startApp, type RunningApp } from '../../service/app';
import { connectThroughOAuth, DEMO_ADVERTISER_ID } from '../../service/oauth-connect';
import { startEmulatedPinterest, type EmulatedPinterest } from '../../demo/emulated-pinterest';
import { replayWorkerOptions } from '../../worker/create-worker';
import { PayloadEncryptionCodec } from '../../temporal/payload-codec';
import { adAccountWorkflowId } from '../../workflows/shared';
import { createTestDatabase } from '../support/postgres';
import { waitFor } from '../support/wait';

const ACCOUNT = '549764105221';
const TOKEN = 'security-test-ingress-token';
const k1 = generateEncryptionKeyEntry('k1');
const k2 = generateEncryptionKeyEntry('k2');
const people = Array.from({ length: 12 }, (_, i) => ({
  email: `Secret.Person${i}@Example.org`,
  phone: `+1 415 555 01${String(i).padStart(2, '0')}`,
  first_name: `Zebulon${i}`,
  last_name: `Quixote${i}`,
}));
const rawValues = people.flatMap((p) => [p.email, p.email.toLowerCase(), p.phone, p.phone.replace(/\D/g, ''), p.first_name, p.last_name]);
const hashedEmails = people.map((p) => sha256Hex(p.email.trim().toLowerCase()));

let database: { url: string; drop: () => Promise<void> };
let dataDir: string;
let app: RunningApp<EmulatedPinterest>;
const logLines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

let temporalPorts: { TEMPORAL_PORT: string; TEMPORAL_UI_PORT: string };

// The dev server keeps its state in the data folder, so histories outlive a restart with new keys.
const start = async (keys: string) => {
  const config = loadConfig({ DATABASE_URL: database.url, ROUTY_HTTP_PORT: '0', ROUTY_DATA_DIR: dataDir, ROUTY_LOG_LEVEL: 'DEBUG', ROUTY_SDK_METRICS_PORT: '0', ROUTY_INGRESS_TOKEN: TOKEN, ROUTY_ENCRYPTION_KEYS: keys, ...temporalPorts });
  return startApp(config, { logDestination: capture, log: (line) => logLines.push(line), persistTemporal: true, pinterest: await startEmulatedPinterest(config) });
};

async function post(route: string, body: unknown) {
  const response = await fetch(`${app.ingressUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  assert.equal(response.status, 202, await response.clone().text());
}

/** Every string and every byte string (as latin1) in a history, so ciphertext is searched too. */
function haystackOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) for (const v of value) haystackOf(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) haystackOf(v, out);
  return out;
}

before(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-security-'));
  temporalPorts = { TEMPORAL_PORT: String(await getPort({ host: '127.0.0.1' })), TEMPORAL_UI_PORT: String(await getPort({ host: '127.0.0.1' })) };
  app = await start(k1);
  assert.deepEqual(await connectThroughOAuth(app), [ACCOUNT]);
  await waitFor('the first pull', async () => ((await app.client.status(ACCOUNT)).counters.pulls >= 1 ? true : undefined));
  const now = Date.now();
  await post('/v1/touchpoints', {
    touchpoints: people.map((p, i) => ({ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 3 * 86_400_000).toISOString(), click_id: `sec-click-${i}`, ad_id: '687195905901', user: { email: p.email, phone: p.phone, ip: '198.51.100.23', user_agent: 'ClickAgent/1.0', partner_id: 'ramp-click' } })),
  });
  await post('/v1/conversions', {
    conversions: people.map((p, i) => ({
      event_id: `sec-${i}`, event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, value: '12.50', currency: 'USD',
      // Half match by click id, half by the hashed email alone.
      ...(i % 2 === 0 ? { click_id: `sec-click-${i}` } : {}),
      user: { ...p, ip: '203.0.113.9', user_agent: 'Mozilla/5.0', partner_id: `ramp-${i}` },
    })),
  });
  await waitFor('every conversion sent', async () => {
    const rows = await app.db.selectFrom('conversions').select('capi_state').where('event_id', 'like', 'sec-%').execute();
    return rows.length === people.length && rows.every((r) => r.capi_state === 'sent') ? true : undefined;
  }, 90_000);
});
after(async () => {
  await app?.shutdown();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('no raw personal data or secret at rest, in history or in logs', { timeout: 240_000 }, () => {
  it('PostgreSQL holds hashes and encrypted tokens only', async () => {
    const { rows: tables } = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(app.db);
    const dump: string[] = [];
    for (const { name } of tables) {
      const { rows } = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(name)} t`.execute(app.db);
      dump.push(...rows.map((r) => r.row));
    }
    const text = dump.join('\n');
    assert.ok(text.includes(hashedEmails[0]!), 'the search finds what is there: hashed emails are stored for matching');
    for (const value of rawValues) assert.ok(!text.includes(value), `PostgreSQL holds ${value}`);
    assert.ok(app.pinterest.emulator.issuedTokens.length >= 2);
    for (const token of app.pinterest.emulator.issuedTokens) assert.ok(!text.includes(token), 'an OAuth token is stored in the clear');
  });

  it('a sent conversion keeps no IP address, user agent or partner_id; a click in its window keeps its IP address and user agent only', async () => {
    const conversions = await app.db.selectFrom('conversions').select(['event_id', 'user_data']).where('event_id', 'like', 'sec-%').execute();
    assert.equal(conversions.length, people.length);
    for (const { event_id, user_data } of conversions) {
      assert.deepEqual(Object.keys(user_data).filter((k) => ['client_ip_address', 'client_user_agent', 'partner_id'].includes(k)), [], `${event_id} keeps raw user data once sent`);
      assert.equal(user_data.em, sha256Hex(people[Number(event_id.slice(4))]!.email.trim().toLowerCase()), 'the hashed email stays');
    }
    const clicks = await app.db.selectFrom('touchpoints').select('user_data').where('click_id', 'like', 'sec-click-%').execute();
    assert.equal(clicks.length, people.length);
    for (const { user_data } of clicks) {
      assert.equal(user_data.client_ip_address, '198.51.100.23', 'a click 3 days old, inside its 30-day window: a conversion may still borrow it');
      assert.equal(user_data.partner_id, undefined, 'a touchpoint stores no partner_id');
    }
  });

  it('Temporal history holds ciphertext: no raw value, no hash, no token, not even the account currency', async () => {
    const haystack: string[] = [];
    let runs = 0;
    for await (const execution of app.temporalClient.workflow.list()) {
      const history = await app.temporalClient.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      haystackOf(history, haystack);
      runs += 1;
      // The same history decodes with the keys: the codec did its work, the workflow still replays.
      await Worker.runReplayHistory(replayWorkerOptions(app.dataConverter), history, execution.workflowId);
    }
    assert.ok(runs >= 1);
    const text = haystack.join('\n');
    assert.ok(text.includes(adAccountWorkflowId(ACCOUNT)), 'workflow ids stay readable for operators');
    for (const value of [...rawValues, ...hashedEmails, ...app.pinterest.emulator.issuedTokens, '"USD"', 'Evergreen Home']) {
      assert.ok(!text.includes(value), `history shows ${value}`);
    }
    // Routy's records never enter the history (they wait in PostgreSQL's inbox), and what the codec
    // hides is really there: decoding the record pump's input shows the account's settings.
    assert.ok(!text.includes('click_window_days'), 'activity inputs are encrypted');
    const codec = new PayloadEncryptionCodec(parseEncryptionKeys(k1));
    const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT)).fetchHistory();
    const pumps = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pumpRecords');
    assert.ok(pumps.length >= 1, 'the records were taken by the record pump');
    const decoded = await codec.decode((pumps[0]?.activityTaskScheduledEventAttributes?.input?.payloads ?? []) as never);
    assert.ok(haystackOf(decoded).join('').includes('click_window_days'));
  });

  it('the JSON log names ad accounts and workflows but no person and no secret', () => {
    const entries = logLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.length > 20, `${entries.length} log entries`);
    assert.ok(entries.some((e) => e.ad_account_id === ACCOUNT && e.workflowId === adAccountWorkflowId(ACCOUNT)), 'entries carry the ad account and workflow id');
    assert.ok(entries.some((e) => e.route === '/v1/conversions' && e.status_code === 202), 'ingress requests are logged');
    const text = logLines.join('\n');
    for (const value of [...rawValues, ...hashedEmails, ...app.pinterest.emulator.issuedTokens, TOKEN]) assert.ok(!text.includes(value), `the log shows ${value}`);
    assert.ok(!/[?&]code=/.test(text) && !/[?&]state=/.test(text), 'no OAuth callback query string');
  });
});

describe('OAuth state', { timeout: 60_000 }, () => {
  /** The callback URL Pinterest would send the advertiser back to (consent given), not yet visited, and the flow's cookie. */
  async function callbackUrl(): Promise<URL> {
    const link = await fetch(`${app.ingressUrl}/v1/connect-links`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ advertiser_id: DEMO_ADVERTISER_ID }) });
    const start = await fetch(((await link.json()) as { url: string }).url, { redirect: 'manual' });
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const url = new URL(consent.headers.get('location')!);
    cookies.set(url.toString(), start.headers.get('set-cookie')!.split(';')[0]!);
    return url;
  }
  const cookies = new Map<string, string>();
  /** Visits a callback URL in the browser that started its flow (the cookie of `flow`, default the URL itself). */
  const visit = (url: URL, flow: URL = url) => fetch(url, { headers: { cookie: cookies.get(flow.toString()) ?? '' } });
  const refusal = async (url: URL, flow: URL = url) => {
    const response = await visit(url, flow);
    return { status: response.status, body: (await response.json()) as { error?: string } };
  };

  it('is single-use: the same callback replayed is refused', async () => {
    const url = await callbackUrl();
    assert.equal((await visit(url)).status, 200);
    const replay = await refusal(url);
    assert.equal(replay.status, 400);
    assert.match(replay.body.error ?? '', /state/);
  });

  it('is signed: an altered, foreign or missing state is refused before the code is used', async () => {
    const url = await callbackUrl();
    const state = url.searchParams.get('state')!;
    const tampered = new URL(url);
    tampered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
    const forged = new URL(url);
    forged.searchParams.set('state', Buffer.from(JSON.stringify({ nonce: 'x', exp: Date.now() + 60_000 })).toString('base64url') + '.c2lnbmF0dXJl');
    const missing = new URL(url);
    missing.searchParams.delete('state');
    for (const bad of [tampered, forged]) {
      const answer = await refusal(bad, url);
      assert.equal(answer.status, 400, bad.search);
      assert.match(answer.body.error ?? '', /state/);
    }
    assert.equal((await refusal(missing, url)).status, 400);
    // The untouched callback still works: the refusals did not spend its code.
    assert.equal((await visit(url)).status, 200);
  });

  it('answers 502, 503 or 504 with what to do when Pinterest fails during the callback, and a new attempt connects', async () => {
    const emulator = app.pinterest.emulator;
    // `/v5/ad_accounts?` is the account listing only (the pulls' paths go on after the id).
    const listing = { pathContains: '/v5/ad_accounts?', times: 1 };
    emulator.inject({ kind: 'server_error' }, listing);
    const down = await refusal(await callbackUrl());
    assert.equal(down.status, 502);
    assert.match(down.body.error ?? '', /HTTP 503.*start the connection again from the connect link/);
    emulator.inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 7 }, listing);
    const limited = await visit(await callbackUrl());
    assert.equal(limited.status, 503);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.match(((await limited.json()) as { error: string }).error, /rate limit/);
    emulator.inject({ kind: 'reset' }, listing);
    const gone = await refusal(await callbackUrl());
    assert.equal(gone.status, 504);
    assert.match(gone.body.error ?? '', /Pinterest did not answer.*start the connection again/);
    assert.deepEqual(await connectThroughOAuth(app), [ACCOUNT]);
  });
});

describe('key rotation', { timeout: 240_000 }, () => {
  it('a new key prepended takes over tokens and payloads; the old one can then go for tokens', async () => {
    const connections = (await app.db.selectFrom('pinterest_connections').select('connection_id').execute()).length;
    await app.shutdown();
    const { stdout } = await promisify(execFile)('node', ['bin/routy-pinterest.js', 'rotate-keys'], {
      env: { ...process.env, DATABASE_URL: database.url, ROUTY_ENCRYPTION_KEYS: `${k2},${k1}` },
    });
    assert.deepEqual(JSON.parse(stdout), { key_id: 'k2', rewritten: { connections, conversion_tokens: 0 } });
    app = await start(`${k2},${k1}`);
    const all = await app.db.selectFrom('pinterest_connections').selectAll().execute();
    assert.deepEqual(new Set(all.map((c) => c.encryption_key_id)), new Set(['k2']));
    const stored = all[0]!;
    // The old key is no longer needed for tokens.
    const onlyNew = new TokenCipher(parseEncryptionKeys(k2));
    assert.match(onlyNew.decrypt(stored.access_token_encrypted), /^pina_/);
    assert.throws(() => new TokenCipher(parseEncryptionKeys(k1)).decrypt(stored.access_token_encrypted), /no encryption key with id "k2"/);

    // The restarted service (a new emulator: it must reconnect) pulls with tokens under k2, and the
    // workflow history it adds is encrypted with k2 while k1's events still replay.
    await connectThroughOAuth(app);
    const before = (await app.client.status(ACCOUNT)).counters.pulls;
    await app.client.pullNow(ACCOUNT);
    // The run the old process left may first wait out an abandoned activity (30 s heartbeat timeout).
    await waitFor('a pull after rotation', async () => ((await app.client.status(ACCOUNT)).counters.pulls > before ? true : undefined), 180_000);
    const keyIds = new Set<string>();
    const collect = (value: unknown): void => {
      if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
      const id = (value as { metadata?: Record<string, Uint8Array> }).metadata?.['encryption-key-id'];
      if (id) keyIds.add(Buffer.from(id).toString());
      for (const v of Object.values(value)) collect(v);
    };
    let history;
    for await (const execution of app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(ACCOUNT)}'` })) {
      history = await app.temporalClient.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      collect(history);
    }
    assert.ok(keyIds.has('k1') && keyIds.has('k2'), `payload keys: ${[...keyIds].join(', ')}`);
    history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT)).fetchHistory();
    await Worker.runReplayHistory(replayWorkerOptions(app.dataConverter), history, adAccountWorkflowId(ACCOUNT));
  });
});
