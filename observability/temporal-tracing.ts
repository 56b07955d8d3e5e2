// Temporal's OpenTelemetry interceptors, as this service installs them: client calls (signals,
// updates, starts) put the trace context in a `_tracer-data` header; the workflow interceptors
// (bundled with the workflows) and the activity inbound interceptor continue it; spans made in the
// workflow sandbox leave it through the `exporter` sink. The workflow interceptor module itself is
// workflows/tracing-interceptors.ts.
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Tracing } from './tracing';

/** The client interceptors every Temporal client of the service uses (the ingress's, the typed client's). */
export function tracingClientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * A workflow span's attributes from its workflow: ids, type, queue, namespace and attempt. The
 * package would add the whole WorkflowInfo (memo, search attributes, last result); these say which
 * run a span belongs to and carry no account data.
 */
function workflowAttributes(info: WorkflowInfo): Record<string, string | number> {
  return { workflowId: info.workflowId, runId: info.runId, workflowType: info.workflowType, taskQueue: info.taskQueue, namespace: info.namespace, attempt: info.attempt };
}

/**
 * The worker's (and the replayer's) tracing options: the activity interceptors (a `RunActivity:<type>` span, child of the workflow's `StartActivity`
 * span), and the `exporter` sink handing workflow spans to `tracing.spanProcessor` (not called
 * while replaying). With tracing disabled the interceptors still run on the API's no-op tracer.
 */
export function workerTracingOptions(tracing: Pick<Tracing, 'spanProcessor' | 'resource'>): { interceptors: WorkerInterceptors; sinks: InjectedSinks<never> } {
  const exporter = makeWorkflowExporter(tracing.spanProcessor, tracing.resource);
  const forward = exporter.export.fn as unknown as (info: WorkflowInfo, spans: unknown) => void;
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: { export: { fn: (info: WorkflowInfo, spans: unknown) => forward(workflowAttributes(info) as unknown as WorkflowInfo, spans) } } } as unknown as InjectedSinks<never>,
  };
}
