import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../workflows/shared';
import { choosePort, isPortFree, PORT_ATTEMPTS, PortInUseError, type PortRequest } from './ports';
import { ensureTemporalCli } from './temporal-cli';

/** The ports a local dev server listens on (127.0.0.1), as chosen at its start. */
export interface DevServerPorts {
  /** The gRPC frontend (`--port`). */
  grpc: number;
  /** The HTTP API (`--http-port`). */
  http: number;
  /** Its Prometheus `/metrics` (`--metrics-port`). */
  metrics: number;
  /** The Temporal UI (`--ui-port`), when served. */
  ui?: number;
}

export interface LocalTemporalOptions {
  /** Keep the server's state in this SQLite file; omitted: in memory. */
  dbFilename?: string;
  /** Frontend gRPC port; omitted: a free one. */
  port?: PortRequest;
  /** Serve the Temporal UI on this port; omitted: no UI. */
  uiPort?: PortRequest;
  /** The HTTP API's port; omitted: a free one. */
  httpPort?: PortRequest;
  /** The server's own metrics port; omitted: a free one. */
  metricsPort?: PortRequest;
  namespace?: string;
  /** Extra `temporal server start-dev` flags, e.g. dynamic config for tests. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** A started dev server: the SDK's test environment (address, clients, teardown) and its ports. */
export type LocalTemporal = TestWorkflowEnvironment & { ports: DevServerPorts };

const free = (variable: string): PortRequest => ({ variable, port: 0, fixed: false });

/**
 * Starts `temporal server start-dev` through `@temporalio/testing`, with the project's search
 * attributes registered and every port it opens chosen here (gRPC, HTTP API, metrics, UI), so none
 * is left to the CLI's own pick. A port found free can be taken before the server binds it: the
 * server then exits at once and the SDK gives up after 5 s; the start is tried again on newly
 * chosen ports, up to {@link PORT_ATTEMPTS} times. Uses the CLI found or built by
 * {@link ensureTemporalCli}; without a binary or Go it falls back to the SDK's own download (needs internet).
 * @throws PortInUseError naming the variable when a fixed port is taken; Error naming the ports
 * tried when every attempt failed.
 */
export async function startLocalTemporal(options: LocalTemporalOptions = {}): Promise<LocalTemporal> {
  const cli = await ensureTemporalCli(options.env);
  const requests = {
    grpc: options.port ?? free('TEMPORAL_PORT'),
    http: options.httpPort ?? free('TEMPORAL_HTTP_PORT'),
    metrics: options.metricsPort ?? free('TEMPORAL_METRICS_PORT'),
    ...(options.uiPort ? { ui: options.uiPort } : {}),
  };
  for (let attempt = 1; ; attempt += 1) {
    const ports: DevServerPorts = {
      grpc: await choosePort(requests.grpc),
      http: await choosePort(requests.http),
      metrics: await choosePort(requests.metrics),
      ...(requests.ui ? { ui: await choosePort(requests.ui) } : {}),
    };
    try {
      const env = await TestWorkflowEnvironment.createLocal({
        server: {
          executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
          searchAttributes: SEARCH_ATTRIBUTES,
          ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
          port: ports.grpc,
          ...(ports.ui ? { ui: true, uiPort: ports.ui } : {}),
          ...(options.namespace ? { namespace: options.namespace } : {}),
          extraArgs: ['--http-port', String(ports.http), '--metrics-port', String(ports.metrics), ...(options.extraArgs ?? [])],
        },
      });
      return Object.assign(env, { ports });
    } catch (error) {
      // A set port taken meanwhile is the user's to change; a chosen one is chosen again.
      for (const key of Object.keys(requests) as Array<keyof typeof requests>) {
        const request = requests[key]!;
        if (request.fixed && !(await isPortFree(ports[key]!))) throw new PortInUseError(request, ports[key]);
      }
      if (attempt >= PORT_ATTEMPTS) {
        const tried = Object.entries(ports).map(([name, port]) => `${name} ${port}`).join(', ');
        throw new Error(`the Temporal dev server did not start (ports ${tried}; ${attempt} attempts): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
  }
}
