import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { RunningApp } from '../../service/app';
import type { AdAccountWorkflowInput } from '../../workflows/ad-account-types';
import { adAccountWorkflowId } from '../../workflows/shared';

/** One run of an ad account's workflow as Temporal's visibility lists it. */
export interface WorkflowRun {
  runId: string;
  /** Temporal's status name: RUNNING, CONTINUED_AS_NEW, COMPLETED, ... */
  status: string;
  /** History size in bytes, when visibility knows it. */
  historySize: number;
}

/** Every run of the ad account's workflow (`pinterest-ad-account-<id>`), newest first. */
export async function workflowRuns(app: RunningApp, adAccountId: string): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  for await (const run of app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(adAccountId)}'` })) {
    runs.push({ runId: run.runId, status: run.status.name, historySize: run.historySize ?? 0 });
  }
  return runs;
}

/**
 * The input each run closed by continue-as-new handed to the next one (what it carried: counters,
 * schedule, backfill queue, buffers), decoded with the app's payload codec. Read from history, so
 * a state that lasted only between two polls is still seen.
 */
export async function continuedAsNewInputs(app: RunningApp, adAccountId: string): Promise<AdAccountWorkflowInput[]> {
  const inputs: AdAccountWorkflowInput[] = [];
  for (const run of await workflowRuns(app, adAccountId)) {
    if (run.status !== 'CONTINUED_AS_NEW') continue;
    const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(adAccountId), run.runId).fetchHistory();
    const closing = (history.events ?? []).find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
    let payloads = (closing?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads ?? []) as Payload[];
    // Codecs decode in the reverse of the order they encoded in.
    for (const codec of [...(app.dataConverter.payloadCodecs ?? [])].reverse()) payloads = await codec.decode(payloads);
    inputs.push(defaultPayloadConverter.fromPayload<AdAccountWorkflowInput>(payloads[0]!));
  }
  return inputs;
}
