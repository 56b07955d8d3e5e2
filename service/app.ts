import { createHash } from 'node:crypto';
import net from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import type { ActivityDeps } from '../activities/index';
import { PinterestHttp } from '../pinterest/http';
import { generateEncryptionKeyEntry, parseEncryptionKeys, TokenCipher } from '../secrets/token-cipher';
import { migrateToLatest, openDatabase } from '../store/database';
import { SharedRequestBudget } from '../store/request-budget-store';
import type { Database } from '../store/database-schema';
import { buildIngressServer } from '../http/ingress-server';
import { OAuthFlow } from '../http/oauth-flow';
import { connectLinkSecret } from '../http/connect-link';
import { RoutyPinterestClient } from '../client/routy-client';
import type { ScheduleSettings } from '../workflows/ad-account-types';
import { usesRealPinterest, type Config } from './config';
import { realPinterest, type PinterestSide } from './pinterest-side';
import { createWorker } from '../worker/create-worker';
import { createDataConverter } from '../temporal/data-converter';
import { createLogger, TemporalPinoLogger } from '../observability/logger';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import type { DataConverter } from '@temporalio/common';
import { startLocalTemporal } from '../temporal/dev-server';

/** A running app: database, Temporal, worker, ingress, and the Pinterest side it was given. */
export interface RunningApp<P extends PinterestSide = PinterestSide> {
  config: Config;
  db: Kysely<Database>;
  client: RoutyPinterestClient;
  temporalClient: Client;
  ingressUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** The Pinterest the app talks to (the emulator's handle, when the caller started one). */
  pinterest: P;
  /** Bearer token Routy sends to the ingress (`ROUTY_INGRESS_TOKEN`). */
  ingressToken?: string;
  /** What the worker's activities were built with (tests run activities directly on it). */
  activityDeps: ActivityDeps;
  /** The payload-encrypting data converter of the client and worker (replays need it too). */
  dataConverter: DataConverter;
  /** Stops ingress, worker, Temporal connections, dev server, database and the Pinterest side, in that order. */
  shutdown(): Promise<void>;
}

export interface AppOptions<P extends PinterestSide = PinterestSide> {
  /** Where Pinterest is; default: the real API from the configured credentials. */
  pinterest?: P;
  /** Keep the dev server's state in `<data dir>/temporal.sqlite` and serve the UI. */
  persistTemporal?: boolean;
  /** Durations for newly connected accounts (tests and the demo shorten them). */
  schedule?: Partial<ScheduleSettings>;
  /** Progress lines (the demo prints them); default: the JSON log at info. */
  log?: (line: string) => void;
  /** Where the JSON log goes (default stdout); tests capture it. */
  logDestination?: DestinationStream;
  /** Extra flags for a local dev server (tests lower its continue-as-new threshold). */
  temporalExtraArgs?: string[];
}

/** The demo keeps one generated key in its data folder, so restarts can still decrypt tokens. */
async function demoEncryptionKeys(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'demo-encryption-keys');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const entry = generateEncryptionKeyEntry('demo1');
    await fs.writeFile(file, entry, { mode: 0o600 });
    return entry;
  }
}

/**
 * Starts everything `npm start` needs, from validated configuration: PostgreSQL (`DATABASE_URL`)
 * or embedded PGlite in the data folder, migrated; Temporal at `TEMPORAL_ADDRESS` or a local dev
 * server; the worker; the HTTP ingress; all talking to `options.pinterest` (default: the real API).
 * @throws Error naming the missing variable when real credentials come without
 * `ROUTY_ENCRYPTION_KEYS` or `ROUTY_INGRESS_TOKEN`, or when no Pinterest is given and none is configured.
 */
export async function startApp<P extends PinterestSide = PinterestSide>(config: Config, options: AppOptions<P> = {}): Promise<RunningApp<P>> {
  const logger = createLogger(config.ROUTY_LOG_LEVEL, options.logDestination);
  const log = options.log ?? ((line: string) => logger.info(line));
  installRuntimeOnce(logger, config.ROUTY_SDK_METRICS_PORT);
  const real = usesRealPinterest(config);
  if (real && !config.ROUTY_ENCRYPTION_KEYS) throw new Error('ROUTY_ENCRYPTION_KEYS is required with Pinterest credentials');
  if (real && !config.ROUTY_INGRESS_TOKEN) throw new Error('ROUTY_INGRESS_TOKEN is required with Pinterest credentials');
  const dataDir = path.resolve(config.ROUTY_DATA_DIR);
  await fs.mkdir(dataDir, { recursive: true });
  const pinterest = (options.pinterest ?? realPinterest(config)) as P;
  const stops: Array<() => Promise<unknown>> = [];
  if (pinterest.stop) stops.push(() => pinterest.stop!());
  const shutdown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => log(`shutdown: ${String(error)}`));
  };

  try {
    if (!config.DATABASE_URL) {
      // PGlite takes one process at a time: `rotate-keys` checks this file before it opens the folder.
      const pidFile = path.join(dataDir, 'service.pid');
      await fs.mkdir(dataDir, { recursive: true });
      await fs.writeFile(pidFile, String(process.pid));
      stops.push(() => fs.rm(pidFile, { force: true }));
    }
    const db = await openDatabase(
      config.DATABASE_URL
        ? { kind: 'postgres', url: config.DATABASE_URL }
        : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    );
    stops.push(() => db.destroy());
    await naming(config.DATABASE_URL ? 'DATABASE_URL' : 'ROUTY_DATA_DIR', () => migrateToLatest(db));

    const keys = parseEncryptionKeys(config.ROUTY_ENCRYPTION_KEYS ?? (await demoEncryptionKeys(dataDir)));
    const cipher = new TokenCipher(keys);
    // The OAuth `state` HMAC key derives from the newest encryption key: no variable of its own.
    const stateSecret = createHash('sha256').update('oauth-state:').update(keys[0]!.key).digest();
    // Connect links: signed with the ingress token (Routy can sign them too), or without one (demo)
    // with a key derived from the newest encryption key.
    const linkSecret = connectLinkSecret(config.ROUTY_INGRESS_TOKEN, keys[0]!.key);

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl: string | undefined;
    let testEnv: TestWorkflowEnvironment | undefined;
    if (!temporalAddress) {
      if (options.persistTemporal) {
        await ensurePortFree(config.TEMPORAL_PORT, 'TEMPORAL_PORT', 'set TEMPORAL_ADDRESS to use the server already there, or another TEMPORAL_PORT');
        await ensurePortFree(config.TEMPORAL_UI_PORT, 'TEMPORAL_UI_PORT', 'choose another TEMPORAL_UI_PORT');
      }
      testEnv = await startLocalTemporal({
        namespace: config.TEMPORAL_NAMESPACE,
        // The UI decodes payloads through the ingress's codec endpoint.
        extraArgs: [...(options.temporalExtraArgs ?? []), ...(options.persistTemporal ? ['--ui-codec-endpoint', `http://${config.ROUTY_HTTP_HOST}:${config.ROUTY_HTTP_PORT}/codec`] : [])],
        ...(options.persistTemporal
          ? { dbFilename: path.join(dataDir, 'temporal.sqlite'), port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT }
          : {}),
      });
      const env = testEnv;
      stops.push(() => env.teardown());
      temporalAddress = testEnv.address;
      if (options.persistTemporal) temporalUiUrl = `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`;
    }
    const address = temporalAddress;
    const nativeConnection = await naming('TEMPORAL_ADDRESS', () => NativeConnection.connect({ address }));
    stops.push(() => nativeConnection.close());
    const connection = await naming('TEMPORAL_ADDRESS', () => Connection.connect({ address }));
    stops.push(() => connection.close());
    // Configured keys refuse unencrypted payloads (a Temporal client without them cannot steer a
    // workflow); the demo's generated key lets them through, and says so.
    const allowPlaintext = !config.ROUTY_ENCRYPTION_KEYS;
    if (allowPlaintext) log('demo mode: no ROUTY_ENCRYPTION_KEYS, so the payload codec accepts unencrypted payloads (a Temporal client without the keys can send updates)');
    const dataConverter = createDataConverter(keys, { allowPlaintext });
    const temporalClient = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });

    // Per-user budgets live in the database, so every worker process spends the same ones.
    const budget = new SharedRequestBudget(db, config.PINTEREST_REQUESTS_PER_MINUTE);
    const http = new PinterestHttp(pinterest.apiBaseUrl, budget, undefined, config.PINTEREST_REQUEST_TIMEOUT_SECONDS * 1000);
    const ingressPort = config.ROUTY_HTTP_PORT;
    const app = pinterest.app;

    const stopping = new AbortController();
    const activityDeps: ActivityDeps = { db, http, app, cipher, capiRepostMarginSeconds: config.ROUTY_CAPI_REPOST_MARGIN_SECONDS, stopping: stopping.signal, pumpTiming: { fillMs: config.ROUTY_CAPI_FILL_MS } };
    const worker: Worker = await createWorker({
      connection: nativeConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      deps: activityDeps,
      dataConverter,
      shutdownGraceSeconds: workerGraceSeconds(config),
    });
    const running = worker.run();
    stops.push(async () => {
      // Sends start no new Conversions API request from here on; one in flight gets its answer within the grace time.
      stopping.abort();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const client = new RoutyPinterestClient(temporalClient, db, { schedule: options.schedule });
    const ingressToken = config.ROUTY_INGRESS_TOKEN;
    const oauth = new OAuthFlow({ db, cipher, http, app, authorizeUrl: pinterest.authorizeUrl, stateSecret, linkSecret, client });
    const ingress = buildIngressServer({
      client, db, cipher, oauth, ingressToken, logger: logger.child({ component: 'ingress' }), sdkMetricsUrl,
      codec: dataConverter.payloadCodecs![0]!,
      timeouts: {
        requestMs: config.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
        headersMs: config.ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
        keepAliveMs: config.ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
        idleMs: config.ROUTY_HTTP_IDLE_TIMEOUT_SECONDS * 1000,
      },
      ...(temporalUiUrl ? { temporalUiOrigins: [temporalUiUrl, temporalUiUrl.replace('127.0.0.1', 'localhost')] } : {}),
    });
    const ingressAddress = await naming('ROUTY_HTTP_HOST / ROUTY_HTTP_PORT', () =>
      ingress.listen({ host: config.ROUTY_HTTP_HOST, port: ingressPort }),
    );
    stops.push(() => ingress.close());
    // loadConfig refuses any other address without a token: open means open to this machine only.
    if (!ingressToken) log(`ingress is open: no ROUTY_INGRESS_TOKEN, so every route answers without credentials; listening on loopback only (${ingressAddress})`);
    pinterest.ingressListening?.(ingressAddress);

    return {
      config,
      db,
      client,
      temporalClient,
      ingressUrl: ingressAddress,
      temporalAddress,
      temporalUiUrl,
      pinterest,
      ingressToken,
      activityDeps,
      dataConverter,
      shutdown,
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

/**
 * How long a stopping worker waits for its running activities, in seconds: one Pinterest request's
 * timeout plus 10 s to store its answer, so a Conversions API request in flight is never cut off.
 */
export function workerGraceSeconds(config: Config): number {
  return config.PINTEREST_REQUEST_TIMEOUT_SECONDS + 10;
}

/** Runs a start-up step; its failure is reported with the configuration variable behind it. */
async function naming<T>(variable: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Error(`${variable}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Fails fast, naming the variable, when a port the dev server needs is taken (it would hang otherwise). */
async function ensurePortFree(port: number, variable: string, hint: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`${variable}: port ${port} is in use (${error.code}); ${hint}`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

let runtimeInstalled = false;
/**
 * The SDK runtime is process-wide and can be installed only once: the first app's logger takes
 * the SDK's, workflows' and activities' logs; its Prometheus exporter listens on 127.0.0.1:`port`.
 */
function installRuntimeOnce(logger: PinoLogger, metricsPort: number): void {
  if (runtimeInstalled) return;
  try {
    Runtime.install({
      logger: new TemporalPinoLogger(logger.child({ component: 'temporal' })),
      // start.ts owns SIGINT/SIGTERM, so shutdown runs in order: ingress, worker, connections.
      shutdownSignals: [],
      ...(metricsPort > 0 ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } } : {}),
    });
  } catch (error) {
    // The SDK's own message names no setting: a second `npm start` on one machine ends here.
    if (metricsPort > 0 && /address already in use/i.test(String(error))) {
      throw new Error(`ROUTY_SDK_METRICS_PORT: port ${metricsPort} is in use; choose another, or 0 to turn the SDK's metrics off`, { cause: error });
    }
    throw error;
  }
  sdkMetricsUrl = metricsPort > 0 ? `http://127.0.0.1:${metricsPort}/metrics` : undefined;
  runtimeInstalled = true;
}
let sdkMetricsUrl: string | undefined;
