// The production roles as production runs them: `npm run build`, then one compiled worker-only
// process and two compiled ingress-only copies (child processes), each given only the variables
// its role reads, on the dev server, the local PostgreSQL and the emulator. An advertiser connects
// through both ingress copies (link and consent from one, callback on the other), a click and a
// conversion arrive through different copies, and the worker attributes the conversion and sends
// it to the Conversions API.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import getPort from 'get-port';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMULATOR_APP, PinterestEmulator } from '../../emulator/pinterest-emulator';
import { buildSeed, DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { startLocalTemporal } from '../../temporal/dev-server';
import { createTestDatabase } from '../support/postgres';
import { waitFor } from '../support/wait';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'roles-ingress-token';
const seed = buildSeed();
const ad = seed.ads.find((a) => a.ad_account_id === DEMO_AD_ACCOUNT_ID)!;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let temporal: TestWorkflowEnvironment;
let emulator: PinterestEmulator;
const children: Array<{ name: string; child: ChildProcess; output: () => string }> = [];
let ingressA: string;
let ingressB: string;

/** Starts `dist/service/<file>` with only `env` (and PATH), its stdout and stderr kept for failures. */
function startCompiled(name: string, file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [`dist/service/${file}`], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const entry = { name, child, output: () => output };
  children.push(entry);
  return entry;
}

/** Waits for the role's banner; fails with its output when it exits first. */
async function running(entry: ReturnType<typeof startCompiled>, role: string): Promise<void> {
  await waitFor(`the ${entry.name} to start`, async () => {
    if (entry.child.exitCode !== null) throw new Error(`${entry.name} exited with ${entry.child.exitCode}:\n${entry.output()}`);
    return entry.output().includes(`routy-pinterest ${role} is running.`) ? true : undefined;
  }, 180_000);
}

before(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: root, timeout: 300_000 });
  database = await createTestDatabase();
  temporal = await startLocalTemporal();
  emulator = new PinterestEmulator({ seed });
  const origin = await emulator.listen(0);
  const [portA, portB] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
  [ingressA, ingressB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
  const shared = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    ROUTY_ENCRYPTION_KEYS: generateEncryptionKeyEntry('roles1'),
    PINTEREST_APP_ID: EMULATOR_APP.appId,
    PINTEREST_APP_SECRET: EMULATOR_APP.appSecret,
    PINTEREST_API_BASE_URL: emulator.apiBaseUrl(origin),
    PINTEREST_REQUEST_TIMEOUT_SECONDS: '5',
    ROUTY_LOG_LEVEL: 'WARN',
  };
  // The worker: no ingress token, no redirect URI, no HTTP setting.
  const worker = startCompiled('worker', 'start-worker.js', { ...shared, ROUTY_SDK_METRICS_PORT: '0' });
  // The ingress copies: the public origin (the redirect URI's) is copy A's, as a load balancer's would be.
  const ingress = (port: number) => ({
    ...shared,
    ROUTY_INGRESS_TOKEN: TOKEN,
    PINTEREST_REDIRECT_URI: `${ingressA}/v1/oauth/callback`,
    PINTEREST_OAUTH_AUTHORIZE_URL: `${origin}/oauth/`,
    ROUTY_HTTP_PORT: String(port),
  });
  const a = startCompiled('ingress A', 'start-ingress.js', ingress(portA));
  const b = startCompiled('ingress B', 'start-ingress.js', ingress(portB));
  await Promise.all([running(worker, 'worker'), running(a, 'ingress'), running(b, 'ingress')]);
  // The compiled worker loads the bundle the build wrote instead of running webpack.
  assert.ok(worker.output().includes(`  workflows:  ${path.join(root, 'dist', 'workflow-bundle.js')}\n`), worker.output());
});

after(async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  await temporal?.teardown();
  await emulator?.close();
  await database?.drop();
});

const post = (base: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });

it('a compiled worker and two compiled ingress copies connect an account and carry a conversion to the Conversions API', async () => {
  // Connect: the link from copy B, the OAuth start on A (the link's origin), the callback on B.
  const link = await post(ingressB, '/v1/connect-links', { advertiser_id: 'roles-advertiser' });
  assert.equal(link.status, 201);
  const start = await fetch(((await link.json()) as { url: string }).url, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  assert.equal(consent.status, 302);
  const callbackUrl = new URL(consent.headers.get('location')!);
  assert.equal(callbackUrl.origin, ingressA);
  const callback = await fetch(`${ingressB}${callbackUrl.pathname}${callbackUrl.search}`, { headers: { cookie } });
  assert.deepEqual([callback.status, await callback.json()], [200, { connected_ad_account_ids: [DEMO_AD_ACCOUNT_ID] }]);

  // A click through copy A, its conversion through copy B; only the worker process runs workflows.
  const eventTime = new Date(Date.now() - 60_000);
  const touch = await post(ingressA, '/v1/touchpoints', {
    touchpoints: [{ ad_account_id: DEMO_AD_ACCOUNT_ID, type: 'click', occurred_at: new Date(eventTime.getTime() - 3_600_000).toISOString(), click_id: 'roles-click-1', ad_id: ad.id }],
  });
  assert.equal(touch.status, 202);
  const conversion = await post(ingressB, '/v1/conversions', {
    conversions: [{ event_id: 'roles-event-1', event_name: 'checkout', event_time: eventTime.toISOString(), ad_account_id: DEMO_AD_ACCOUNT_ID, order_id: 'roles-order-1', value: '12.50', currency: 'USD', click_id: 'roles-click-1', user: { email: 'buyer@example.com' } }],
  });
  assert.deepEqual([conversion.status, ((await conversion.json()) as { accepted: number }).accepted], [202, 1]);

  const explained = await waitFor('the conversion sent', async () => {
    const answer = await fetch(`${ingressA}/v1/conversions/roles-event-1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await answer.json()) as { conversions: Array<{ state: string; attribution: { ad_id: string; match_key: string } | null; conversions_api: { state: string } }> };
    return body.conversions[0]?.conversions_api.state === 'sent' ? body.conversions[0] : undefined;
  }, 300_000);
  assert.equal(explained.attribution?.ad_id, ad.id);
  assert.equal(explained.attribution?.match_key, 'click_id');
  assert.deepEqual(emulator.countedEvents(DEMO_AD_ACCOUNT_ID), [{ event_id: 'roles-event-1', event_name: 'checkout', times_counted: 1 }]);

  // The compiled ingress serves the report page's files (copied to dist/ by the build).
  const page = await fetch(`${ingressA}/reports`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
});

it('each role stops cleanly on SIGTERM', async () => {
  for (const { name, child } of children) {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `${name} exit code`);
  }
});
