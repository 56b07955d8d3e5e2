// The size of every run of a workflow, for the benchmarks' history bounds.
import type { Client } from '@temporalio/client';

/** One run's status and history size: events and bytes. */
export interface RunSize {
  status: string;
  historyLength: number;
  historySize: number;
}

/** Every run of `workflowId`, each described (visibility lags for a running run). */
export async function workflowRunSizes(client: Client, workflowId: string): Promise<RunSize[]> {
  const runs: RunSize[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const described = await client.workflow.getHandle(workflowId, run.runId).describe();
    runs.push({ status: described.status.name, historyLength: described.historyLength ?? 0, historySize: described.historySize ?? 0 });
  }
  return runs;
}

/** The largest run's history in events and bytes, beside Temporal's hard limits. */
export function largestRun(runs: RunSize[]) {
  return {
    workflow_runs: runs.length,
    largest_run_history_events: Math.max(0, ...runs.map((r) => r.historyLength)),
    largest_run_history_bytes: Math.max(0, ...runs.map((r) => r.historySize)),
    temporal_history_limits: { events: 51_200, bytes: 52_428_800 },
  };
}
