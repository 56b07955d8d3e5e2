// Three worker processes pull several ad accounts of one Pinterest user against the emulator with
// lowered budgets: the emulator's count of the user's requests per minute never exceeds them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { RoutyPinterestClient } from '../../client/routy-client';
import { buildSeed } from '../../emulator/seed';
import { OAuthFlow } from '../../http/oauth-flow';
import { PinterestHttp } from '../../pinterest/http';
import { parseRequestsPerMinute, type RateLimitCategory } from '../../pinterest/request-budget';
import { generateEncryptionKeyEntry, parseEncryptionKeys, TokenCipher } from '../../secrets/token-cipher';
import { SharedRequestBudget } from '../../store/request-budget-store';
import { sharedFile } from '../support/shared-files';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { startWorkerProcesses, type WorkerProcesses } from '../support/worker-processes';

const spec = sharedFile('pinterest/openapi-v5.yaml');
const ACCOUNTS = ['549764105221', '549764105300', '549764105400'];
const USER = '1099300727702429065';
/** Lowered so one first pull of three accounts needs several minutes of budget. */
const BUDGET_TEXT = 'ads_analytics=4,ads_read=6';
const BUDGET = parseRequestsPerMinute(BUDGET_TEXT);
/** The workflows run on their own task queue: the test app's in-process worker never sees them. */
const QUEUE = 'shared-budget-test';

let testApp: TestApp;
let workers: WorkerProcesses | undefined;
let dir: string;
let client: RoutyPinterestClient;

/** `x-ratelimit-category` of each `METHOD /path` in Pinterest's OpenAPI description. */
function categories(): Map<string, RateLimitCategory> {
  const paths = YAML.parse(readFileSync(spec.path!, 'utf8')).paths as Record<string, Record<string, { 'x-ratelimit-category'?: RateLimitCategory }>>;
  const out = new Map<string, RateLimitCategory>();
  for (const [route, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (operation?.['x-ratelimit-category']) out.set(`${method.toUpperCase()} ${route}`, operation['x-ratelimit-category']);
    }
  }
  return out;
}

describe('Pinterest budgets shared by three worker processes', { skip: spec.skip, timeout: 900_000 }, () => {
  before(async () => {
    const keys = generateEncryptionKeyEntry('budget1');
    const seed = buildSeed({ accounts: ACCOUNTS.map((id, k) => ({ id, currency: ['USD', 'EUR', 'JPY'][k]! })) });
    testApp = await startTestApp({ ROUTY_ENCRYPTION_KEYS: keys, PINTEREST_REQUESTS_PER_MINUTE: BUDGET_TEXT }, { emulatorSeed: seed });
    const { app } = testApp;
    dir = await mkdtemp(path.join(os.tmpdir(), 'routy-budget-'));
    const apiBase = app.pinterest.emulator.apiBaseUrl(app.pinterest.origin);
    workers = await startWorkerProcesses(3, dir, {
      DATABASE_URL: testApp.databaseUrl,
      TEMPORAL_ADDRESS: app.temporalAddress,
      PINTEREST_API_BASE_URL: apiBase,
      ROUTY_ENCRYPTION_KEYS: keys,
      PINTEREST_REQUESTS_PER_MINUTE: BUDGET_TEXT,
      TASK_QUEUE: QUEUE,
      // One activity at a time per process: the three accounts' pulls, which overlap for minutes
      // while they wait for budget, cannot all run in one process.
      MAX_CONCURRENT_ACTIVITIES: '1',
    });
    // Connect through the real OAuth flow (state, consent, code exchange, the user's id, the
    // accounts), starting the workflows on the workers' queue.
    client = new RoutyPinterestClient(app.temporalClient, app.db, { taskQueue: QUEUE });
    const oauthApp = { ...app.pinterest.app, redirectUri: 'http://127.0.0.1/v1/oauth/callback' };
    const flow = new OAuthFlow({
      db: app.db,
      cipher: new TokenCipher(parseEncryptionKeys(keys)),
      http: new PinterestHttp(apiBase, new SharedRequestBudget(app.db, BUDGET)),
      app: oauthApp,
      authorizeUrl: `${app.pinterest.origin}/oauth/`,
      stateSecret: Buffer.alloc(32, 1),
      linkSecret: Buffer.alloc(32, 2),
      client,
    });
    const started = flow.start({ advertiserId: 'budget-advertiser', expiresAt: Math.floor(Date.now() / 1000) + 600 });
    const consent = await fetch(started.url, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    const connected = await flow.complete(back.searchParams.get('code')!, back.searchParams.get('state')!, started.setCookie.split(';')[0]);
    assert.deepEqual(connected.sort(), [...ACCOUNTS].sort());
  });

  after(async () => {
    await workers?.stop();
    await testApp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("every account's first pull completes, and no minute holds more of the user's requests than the budget", async (t) => {
    const { app } = testApp;
    for (const id of ACCOUNTS) {
      await waitFor(`the first pull of ${id}`, async () => ((await client.status(id)).counters.pulls >= 1 ? true : undefined), 600_000);
    }
    const stored = await app.db.selectFrom('metrics_daily').select(['ad_account_id']).select((eb) => eb.fn.countAll<string>().as('rows')).groupBy('ad_account_id').execute();
    assert.deepEqual(stored.map((r) => r.ad_account_id).sort(), [...ACCOUNTS].sort(), 'every account has its metrics stored');

    const connection = await app.db.selectFrom('pinterest_connections').select('pinterest_user_id').execute();
    assert.deepEqual(connection, [{ pinterest_user_id: USER }], 'one grant, recorded with its Pinterest user');

    const byCategory = categories();
    const perMinute = new Map<string, number>();
    const totals = new Map<string, number>();
    for (const { user, minute, route, requests } of app.pinterest.emulator.requestsPerUserMinute()) {
      assert.equal(user, USER);
      const category = byCategory.get(route);
      assert.ok(category, `${route} has a rate-limit category in the spec`);
      perMinute.set(`${category} ${minute}`, (perMinute.get(`${category} ${minute}`) ?? 0) + requests);
      totals.set(category, (totals.get(category) ?? 0) + requests);
    }
    t.diagnostic(`requests per category and minute: ${JSON.stringify(Object.fromEntries(perMinute))}`);
    const over = [...perMinute].filter(([key, requests]) => requests > BUDGET[key.split(' ')[0] as RateLimitCategory]);
    assert.deepEqual(over, [], `per category and minute: ${JSON.stringify(Object.fromEntries(perMinute))}`);
    // The budgets bound: three processes with a budget each would have sent this in fewer minutes.
    assert.ok(totals.get('ads_analytics')! > BUDGET.ads_analytics, `analytics calls ${totals.get('ads_analytics')}`);
    assert.ok(totals.get('ads_read')! > BUDGET.ads_read, `read calls ${totals.get('ads_read')}`);

    // The pulls ran in the child processes, more than one of them.
    const identities = new Set<string>();
    for (const id of ACCOUNTS) {
      const history = await app.temporalClient.workflow.getHandle(`pinterest-ad-account-${id}`).fetchHistory();
      for (const event of history.events ?? []) {
        const identity = event.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity.split('@')[0]!);
      }
    }
    const pids = workers!.pids.map(String);
    assert.ok([...identities].every((pid) => pids.includes(pid)), `activities ran only in the worker processes: ${[...identities]}`);
    t.diagnostic(`activities ran in ${identities.size} of the 3 worker processes`);
    assert.ok(identities.size >= 2, `activities ran in ${identities.size} of the 3 worker processes`);
  });
});
