// `npm run bench -- scale [--accounts N]`: N ad accounts (default 1,000) under 100 Pinterest users in
// the emulator, 3 compiled worker-only processes and 1 compiled ingress-only process on one Temporal
// dev server and a fresh database on the local PostgreSQL. The advertisers connect through the real
// OAuth redirect chain (one connect link per Pinterest user), a light stream of clicks and
// conversions goes through the ingress, and every 30 s one worker is killed (SIGKILL) and started
// again. Measures the first full sync, the busiest per-user minute, overlapping pulls of one
// account, Temporal actions per account-day, the workers' peak memory and conversions lost.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import getPort from 'get-port';
import { EMULATOR_APP, PinterestEmulator } from '../emulator/pinterest-emulator';
import { buildUsersSeed, seededUserId } from '../emulator/user-seed';
import { REQUESTS_PER_MINUTE } from '../pinterest/request-budget';
import { generateEncryptionKeyEntry } from '../secrets/token-cipher';
import { payloadCrypto } from '../service/role-parts';
import { openDatabase } from '../store/database';
import { startLocalTemporal } from '../temporal/dev-server';
import { createTestDatabase } from '../test/support/postgres';
import { adAccountWorkflowId, statusQuery } from '../workflows/shared';
import { actionsPerAccountDay, busiestUserMinute, countHistoryActions, overlappingRequests, type TimedRequest } from './scale-figures';
import { ConversionLoad, connectUser, lostConversions, type Ingress } from './scale-load';
import { RoleProcess } from './scale-processes';

const root = fileURLToPath(new URL('../', import.meta.url));
const USERS = 100;
const WORKERS = 3;
const KILL_EVERY_MS = 30_000;
const CONVERSIONS_PER_SECOND = 2;
const FULL_SYNC_TIMEOUT_MS = Number(process.env.BENCH_SCALE_TIMEOUT_SECONDS ?? 1800) * 1000;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Runs `tasks` with at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

export async function runScaleBench(options: { accounts?: string } = {}): Promise<Record<string, unknown>> {
  const accounts = Number(options.accounts ?? 1000);
  const users = Math.min(USERS, accounts);
  if (!Number.isInteger(accounts) || accounts < 1 || accounts % users !== 0) throw new Error(`--accounts must be a whole multiple of ${USERS} (or 1 to ${USERS}), got ${options.accounts}`);
  if (process.env.BENCH_SKIP_BUILD !== '1') await promisify(execFile)('npm', ['run', 'build'], { cwd: root, timeout: 600_000 });
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'routy-scale-'));
  console.error(`scale: ${accounts} accounts under ${users} users; role logs in ${logDir}`);

  const seed = buildUsersSeed({ users, accountsPerUser: accounts / users, adsPerAccount: 2 });
  const emulator = new PinterestEmulator({ seed, keepResponses: false });
  // When each analytics request arrived and was answered (or abandoned by a killed worker).
  const timed = new Map<string, TimedRequest>();
  emulator.server.addHook('onRequest', async (request) => {
    const match = /^\/v5\/ad_accounts\/(\d+)\/(?:campaigns|ad_groups|ads)\/analytics/.exec(request.url);
    if (match) timed.set(request.id, { adAccountId: match[1]!, start: Date.now() });
  });
  const ended = async (request: { id: string }) => {
    const entry = timed.get(request.id);
    if (entry && entry.end === undefined) entry.end = Date.now();
  };
  emulator.server.addHook('onResponse', ended);
  emulator.server.addHook('onRequestAbort', ended);
  const origin = await emulator.listen(0);
  const database = await createTestDatabase();
  const temporal = await startLocalTemporal();
  const keys = generateEncryptionKeyEntry('scale1');
  const ingressPort = await getPort({ host: '127.0.0.1' });
  const ingress: Ingress = { url: `http://127.0.0.1:${ingressPort}`, token: 'scale-ingress-token' };
  const shared = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    ROUTY_ENCRYPTION_KEYS: keys,
    PINTEREST_APP_ID: EMULATOR_APP.appId,
    PINTEREST_APP_SECRET: EMULATOR_APP.appSecret,
    PINTEREST_API_BASE_URL: emulator.apiBaseUrl(origin),
    ROUTY_LOG_LEVEL: 'WARN',
  };
  const ingressProcess = new RoleProcess('ingress', 'ingress', {
    ...shared,
    ROUTY_INGRESS_TOKEN: ingress.token,
    PINTEREST_REDIRECT_URI: `${ingress.url}/v1/oauth/callback`,
    PINTEREST_OAUTH_AUTHORIZE_URL: `${origin}/oauth/`,
    ROUTY_HTTP_PORT: String(ingressPort),
    // A callback starts one workflow per account (10 here) on a dev server the run keeps busy: more than the default 60 s may pass without a byte.
    ROUTY_HTTP_IDLE_TIMEOUT_SECONDS: '600',
  }, path.join(logDir, 'ingress.log'));
  const workers = Array.from({ length: WORKERS }, (_, i) => new RoleProcess(`worker ${i + 1}`, 'worker', { ...shared, ROUTY_SDK_METRICS_PORT: '0' }, path.join(logDir, `worker-${i + 1}.log`)));
  const db = await openDatabase({ kind: 'postgres', url: database.url });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, dataConverter: payloadCrypto(keys, false).dataConverter });
  let sampling: NodeJS.Timeout | undefined;
  let killing = false;
  let killer: Promise<void> | undefined;
  try {
    // The ingress first: it migrates the fresh database before the workers open it.
    await ingressProcess.start();
    await Promise.all(workers.map((worker) => worker.start()));
    sampling = setInterval(() => void Promise.all(workers.map((worker) => worker.sample())), 1_000);

    const connectedAccounts: Array<{ adAccountId: string; adId: string }> = [];
    const load = new ConversionLoad(ingress, () => connectedAccounts, CONVERSIONS_PER_SECOND);
    const connectStart = Date.now();
    // One worker killed and started again every 30 s, round robin, from the first connect on.
    killing = true;
    killer = (async () => {
      for (let k = 0; killing; k += 1) {
        await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
        if (!killing) break;
        const worker = workers[k % WORKERS]!;
        await worker.kill();
        // A failed start is tried again at the next turn; the run's figures show the kills made.
        await worker.start().catch((error: unknown) => console.error(String(error)));
      }
    })();
    load.start();
    // A failed connect is opened again from its connect link, as an advertiser would (at most 5 times).
    let connectErrors = 0;
    await inParallel(Array.from({ length: users }, (_, u) => u), 4, async (u) => {
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        try {
          const ids = await connectUser(ingress, `scale-advertiser-${u + 1}`, seededUserId(u));
          for (const id of ids) connectedAccounts.push({ adAccountId: id, adId: seed.ads.find((ad) => ad.ad_account_id === id)!.id });
          return;
        } catch (error) {
          connectErrors += 1;
          console.error(`scale: connect of user ${u + 1}, attempt ${attempt}: ${String(error)} ${String((error as Error).cause ?? '')}`);
        }
      }
    });
    const connectSeconds = seconds(Date.now() - connectStart);
    console.error(`scale: ${connectedAccounts.length} accounts connected in ${connectSeconds} s`);

    // Every account pulled once: the database says the pull was recorded, then its workflow's status confirms pulls ≥ 1.
    const confirmed = new Set<string>();
    let fullSyncMs: number | undefined;
    while (Date.now() - connectStart < FULL_SYNC_TIMEOUT_MS) {
      const pulled = await db.selectFrom('ad_accounts').select('ad_account_id').where('last_successful_pull_at', 'is not', null).execute();
      const unconfirmed = pulled.map((row) => row.ad_account_id).filter((id) => !confirmed.has(id));
      await inParallel(unconfirmed, 16, async (id) => {
        const status = await client.workflow.getHandle(adAccountWorkflowId(id)).query(statusQuery).catch(() => undefined);
        if (status && status.counters.pulls >= 1) confirmed.add(id);
      });
      if (confirmed.size >= connectedAccounts.length) {
        fullSyncMs = Date.now() - connectStart;
        break;
      }
      console.error(`scale: ${confirmed.size} of ${connectedAccounts.length} accounts pulled after ${seconds(Date.now() - connectStart)} s; worker kills ${workers.reduce((n, w) => n + w.kills, 0)}`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    await load.stop();
    killing = false;
    await killer;
    const loadSeconds = (load.stoppedAt - load.startedAt) / 1000;
    console.error(`scale: full sync ${fullSyncMs === undefined ? 'not reached' : `${seconds(fullSyncMs)} s`}; waiting for the inbox to drain`);
    const conversions = await lostConversions(db, load.accepted, 300_000);
    for (const worker of workers) await worker.sample();

    const actions = await countHistoryActions(client);
    const perUser = busiestUserMinute(emulator.requestsPerUserMinute());
    return {
      accounts,
      pinterest_users: users,
      accounts_connected: connectedAccounts.length,
      connect_attempts_failed: connectErrors,
      seed_per_account: { campaigns: 1, ad_groups: 1, ads: 2 },
      workers: WORKERS,
      ingress_processes: 1,
      worker_kills: workers.reduce((n, w) => n + w.kills, 0),
      connect_seconds: connectSeconds,
      first_full_sync_seconds: fullSyncMs === undefined ? null : seconds(fullSyncMs),
      accounts_pulled: confirmed.size,
      max_requests_per_user_minute: { ads_analytics: perUser.ads_analytics ?? 0, ads_read: perUser.ads_read ?? 0 },
      budget_per_user_minute: { ads_analytics: REQUESTS_PER_MINUTE.ads_analytics, ads_read: REQUESTS_PER_MINUTE.ads_read },
      max_requests_per_user_minute_other_categories: Object.fromEntries(Object.entries(perUser).filter(([category]) => category !== 'ads_analytics' && category !== 'ads_read')),
      concurrent_pulls_same_account: overlappingRequests([...timed.values()]),
      concurrent_pulls_definition:
        'analytics requests (campaign, ad group, ad level) of one ad account that reached the emulator while another of the same account was still unanswered; a pull attempt makes them one after another, so each is a second pull attempt of that account at the same time. A killed worker\'s request ends when its connection drops.',
      analytics_requests: timed.size,
      temporal_actions_per_account_day: actionsPerAccountDay(actions, { accounts, loadSeconds, conversionsPerSecond: CONVERSIONS_PER_SECOND, conversionsAccepted: load.accepted.length }),
      temporal_actions_counted: actions,
      worker_peak_rss_mb: Math.round(Math.max(...workers.map((w) => w.peakMb))),
      worker_peak_rss_mb_each: workers.map((w) => Math.round(w.peakMb)),
      conversion_load: { per_second: CONVERSIONS_PER_SECOND, seconds: Math.round(loadSeconds), requests: load.requests, failed_requests: load.failedRequests, accepted: load.accepted.length, ...conversions },
      lost: conversions.lost,
    };
  } finally {
    killing = false;
    await killer?.catch(() => {});
    if (sampling) clearInterval(sampling);
    for (const worker of workers) await worker.stop().catch(() => {});
    await ingressProcess.stop().catch(() => {});
    await connection.close().catch(() => {});
    await db.destroy().catch(() => {});
    await temporal.teardown().catch(() => {});
    await emulator.close().catch(() => {});
    await database.drop().catch(() => {});
  }
}
