import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities/index';
import { TASK_QUEUE } from '../workflows/shared';

const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Creates the worker that runs every ad account workflow and its activities on `TASK_QUEUE`.
 * Workflows are bundled from `workflows/index.ts`; activities get their dependencies here.
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
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    // Bundled here with a quiet logger: webpack's build report is noise in a service's output.
    workflowBundle:
      options.workflowBundle ??
      (await bundleWorkflowCode({ workflowsPath, failureConverterPath: options.dataConverter.failureConverterPath, logger: new DefaultLogger('WARN') })),
    dataConverter: options.dataConverter,
    activities: createActivities(options.deps),
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 70} seconds`,
    ...(options.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities } : {}),
  });
}

export { workflowsPath };
