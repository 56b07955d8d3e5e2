import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { ActivityDeps } from '../activities/index';
import { PinterestHttp } from '../pinterest/http';
import { generateEncryptionKeyEntry } from '../secrets/token-cipher';
import { SharedRequestBudget } from '../store/request-budget-store';
import type { Database } from '../store/database-schema';
import type { RoutyPinterestClient } from '../client/routy-client';
import type { ScheduleSettings } from '../workflows/ad-account-types';
import { usesRealPinterest, type Config, type PortVariable } from './config';
import { realPinterest, type PinterestSide } from './pinterest-side';
import { createLogger } from '../observability/logger';
import { installTracingOnce } from '../observability/tracing';
import type { DestinationStream } from 'pino';
import type { DataConverter } from '@temporalio/common';
import { startLocalTemporal, type DevServerPorts } from '../temporal/dev-server';
import { choosePort, type PortRequest } from '../temporal/ports';
import { connectTemporalClient, openMigratedDatabase, payloadCrypto } from './role-parts';
import { installRuntimeOnce, sdkMetricsPortRequest, sdkMetricsUrl } from './sdk-runtime';
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
  /** The ports of the dev server this app started, if it started one. */
  temporalPorts?: DevServerPorts;
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
  /**
   * `npm start`'s dev server: its state in `<data dir>/temporal.sqlite`, on the configured ports
   * (`TEMPORAL_PORT`, `TEMPORAL_UI_PORT`, `TEMPORAL_HTTP_PORT`, `TEMPORAL_METRICS_PORT`), with the
   * UI decoding payloads through the ingress's codec endpoint. Otherwise: in memory, every port free.
   */
  persistTemporal?: boolean;
  /** Serve the Temporal UI (always with `persistTemporal`; the demo's `--keep` asks for it). */
  temporalUi?: boolean;
  /**
   * Port variables left unset (`npm start`): their default port gives way to a free one when taken.
   * Every other configured port is fixed: taken, it stops start-up naming its variable.
   */
  movablePorts?: readonly PortVariable[];
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
  const tracing = installTracingOnce('all');
  const pinterest = (options.pinterest ?? realPinterest(config)) as P;
  const stops: Array<() => Promise<unknown>> = [];
  if (pinterest.stop) stops.push(() => pinterest.stop!());
  // Last: the spans still buffered are exported (flushed, not shut down: tests start apps one after another).
  stops.push(() => tracing.spanProcessor.forceFlush());
  const shutdown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => log(`shutdown: ${String(error)}`));
  };

  try {
    const ports = portRequests(config, options.movablePorts ?? []);
    await installRuntimeOnce(logger, config.ROUTY_SDK_METRICS_PORT > 0 ? sdkMetricsPortRequest(config.ROUTY_SDK_METRICS_PORT, ports.sdkMetrics.fixed) : 0);
    const real = usesRealPinterest(config);
    if (real && !config.ROUTY_ENCRYPTION_KEYS) throw new Error('ROUTY_ENCRYPTION_KEYS is required with Pinterest credentials');
    if (real && !config.ROUTY_INGRESS_TOKEN) throw new Error('ROUTY_INGRESS_TOKEN is required with Pinterest credentials');
    const persist = Boolean(options.persistTemporal && !config.TEMPORAL_ADDRESS);
    const ui = !config.TEMPORAL_ADDRESS && (persist || Boolean(options.temporalUi));
    // The UI's codec endpoint names the ingress, so its port is chosen before the dev server starts
    // (a set one checked now: a taken port stops start-up before anything is opened).
    const ingressPort = ports.ingress.port === 0 && !persist ? 0 : await choosePort(ports.ingress, config.ROUTY_HTTP_HOST);
    const dataDir = path.resolve(config.ROUTY_DATA_DIR);
    await fs.mkdir(dataDir, { recursive: true });
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
    let temporalPorts: DevServerPorts | undefined;
    if (!temporalAddress) {
      const free = (variable: PortVariable): PortRequest => ({ variable, port: 0, fixed: false });
      const local = await startLocalTemporal({
        namespace: config.TEMPORAL_NAMESPACE,
        // The UI decodes payloads through the ingress's codec endpoint.
        extraArgs: [...(options.temporalExtraArgs ?? []), ...(persist ? ['--ui-codec-endpoint', `http://${config.ROUTY_HTTP_HOST}:${ingressPort}/codec`] : [])],
        ...(persist
          ? { dbFilename: path.join(dataDir, 'temporal.sqlite'), port: ports.temporal, httpPort: ports.temporalHttp, metricsPort: ports.temporalMetrics }
          : { port: free('TEMPORAL_PORT'), httpPort: free('TEMPORAL_HTTP_PORT'), metricsPort: free('TEMPORAL_METRICS_PORT') }),
        ...(ui ? { uiPort: persist ? ports.temporalUi : free('TEMPORAL_UI_PORT') } : {}),
      });
      stops.push(() => local.teardown());
      temporalAddress = local.address;
      temporalPorts = local.ports;
      if (local.ports.ui) temporalUiUrl = `http://127.0.0.1:${local.ports.ui}`;
    }
    if (allowPlaintext) log('demo mode: no ROUTY_ENCRYPTION_KEYS, so the payload codec accepts unencrypted payloads (a Temporal client without the keys can send updates)');
    // Per-user budgets live in the database, so every worker process spends the same ones.
    const http = new PinterestHttp(pinterest.apiBaseUrl, new SharedRequestBudget(db, config.PINTEREST_REQUESTS_PER_MINUTE), undefined, config.PINTEREST_REQUEST_TIMEOUT_SECONDS * 1000);

    const worker = await startWorkerRole(config, { db, cipher, http, app: pinterest.app, dataConverter, temporalAddress, tracing });
    stops.push(() => worker.stop());
    const temporal = await connectTemporalClient(temporalAddress, config.TEMPORAL_NAMESPACE, dataConverter);
    stops.push(() => temporal.close());

    const ingress = await startIngressRole({ ...config, ROUTY_HTTP_PORT: ingressPort }, {
      db, cipher, keys, http, pinterest, dataConverter, logger,
      temporalClient: temporal.client,
      schedule: options.schedule,
      sdkMetricsUrl: sdkMetricsUrl(),
      temporalUiUrl,
      portMayMove: !ports.ingress.fixed,
      onPortMoved: (taken) => log(`ROUTY_HTTP_PORT: port ${taken} was taken meanwhile; listening on a free port instead (the Temporal UI's codec endpoint still names ${taken})`),
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
      temporalPorts,
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

/** Each configured port as a request: fixed unless its variable is one of `movable`. */
function portRequests(config: Config, movable: readonly PortVariable[]) {
  const request = (variable: PortVariable, hint?: string): PortRequest => ({ variable, port: config[variable], fixed: !movable.includes(variable), ...(hint ? { hint } : {}) });
  return {
    ingress: request('ROUTY_HTTP_PORT'),
    sdkMetrics: request('ROUTY_SDK_METRICS_PORT'),
    temporal: request('TEMPORAL_PORT', 'set TEMPORAL_ADDRESS to use the server already there, or another TEMPORAL_PORT (0: a free one)'),
    temporalUi: request('TEMPORAL_UI_PORT'),
    temporalHttp: request('TEMPORAL_HTTP_PORT'),
    temporalMetrics: request('TEMPORAL_METRICS_PORT'),
  };
}
