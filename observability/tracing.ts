// Traces: the process's OpenTelemetry tracer provider, exporting over OTLP (HTTP) when the standard
// OTel variables name an endpoint, off otherwise (the OpenTelemetry API's no-op tracer).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { z } from 'zod';

/** Which part of the service a process runs: `all` is `npm start` (worker and ingress in one process). */
export type TracingRole = 'worker' | 'ingress' | 'all';

/** The resource attribute naming the role (`worker`, `ingress`, `all`) beside `service.name` `routy-pinterest`. */
const ROLE_ATTRIBUTE = 'routy.role';

/** This process's tracing, as the Temporal worker's workflow span sink needs it. */
export interface Tracing {
  /** True when spans are recorded and exported; false: every tracer is the API's no-op. */
  enabled: boolean;
  /** `service.name` `routy-pinterest`, `routy.role`, then what `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` say. */
  resource: Resource;
  /** Where finished spans go; workflow spans reach it through the worker's `exporter` sink. */
  spanProcessor: SpanProcessor;
  /** Exports the spans still buffered and stops (a no-op when disabled). */
  shutdown(): Promise<void>;
}

const urlText = 'must be an http(s) URL, e.g. http://127.0.0.1:4318 (OTLP over HTTP)';
const endpointsSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: urlText }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, error: urlText }).optional(),
  OTEL_SDK_DISABLED: z.enum(['true', 'false', ''], { error: 'must be true or false' }).optional(),
});

let installed: Tracing | undefined;

/**
 * Installs the process-wide tracer provider once (the first enabling call wins; later calls get it):
 * W3C trace context, async context through AsyncLocalStorage, spans batched to the OTLP HTTP
 * exporter, which reads the standard variables itself (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`). Tracing is on
 * when either endpoint is set (and `OTEL_SDK_DISABLED` is not `true`) or when `spanProcessor` is
 * given (tests pass an in-memory exporter's); otherwise nothing is installed and a disabled Tracing
 * is returned (its processor drops what the workflow sink hands it).
 * @throws Error naming the variable when an endpoint is not an http(s) URL.
 */
export function installTracingOnce(role: TracingRole, env: NodeJS.ProcessEnv = process.env, spanProcessor?: SpanProcessor): Tracing {
  if (installed) return installed;
  const parsed = endpointsSchema.safeParse({
    OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined,
    OTEL_SDK_DISABLED: env.OTEL_SDK_DISABLED?.toLowerCase(),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${String(issue.path[0])}: ${issue.message}`);
  }
  const settings = parsed.data;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: 'routy-pinterest', [ROLE_ATTRIBUTE]: role }).merge(envDetectorSync.detect({}));
  const exporting = settings.OTEL_SDK_DISABLED !== 'true' && (settings.OTEL_EXPORTER_OTLP_ENDPOINT ?? settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) !== undefined;
  if (!spanProcessor && !exporting) return { enabled: false, resource, spanProcessor: new NoopSpanProcessor(), shutdown: async () => {} };
  const processor = spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  installed = { enabled: true, resource, spanProcessor: processor, shutdown: () => provider.shutdown() };
  return installed;
}
