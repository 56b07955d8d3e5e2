// The Temporal SDK's process-wide runtime (its logger and metrics exporter): installed once, by
// the first part of a process that runs a worker.
import { Runtime } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import { TemporalPinoLogger } from '../observability/logger';

let runtimeInstalled = false;
let metricsUrl: string | undefined;

/**
 * The SDK runtime is process-wide and can be installed only once: the first caller's logger takes
 * the SDK's, workflows' and activities' logs; its Prometheus exporter listens on 127.0.0.1:`port`
 * (0: none).
 * @throws Error naming `ROUTY_SDK_METRICS_PORT` when that port is taken.
 */
export function installRuntimeOnce(logger: PinoLogger, metricsPort: number): void {
  if (runtimeInstalled) return;
  try {
    Runtime.install({
      logger: new TemporalPinoLogger(logger.child({ component: 'temporal' })),
      // The process's start file owns SIGINT/SIGTERM, so shutdown runs in order: ingress, worker, connections.
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
  metricsUrl = metricsPort > 0 ? `http://127.0.0.1:${metricsPort}/metrics` : undefined;
  runtimeInstalled = true;
}

/** Where this process's SDK metrics are served (`GET /metrics` includes them), if anywhere. */
export function sdkMetricsUrl(): string | undefined {
  return metricsUrl;
}
