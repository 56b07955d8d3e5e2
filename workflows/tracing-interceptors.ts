// The workflow interceptors every workflow bundle includes (worker/create-worker.ts): Temporal's
// OpenTelemetry ones, for the runs that have the TRACING_PATCH. Their async wrappers add microtask
// hops around activity results, signals and continue-as-new, which reorder the commands of a run
// recorded without them (a replayed history then fails as non-deterministic): runs started before
// this patch keep running without them until they continue as new; newer runs record the patch's
// marker on their first traced call and are traced from then on. The interceptors add a header to
// the commands and spans beside the code, never a command of their own.
// Workflow code: deterministic, no I/O.
import { interceptors as openTelemetryInterceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors.js';
import { patched, type WorkflowInboundCallsInterceptor, type WorkflowInterceptors, type WorkflowInternalsInterceptor, type WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

/** Patch of the runs traced by the OpenTelemetry workflow interceptors. */
export const TRACING_PATCH = 'opentelemetry-interceptors';

type Intercepting = (input: unknown, next: (input: unknown) => unknown) => unknown;

/**
 * The interceptor methods of `target` that run only in traced runs: `decides` methods may make the
 * run's decision (they run where a command may be sent), the others (queries, validators, log and
 * metric attributes, which may send none) follow it once made and pass through before.
 */
function gated<T extends object>(target: T, decides: ReadonlySet<string>, isTraced: (decide: boolean) => boolean): Partial<T> {
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter((name) => name !== 'constructor' && !UNTRACED.has(name));
  const gate: Record<string, Intercepting> = {};
  for (const name of methods) {
    const method = (target as Record<string, Intercepting>)[name]!.bind(target);
    gate[name] = (input, next) => (isTraced(decides.has(name)) ? method(input, next) : next(input));
  }
  return gate as Partial<T>;
}

/**
 * Methods left out (Temporal calls the workflow's own handlers directly): the package instruments
 * them only under the SDK flag `OpenTelemetryInterceptorsInstrumentsAllMethods`, which a `status`
 * query would mark as used without any workflow task recording it, so a replay would run updates
 * without the span (and its yields) they ran with, and fail as non-deterministic
 * (test/integration/update-replay.test.ts). Updates keep the client's span.
 */
const UNTRACED = new Set(['handleQuery', 'handleUpdate', 'validateUpdate', 'startNexusOperation']);

/** Methods that may record the patch: each runs where the workflow may send a command. */
const DECIDING = new Set(['execute', 'handleSignal', 'handleUpdate', 'scheduleActivity', 'scheduleLocalActivity', 'startNexusOperation', 'startChildWorkflowExecution', 'continueAsNew', 'signalWorkflow']);

/** One run's interceptors (Temporal calls this once per run): the OpenTelemetry ones, gated by TRACING_PATCH. */
export const interceptors = (): WorkflowInterceptors => {
  const otel = openTelemetryInterceptors();
  // Decided once per run: `patched` is false while an unpatched history replays and true once it
  // runs on, so the first answer is kept (a run is traced throughout, or not at all).
  let traced: boolean | undefined;
  const isTraced = (decide: boolean): boolean => {
    if (traced === undefined && decide) traced = patched(TRACING_PATCH);
    return traced === true;
  };
  return {
    inbound: (otel.inbound ?? []).map((i) => gated<WorkflowInboundCallsInterceptor>(i, DECIDING, isTraced) as WorkflowInboundCallsInterceptor),
    outbound: (otel.outbound ?? []).map((o) => gated<WorkflowOutboundCallsInterceptor>(o, DECIDING, isTraced) as WorkflowOutboundCallsInterceptor),
    internals: (otel.internals ?? []).map((i) => gated<WorkflowInternalsInterceptor>(i, DECIDING, isTraced) as WorkflowInternalsInterceptor),
  };
};
