// The Temporal SDK's process-wide runtime (its logger and metrics exporter): installed once, by
// the first part of a process that runs a worker.
import { Runtime } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import { TemporalPinoLogger } from '../observability/logger';
import { choosePort, isAddressInUse, PORT_ATTEMPTS, PortInUseError, type PortRequest } from '../temporal/ports';

let runtimeInstalled = false;
let metricsUrl: string | undefined;

/** What `ROUTY_SDK_METRICS_PORT` asks for: a set value (or a production role's default) is fixed. */
export function sdkMetricsPortRequest(port: number, fixed = true): PortRequest {
  return { variable: 'ROUTY_SDK_METRICS_PORT', port, fixed, hint: "choose another, or 0 to turn the SDK's metrics off" };
}

/**
 * The SDK runtime is process-wide and can be installed only once: the first caller's logger takes
 * the SDK's, workflows' and activities' logs; its Prometheus exporter listens on 127.0.0.1 at the
 * requested port (a number: that port, fixed; port 0: none). A default (not fixed) that is taken,
 * or lost before the exporter binds it, gives way to a free port, up to {@link PORT_ATTEMPTS} times.
 * @throws PortInUseError naming `ROUTY_SDK_METRICS_PORT` when a fixed port is taken.
 */
export async function installRuntimeOnce(logger: PinoLogger, metrics: number | PortRequest): Promise<void> {
  if (runtimeInstalled) return;
  const request = typeof metrics === 'number' ? sdkMetricsPortRequest(metrics) : metrics;
  let port = request.port;
  for (let attempt = 1; ; attempt += 1) {
    try {
      Runtime.install({
        logger: new TemporalPinoLogger(logger.child({ component: 'temporal' })),
        // The process's start file owns SIGINT/SIGTERM, so shutdown runs in order: ingress, worker, connections.
        shutdownSignals: [],
        ...(port > 0 ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } } : {}),
      });
      break;
    } catch (error) {
      // The SDK's own message names no setting: a second `npm start` on one machine ends here.
      if (port === 0 || !isAddressInUse(error)) throw error;
      if (request.fixed) throw new PortInUseError(request, port);
      if (attempt >= PORT_ATTEMPTS) throw new PortInUseError(request, port);
      port = await choosePort({ ...request, port: 0 });
    }
  }
  metricsUrl = port > 0 ? `http://127.0.0.1:${port}/metrics` : undefined;
  runtimeInstalled = true;
}

/** Where this process's SDK metrics are served (`GET /metrics` includes them), if anywhere. */
export function sdkMetricsUrl(): string | undefined {
  return metricsUrl;
}
