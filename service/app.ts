import net from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Kysely } from 'kysely';
import type { ActivityDeps } from '../activities/index';
import { PinterestHttp } from '../pinterest/http';
import { generateEncryptionKeyEntry } from '../secrets/token-cipher';
import { SharedRequestBudget } from '../store/request-budget-store';
import type { Database } from '../store/database-schema';
import type { RoutyPinterestClient } from '../client/routy-client';
import type { ScheduleSettings } from '../workflows/ad-account-types';
import { usesRealPinterest, type Config } from './config';
import { realPinterest, type PinterestSide } from './pinterest-side';
import { createLogger } from '../observability/logger';
import { installTracingOnce } from '../observability/tracing';
import type { DestinationStream } from 'pino';
import type { DataConverter } from '@temporalio/common';
import { startLocalTemporal } from '../temporal/dev-server';
import { connectTemporalClient, openMigratedDatabase, payloadCrypto } from './role-parts';
import { installRuntimeOnce, sdkMetricsUrl } from './sdk-runtime';
import { startWorkerRole } from './worker-role';
import { startIngressRole } from './ingress-role';

export { workerGraceSeconds } from './worker-role';

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
 * Starts everything `npm start` needs in one process, from validated configuration: PostgreSQL
 * (`DATABASE_URL`) or embedded PGlite in the data folder, migrated; Temporal at `TEMPORAL_ADDRESS`
 * or a local dev server; the worker role; the ingress role; all talking to `options.pinterest`
 * (default: the real API). Production runs the roles apart (service/start-worker.ts, service/start-ingress.ts).
 * @throws Error naming the missing variable when real credentials come without
 * `ROUTY_ENCRYPTION_KEYS` or `ROUTY_INGRESS_TOKEN`, or when no Pinterest is given and none is configured.
 */
export async function startApp<P extends PinterestSide = PinterestSide>(config: Config, options: AppOptions<P> = {}): Promise<RunningApp<P>> {
  const logger = createLogger(config.ROUTY_LOG_LEVEL, options.logDestination);
  const log = options.log ?? ((line: string) => logger.info(line));
  installRuntimeOnce(logger, config.ROUTY_SDK_METRICS_PORT);
  const tracing = installTracingOnce('all');
  const real = usesRealPinterest(config);
  if (real && !config.ROUTY_ENCRYPTION_KEYS) throw new Error('ROUTY_ENCRYPTION_KEYS is required with Pinterest credentials');
  if (real && !config.ROUTY_INGRESS_TOKEN) throw new Error('ROUTY_INGRESS_TOKEN is required with Pinterest credentials');
  const dataDir = path.resolve(config.ROUTY_DATA_DIR);
  await fs.mkdir(dataDir, { recursive: true });
  const pinterest = (options.pinterest ?? realPinterest(config)) as P;
  const stops: Array<() => Promise<unknown>> = [];
  if (pinterest.stop) stops.push(() => pinterest.stop!());
  // Last: the spans still buffered are exported (flushed, not shut down: tests start apps one after another).
  stops.push(() => tracing.spanProcessor.forceFlush());
  const shutdown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => log(`shutdown: ${String(error)}`));
  };

  try {
    if (!config.DATABASE_URL) {
      // PGlite takes one process at a time: `rotate-keys` checks this file before it opens the folder.
      const pidFile = path.join(dataDir, 'service.pid');
      await fs.writeFile(pidFile, String(process.pid));
      stops.push(() => fs.rm(pidFile, { force: true }));
    }
    const db = await openMigratedDatabase(
      config.DATABASE_URL ? { kind: 'postgres', url: config.DATABASE_URL } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
      config.DATABASE_URL ? 'DATABASE_URL' : 'ROUTY_DATA_DIR',
    );
    stops.push(() => db.destroy());

    // Configured keys refuse unencrypted payloads (a Temporal client without them cannot steer a
    // workflow); the demo's generated key lets them through, and says so.
    const allowPlaintext = !config.ROUTY_ENCRYPTION_KEYS;
    const { keys, cipher, dataConverter } = payloadCrypto(config.ROUTY_ENCRYPTION_KEYS ?? (await demoEncryptionKeys(dataDir)), allowPlaintext);

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
    if (allowPlaintext) log('demo mode: no ROUTY_ENCRYPTION_KEYS, so the payload codec accepts unencrypted payloads (a Temporal client without the keys can send updates)');
    // Per-user budgets live in the database, so every worker process spends the same ones.
    const http = new PinterestHttp(pinterest.apiBaseUrl, new SharedRequestBudget(db, config.PINTEREST_REQUESTS_PER_MINUTE), undefined, config.PINTEREST_REQUEST_TIMEOUT_SECONDS * 1000);

    const worker = await startWorkerRole(config, { db, cipher, http, app: pinterest.app, dataConverter, temporalAddress, tracing });
    stops.push(() => worker.stop());
    const temporal = await connectTemporalClient(temporalAddress, config.TEMPORAL_NAMESPACE, dataConverter);
    stops.push(() => temporal.close());

    const ingress = await startIngressRole(config, {
      db, cipher, keys, http, pinterest, dataConverter, logger,
      temporalClient: temporal.client,
      schedule: options.schedule,
      sdkMetricsUrl: sdkMetricsUrl(),
      temporalUiUrl,
    });
    stops.push(() => ingress.stop());
    // loadConfig refuses any other address without a token: open means open to this machine only.
    if (!config.ROUTY_INGRESS_TOKEN) log(`ingress is open: no ROUTY_INGRESS_TOKEN, so every route answers without credentials; listening on loopback only (${ingress.ingressUrl})`);

    return {
      config,
      db,
      client: ingress.client,
      temporalClient: temporal.client,
      ingressUrl: ingress.ingressUrl,
      temporalAddress,
      temporalUiUrl,
      pinterest,
      ingressToken: config.ROUTY_INGRESS_TOKEN,
      activityDeps: worker.activityDeps,
      dataConverter,
      shutdown,
    };
  } catch (error) {
    await shutdown();
    throw error;
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
