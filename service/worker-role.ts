// The worker role: one Temporal worker on the task queue, running every ad account workflow and
// its activities. Any number of copies poll the same queue; all they share lives in PostgreSQL.
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { ActivityDeps } from '../activities/index';
import type { Tracing } from '../observability/tracing';
import type { PinterestHttp } from '../pinterest/http';
import type { PinterestApp } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import type { Database } from '../store/database-schema';
import { createWorker } from '../worker/create-worker';
import type { Config } from './config';
import { naming } from './role-parts';

/** The configuration the worker role reads. */
export type WorkerSettings = Pick<Config, 'TEMPORAL_NAMESPACE' | 'PINTEREST_REQUEST_TIMEOUT_SECONDS' | 'ROUTY_CAPI_FILL_MS' | 'ROUTY_CAPI_REPOST_MARGIN_SECONDS'> &
  Partial<Pick<Config, 'ROUTY_ALERT_WEBHOOK_URL' | 'ROUTY_ALERT_WEBHOOK_SECRET'>>;

/** A running worker. */
export interface RunningWorker {
  /** What its activities were built with (tests run activities directly on it). */
  activityDeps: ActivityDeps;
  /** Settles when the worker stops, by `stop` or a fatal error (rejects then). */
  running: Promise<void>;
  /** Starts no new Conversions API request, lets running activities finish within the grace time, closes the connection. */
  stop(): Promise<void>;
}

/**
 * Connects to Temporal at `temporalAddress` (host:port) and runs the worker: workflows bundled
 * from `workflows/` (compiled or not), activities on the given database, cipher and Pinterest;
 * workflow spans go to `tracing` (observability/tracing.ts), when given.
 * @throws Error naming `TEMPORAL_ADDRESS` when the frontend cannot be reached.
 */
export async function startWorkerRole(
  settings: WorkerSettings,
  parts: { db: Kysely<Database>; cipher: TokenCipher; http: PinterestHttp; app: PinterestApp; dataConverter: DataConverter; temporalAddress: string; tracing?: Tracing },
): Promise<RunningWorker> {
  const alertWebhook = alertWebhookOf(settings);
  const connection = await naming('TEMPORAL_ADDRESS', () => NativeConnection.connect({ address: parts.temporalAddress }));
  const stopping = new AbortController();
  const activityDeps: ActivityDeps = {
    db: parts.db,
    http: parts.http,
    app: parts.app,
    cipher: parts.cipher,
    capiRepostMarginSeconds: settings.ROUTY_CAPI_REPOST_MARGIN_SECONDS,
    stopping: stopping.signal,
    pumpTiming: { fillMs: settings.ROUTY_CAPI_FILL_MS },
    ...(alertWebhook ? { alertWebhook } : {}),
  };
  let worker;
  try {
    worker = await createWorker({
      connection,
      namespace: settings.TEMPORAL_NAMESPACE,
      deps: activityDeps,
      dataConverter: parts.dataConverter,
      shutdownGraceSeconds: workerGraceSeconds(settings),
      tracing: parts.tracing,
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const started = worker;
  const running = started.run();
  return {
    activityDeps,
    running,
    stop: async () => {
      // Sends start no new Conversions API request from here on; one in flight gets its answer within the grace time.
      stopping.abort();
      if (started.getState() === 'RUNNING') started.shutdown();
      await running.catch(() => {});
      await connection.close();
    },
  };
}

/**
 * How long a stopping worker waits for its running activities, in seconds: one Pinterest request's
 * timeout plus 10 s to store its answer, so a Conversions API request in flight is never cut off.
 */
export function workerGraceSeconds(config: Pick<Config, 'PINTEREST_REQUEST_TIMEOUT_SECONDS'>): number {
  return config.PINTEREST_REQUEST_TIMEOUT_SECONDS + 10;
}

/**
 * The CPA alert webhook from `ROUTY_ALERT_WEBHOOK_URL` and `ROUTY_ALERT_WEBHOOK_SECRET`; undefined when no URL is set.
 * @throws Error naming `ROUTY_ALERT_WEBHOOK_SECRET` when the URL is set without it (posts are always signed).
 */
function alertWebhookOf(settings: WorkerSettings): { url: string; secret: string } | undefined {
  if (!settings.ROUTY_ALERT_WEBHOOK_URL) return undefined;
  if (!settings.ROUTY_ALERT_WEBHOOK_SECRET) throw new Error('Invalid configuration:\n  ROUTY_ALERT_WEBHOOK_SECRET: required with ROUTY_ALERT_WEBHOOK_URL (each alert is signed with it)');
  return { url: settings.ROUTY_ALERT_WEBHOOK_URL, secret: settings.ROUTY_ALERT_WEBHOOK_SECRET };
}
