import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type ReplayWorkerOptions, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createActivities, type ActivityDeps } from '../activities/index';
import { workerTracingOptions } from '../observability/temporal-tracing';
import type { Tracing } from '../observability/tracing';
import { TASK_QUEUE } from '../workflows/shared';

// `.ts` from source (tsx), `.js` once compiled to dist/ (`npm run build`): webpack bundles either.
const compiled = path.extname(fileURLToPath(import.meta.url)) === '.js';
const workflowsPath = fileURLToPath(new URL(`../workflows/index${compiled ? '.js' : '.ts'}`, import.meta.url));
/**
 * The workflow interceptor modules every bundle includes: Temporal's OpenTelemetry interceptors for
 * runs with their patch (workflows/tracing-interceptors.ts).
 */
const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL(`../workflows/tracing-interceptors${compiled ? '.js' : '.ts'}`, import.meta.url))];
/** `dist/workflow-bundle.js`, written by `npm run build` (worker/write-workflow-bundle.ts): compiled workers start without webpack. */
const prebuiltBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** The prebuilt workflow bundle's path when this is compiled code and `npm run build` wrote one; otherwise undefined (workflows are bundled at start). */
export function prebuiltWorkflowBundle(): string | undefined {
  return compiled && existsSync(prebuiltBundlePath) ? prebuiltBundlePath : undefined;
}

/**
 * Creates the worker that runs every ad account workflow and its activities on `TASK_QUEUE`.
 * Workflows are bundled from `workflows/index.ts` at start; compiled, the bundle `npm run build`
 * wrote (`dist/workflow-bundle.js`) is loaded, or, without one, `dist/workflows/index.js` bundled; activities get their dependencies here.
 */
export async function createWorker(options: {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
  /** Pre-built workflow bundle (tests build it once and share it). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Encrypts payloads: createDataConverter(keys). */
  dataConverter: DataConverter;
  /**
   * How long a stopping worker lets running activities finish before cancelling them, in seconds
   * (default 70: Pinterest's default request timeout of 60 s, plus time to store the answer).
   */
  shutdownGraceSeconds?: number;
  /** Activities this process runs at once (default: the SDK's). */
  maxConcurrentActivities?: number;
  /** Where workflow spans go (observability/tracing.ts); default: nowhere (the interceptors run on the no-op tracer). */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>;
}): Promise<Worker> {
  // The workflow interceptors are in every bundle (see bundleWorkflows), so not passed again here.
  const { interceptors, sinks } = workerTracingOptions(options.tracing ?? { spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    // Bundled here with a quiet logger: webpack's build report is noise in a service's output.
    workflowBundle:
      options.workflowBundle ??
      (prebuiltWorkflowBundle()
        ? { codePath: prebuiltBundlePath }
        : await bundleWorkflows(options.dataConverter.failureConverterPath)),
    dataConverter: options.dataConverter,
    activities: createActivities(options.deps),
    interceptors: { activity: interceptors.activity },
    sinks,
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 70} seconds`,
    ...(options.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities } : {}),
  });
}

/**
 * Bundles `workflows/index` with Temporal's OpenTelemetry workflow interceptors (trace headers and
 * workflow spans, see observability/temporal-tracing.ts) and the failure converter at
 * `failureConverterPath`; webpack's report is kept quiet.
 */
export async function bundleWorkflows(failureConverterPath: string | undefined): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, failureConverterPath, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: new DefaultLogger('WARN') });
}

/**
 * What a replayer of this worker's workflows needs: the workflows bundled with the same
 * interceptors as the worker's (see bundleWorkflows) and the tracing sink (never called while
 * replaying); `dataConverter` for histories with encrypted payloads.
 */
export function replayWorkerOptions(dataConverter?: DataConverter): ReplayWorkerOptions {
  const { sinks } = workerTracingOptions({ spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() });
  return { workflowsPath, interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }, sinks, ...(dataConverter ? { dataConverter } : {}) };
}

export { workflowsPath };
