// `npm run chaos -- --cycles N`: the service under a steady load of Routy traffic while its parts
// are killed and restarted and Pinterest misbehaves; then proves nothing was lost, every matched
// conversion was counted by Pinterest's rule (none undelivered, none counted twice), and the
// stored metrics equal a fault-free pull. Prints and writes
// bench/results/chaos.json.
import { explainConversion, formatExplanation } from '../../reports/conversion-explainer';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import getPort from 'get-port';
import { generateEncryptionKeyEntry, parseEncryptionKeys } from '../../secrets/token-cipher';
import { openDatabase } from '../../store/database';
import { EMULATOR_APP, PinterestEmulator } from '../../emulator/pinterest-emulator';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { createTestDatabase } from '../../test/support/postgres';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { createDataConverter } from '../../temporal/data-converter';
import { adAccountWorkflowId, pullNowSignal, statusQuery } from '../../workflows/shared';
import { conversionOutcome, deliveryOutcome, metricsEqualToFaultFree, unsettledSends } from './checks';
import { fuzzIngress } from './ingress-fuzz';
import { largestRun, workflowRunSizes } from '../workflow-runs';
import { SteadyLoad } from './load';
import { PostgresCluster, TemporalServer, WorkerProcess } from './processes';

const options = new Command()
  .name('npm run chaos --')
  .option('--cycles <n>', 'fault cycles (each: one kill or restart or Pinterest fault, then load)', (v) => Number.parseInt(v, 10), 9)
  .option('--cycle-seconds <n>', 'load between faults, in seconds', (v) => Number.parseFloat(v), 6)
  .option('--fuzz-runs <n>', 'generated ingress requests before the faults', (v) => Number.parseInt(v, 10), 10_000)
  .option('--settle-minutes <n>', 'how long to wait for everything to settle afterwards', (v) => Number.parseFloat(v), 12)
  .option('--no-write', 'do not write bench/results/chaos.json')
  .parse()
  .opts<{ cycles: number; cycleSeconds: number; fuzzRuns: number; settleMinutes: number; write: boolean }>();

const say = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const TOKEN = 'chaos-ingress-token';
const started = Date.now();
const dir = await mkdtemp(path.join(os.tmpdir(), 'routy-chaos-'));
const database = await createTestDatabase();
const db = await openDatabase({ kind: 'postgres', url: database.url });
const emulator = new PinterestEmulator();
const origin = await emulator.listen(0);
const temporal = new TemporalServer(path.join(dir, 'temporal.sqlite'));
const postgres = new PostgresCluster();
const keys = generateEncryptionKeyEntry('chaos1');
// Reserved for the whole run: the dev server's ports, chosen in this process at each (re)start, never take it.
const ingressPort = await getPort({ host: '127.0.0.1', reserve: true });
const ingressUrl = `http://127.0.0.1:${ingressPort}`;
const worker = new WorkerProcess(
  () => ({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    PINTEREST_APP_ID: EMULATOR_APP.appId,
    PINTEREST_APP_SECRET: EMULATOR_APP.appSecret,
    PINTEREST_REDIRECT_URI: `${ingressUrl}/v1/oauth/callback`,
    PINTEREST_API_BASE_URL: emulator.apiBaseUrl(origin),
    PINTEREST_OAUTH_AUTHORIZE_URL: `${origin}/oauth/`,
    PINTEREST_REQUEST_TIMEOUT_SECONDS: '5',
    ROUTY_INGRESS_TOKEN: TOKEN,
    ROUTY_ENCRYPTION_KEYS: keys,
    ROUTY_HTTP_PORT: String(ingressPort),
    ROUTY_DATA_DIR: dir,
    ROUTY_LOG_LEVEL: 'WARN',
    ROUTY_SDK_METRICS_PORT: '0',
    ROUTY_PULL_INTERVAL_SECONDS: '20',
  }),
  path.join(dir, 'worker.log'),
  `${ingressUrl}/healthz`,
);

let exitCode = 0;
let client: Client | undefined;
try {
  await temporal.start();
  say(`PostgreSQL database, Pinterest emulator at ${origin}, Temporal dev server on ${temporal.address}...`);
  await worker.start();
  client = new Client({ connection: await Connection.connect({ address: temporal.address }), dataConverter: createDataConverter(parseEncryptionKeys(keys)) });
  const handle = client.workflow.getHandle(adAccountWorkflowId(ACCOUNT));
  await connectThroughOAuth({ ingressUrl, ingressToken: TOKEN });
  await until('the first pull', async () => (await handle.query(statusQuery)).counters.pulls >= 1, 120_000);

  say(`Fuzzing the ingress with ${options.fuzzRuns} generated requests...`);
  const fuzz = await fuzzIngress({ ingressUrl, token: TOKEN, adAccountId: ACCOUNT, runs: options.fuzzRuns });
  if (fuzz.failures.length > 0) say(`fuzz failures: ${fuzz.failures.slice(0, 5).join(' | ')}`);

  const load = new SteadyLoad({ ingressUrl, token: TOKEN, adAccountId: ACCOUNT, adIds: emulator.seed.ads.map((a) => a.id), perRound: 10, intervalMs: 300, runId: Date.now().toString(36) });
  load.start();
  const faults: Array<[string, () => Promise<void>]> = [
    ['kill the worker mid-send', async () => {
      emulator.inject({ kind: 'slow', delay_ms: 4000 }, { pathContains: '/events', times: 3 });
      midCall.send += (await inFlight('/events', 45_000)) ? 1 : 0;
      await worker.kill();
      await worker.start();
    }],
    // A deploy: SIGTERM while a Conversions API request is in flight; the worker must wait for its answer.
    ['stop the worker mid-send (SIGTERM, as a deploy does)', async () => {
      emulator.inject({ kind: 'slow', delay_ms: 3000 }, { pathContains: '/events', times: 3 });
      midCall.stop += (await inFlight('/events', 45_000)) ? 1 : 0;
      await worker.stop();
      await worker.start();
    }],
    ['kill the worker mid-pull', async () => {
      emulator.inject({ kind: 'slow', delay_ms: 4000 }, { pathContains: '/analytics', times: 6 });
      await handle.signal(pullNowSignal, { call: 'pullNow', by: 'chaos-run' }).catch(() => undefined);
      // The workflow may first wait out an activity a previous kill abandoned (30 s heartbeat timeout).
      midCall.pull += (await inFlight('/analytics', 90_000)) ? 1 : 0;
      await worker.kill();
      await worker.start();
    }],
    // Storms pass after 15 s, as real ones do, rather than waiting for 25 requests to use them up.
    ['429 storm', async () => emulator.inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 2 }, { times: 25, forMs: 15_000 })],
    ['restart the Temporal dev server', async () => temporal.restart(1000)],
    ['5xx storm', async () => emulator.inject({ kind: 'server_error' }, { times: 15, forMs: 15_000 })],
    ['restart PostgreSQL', async () => postgres.restart()],
    ['timeouts', async () => emulator.inject({ kind: 'slow', delay_ms: 7000 }, { times: 3 })],
    ['expired access tokens', async () => emulator.expireAccessTokens()],
    ['revoked grant, then the advertiser reconnects', async () => {
      emulator.revokeGrants();
      await handle.signal(pullNowSignal, { call: 'pullNow', by: 'chaos-run' }).catch(() => undefined);
      await sleep(3000);
      // The advertiser tries again until it works (Pinterest may still answer 429 or 503 for a while).
      for (let attempt = 1; ; attempt += 1) {
        const done = await connectThroughOAuth({ ingressUrl, ingressToken: TOKEN }).then(() => true, (error: unknown) => (say(`  reconnect attempt ${attempt}: ${String(error)}`), false));
        if (done) break;
        if (attempt === 30) throw new Error('the advertiser could not reconnect in 30 attempts');
        await sleep(2000);
      }
    }],
  ];
  const applied: Record<string, number> = {};
  /** Kills that landed while Pinterest was answering a pull or a Conversions API request. */
  const midCall = { pull: 0, send: 0, stop: 0 };
  /** Waits until a request to `path` is in flight at the emulator (true), or gives up (false). */
  const inFlight = async (pathPart: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (emulator.inFlight(pathPart) > 0) return true;
      await sleep(50);
    }
    return false;
  };
  for (let cycle = 0; cycle < options.cycles; cycle += 1) {
    const [name, fault] = faults[cycle % faults.length]!;
    say(`cycle ${cycle + 1}/${options.cycles}: ${name}`);
    try {
      await fault();
      applied[name] = (applied[name] ?? 0) + 1;
    } catch (error) {
      say(`  the fault itself failed: ${String(error)}`);
    }
    await sleep(options.cycleSeconds * 1000);
  }
  await load.stop();
  emulator.clearFaults();
  say(`Load stopped (${load.accepted.size} conversions accepted, ${load.retries} retried requests). Settling...`);
  await connectThroughOAuth({ ingressUrl, ingressToken: TOKEN }).catch(() => undefined);
  const accepted = new Set([...load.accepted, ...fuzz.accepted_conversions]);
  const pullsBefore = (await handle.query(statusQuery)).counters.pulls;
  await handle.signal(pullNowSignal, { call: 'pullNow', by: 'chaos-run' });
  await until(
    'every accepted conversion stored and every match sent, and a clean pull',
    async () => {
      const status = await handle.query(statusQuery);
      if (status.buffered_conversions + status.buffered_touchpoints > 0 || status.records_waiting || status.counters.pulls <= pullsBefore) return false;
      if ((await unsettledSends(db, ACCOUNT)) > 0) return false;
      return (await conversionOutcome(db, ACCOUNT, accepted)).lost.length === 0;
    },
    options.settleMinutes * 60_000,
  ).catch((error: unknown) => say(String(error)));

  const outcome = await conversionOutcome(db, ACCOUNT, accepted);
  const delivery = await deliveryOutcome(db, emulator, ACCOUNT);
  const metrics = await metricsEqualToFaultFree(db, ACCOUNT);
  const status = await handle.query(statusQuery);
  // One event posted more than once, as an operator reads it (`routy-pinterest conversion <event_id>`).
  const reposted = await db.selectFrom('capi_attempts').select('event_id').where('ad_account_id', '=', ACCOUNT).where('repost', '=', true).limit(1).executeTakeFirst();
  const repostExplained = reposted ? (await explainConversion(db, reposted.event_id)).map(formatExplanation).join('\n').split('\n') : undefined;
  const result = {
    benchmark: 'chaos',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    cycles: options.cycles,
    faults_applied: { ...applied, worker_kills: worker.kills, kills_mid_pull_request: midCall.pull, kills_mid_send_request: midCall.send, stops_mid_send_request: midCall.stop, temporal_restarts: temporal.restarts, postgres_restarts: postgres.restarts },
    accepted: accepted.size,
    terminal_states: outcome.by_state,
    lost: outcome.lost.length,
    ...(outcome.lost.length ? { lost_event_ids: outcome.lost.slice(0, 20) } : {}),
    undelivered: delivery.undelivered.length,
    ...(delivery.undelivered.length ? { undelivered_event_ids: delivery.undelivered.slice(0, 20) } : {}),
    unconfirmed_late: delivery.unconfirmed_late,
    double_counted: delivery.double_counted,
    ...(delivery.double_counted ? { double_counted_event_ids: delivery.double_counted_event_ids } : {}),
    reposted_events: delivery.reposted_events,
    // Information only: event_ids in more than one of our requests (a repost within Pinterest's rule is not counted twice).
    duplicated_event_ids: delivery.reposted_events,
    ...(repostExplained ? { reposted_example: repostExplained } : {}),
    emulator_delivery: delivery.delivery_report,
    metrics_equal: metrics.equal,
    metrics_compared_rows: metrics.compared_rows,
    ...(metrics.differences.length ? { metrics_differences: metrics.differences } : {}),
    capi_requests: emulator.capiRequests.length,
    load_retries: load.retries,
    touchpoints_accepted: load.touchpointsAccepted + fuzz.accepted_touchpoints,
    fuzz: {
      cases: fuzz.cases,
      answers: fuzz.answers,
      rejections: fuzz.rejections,
      slowest_answer_ms: fuzz.slowest_answer_ms,
      slowest_answer_case: fuzz.slowest_answer_case,
      healthz_worst_ms_during_adversarial: Math.max(0, ...fuzz.adversarial.map((a) => a.healthz_worst_ms)),
      failures: fuzz.failures.length,
      ...(fuzz.failures.length ? { first_failures: fuzz.failures.slice(0, 5) } : {}),
    },
    workflow: { connection_status: status.connection_status, pulls: status.counters.pulls, last_error: status.last_error },
    history: largestRun(await workflowRunSizes(client, adAccountWorkflowId(ACCOUNT))),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  console.log(JSON.stringify(result, null, 2));
  if (options.write) {
    await mkdir(new URL('../results/', import.meta.url), { recursive: true });
    await writeFile(new URL('../results/chaos.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  }
  // Under a quarter of Temporal's hard limits (51,200 events, 50 MiB) whatever the request rate.
  const historyBounded = result.history.largest_run_history_events < 51_200 / 4 && result.history.largest_run_history_bytes < 52_428_800 / 4;
  const ok = result.lost === 0 && result.undelivered === 0 && result.double_counted === 0 && result.metrics_equal && historyBounded && fuzz.failures.length === 0;
  if (!ok) {
    say(`FAILED: lost ${result.lost}, undelivered ${result.undelivered}, double counted ${result.double_counted}, history bounded ${historyBounded}, metrics_equal ${result.metrics_equal}, fuzz failures ${fuzz.failures.length}; worker log: ${path.join(dir, 'worker.log')}`);
    exitCode = 1;
  }
} catch (error) {
  say(`the chaos run broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 2;
} finally {
  await worker.stop().catch(() => undefined);
  await client?.connection.close().catch(() => undefined);
  await temporal.stop().catch(() => undefined);
  await emulator.close().catch(() => undefined);
  await db.destroy().catch(() => undefined);
  // A failed run keeps its database for a look (its URL is in the log).
  if (exitCode === 0) await database.drop().catch(() => undefined);
  else say(`kept the database ${database.url}`);
  if (exitCode === 0) await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);

async function until(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await done().catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}
