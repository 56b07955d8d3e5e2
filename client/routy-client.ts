import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { AD_ACCOUNT_ID, adAccountWorkflowId, backfillUpdate, CONNECTION_STATUS, connectedSignal, conversionsSignal, disconnectUpdate, pauseUpdate, resumeUpdate, pullNowSignal, statusQuery, TASK_QUEUE, touchpointsSignal, updateSettingsUpdate } from '../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS, type AttributionSettings } from '../domain/attribution-settings';
import { DEFAULT_SCHEDULE, type AdAccountStatus, type ScheduleSettings } from '../workflows/ad-account-types';
import type { BackfillRange } from '../domain/pull-plan';
import type { adAccountWorkflow } from '../workflows/ad-account-workflow';
import { prepareConversions, prepareTouchpoints, type PreparedBatch, type RecordRejection } from '../domain/routy-records';

/** Records per signal, by count and by JSON size: each signal payload stays far below Temporal's 2 MB limit. */
const SIGNAL_CHUNK = 250;
const SIGNAL_MAX_BYTES = 512 * 1024;

/** Splits items into chunks of at most `SIGNAL_CHUNK` records and about `SIGNAL_MAX_BYTES` of JSON. */
function chunkForSignals<T extends { record: unknown }>(items: T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(item.record).length;
    if (current.length > 0 && (current.length >= SIGNAL_CHUNK || bytes + size > SIGNAL_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Result of recording a batch: how many records are durable in Temporal, and which were refused. */
export interface BatchResult {
  accepted: number;
  rejected: RecordRejection[];
}

/**
 * Routy's typed client: connects ad accounts and sends conversions and touchpoints to their
 * workflows by signal. Records are validated with zod and their personal data hashed here,
 * before anything reaches Temporal history.
 */
export class RoutyPinterestClient {
  constructor(
    private readonly temporal: Client,
    private readonly defaults: { schedule?: Partial<ScheduleSettings>; taskQueue?: string } = {},
  ) {}

  /**
   * Starts the ad account's workflow, or tells the running one that the account was
   * (re)connected (signal-with-start of `connected`), so a `needs_reauth` account resumes and
   * pulls the days it missed. The account and its tokens must already be stored by the OAuth callback.
   */
  async connectAdAccount(input: {
    ad_account_id: string;
    settings?: Partial<AttributionSettings>;
    schedule?: Partial<ScheduleSettings>;
  }): Promise<{ workflow_id: string }> {
    const workflowId = adAccountWorkflowId(input.ad_account_id);
    await this.temporal.workflow.signalWithStart<typeof adAccountWorkflow, []>('adAccountWorkflow', {
      taskQueue: this.defaults.taskQueue ?? TASK_QUEUE,
      workflowId,
      signal: connectedSignal,
      signalArgs: [],
      typedSearchAttributes: [
        { key: AD_ACCOUNT_ID, value: input.ad_account_id },
        { key: CONNECTION_STATUS, value: 'connected' },
      ],
      args: [
        {
          ad_account_id: input.ad_account_id,
          settings: { ...DEFAULT_ATTRIBUTION_SETTINGS, ...input.settings },
          schedule: { ...DEFAULT_SCHEDULE, ...this.defaults.schedule, ...input.schedule },
        },
      ],
    });
    return { workflow_id: workflowId };
  }

  /**
   * Changes the account's attribution settings through the workflow's validated `updateSettings`
   * update. @returns the settings now in force. @throws Error naming the field when a value is not
   * allowed (windows: 0, 1, 7, 14, 30, 60).
   */
  updateSettings(adAccountId: string, change: Partial<AttributionSettings>): Promise<AttributionSettings> {
    return this.executeUpdate(adAccountId, updateSettingsUpdate, change);
  }

  /** Validates, hashes and signals conversions; a bad record is reported by index and field, the rest accepted. */
  recordConversions(batch: unknown[]): Promise<BatchResult> {
    return this.signalByAccount(prepareConversions(batch), (handle, chunk) => handle.signal(conversionsSignal, chunk));
  }

  /** Validates, hashes and signals touchpoints; a bad record is reported by index and field, the rest accepted. */
  recordTouchpoints(batch: unknown[]): Promise<BatchResult> {
    return this.signalByAccount(prepareTouchpoints(batch), (handle, chunk) => handle.signal(touchpointsSignal, chunk));
  }

  /** The account workflow's `status` query. @throws WorkflowNotFoundError when not connected. */
  status(adAccountId: string): Promise<AdAccountStatus> {
    return this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)).query(statusQuery);
  }

  /**
   * Backfills a date range (UTC `YYYY-MM-DD`, up to 914 days back) through Pinterest's async
   * reports, in pieces of at most 186 days. @returns the pieces queued. @throws Error naming the
   * field when the range is not allowed.
   */
  backfill(adAccountId: string, range: BackfillRange): Promise<BackfillRange[]> {
    return this.executeUpdate(adAccountId, backfillUpdate, range);
  }

  /**
   * Pauses every Pinterest call of the account (pulls, backfills, Conversions API sends) through
   * the validated `pause` update; Routy's records keep being stored and matched.
   * @returns the status. @throws Error when the account is disconnected or the reason is too long.
   */
  pause(adAccountId: string, reason?: string): Promise<AdAccountStatus> {
    return this.executeUpdate(adAccountId, pauseUpdate, reason === undefined ? {} : { reason });
  }

  /** Ends a pause (`resume` update): pulls at once and sends what waited. @throws Error when not paused. */
  resume(adAccountId: string): Promise<AdAccountStatus> {
    return this.executeUpdate(adAccountId, resumeUpdate);
  }

  private async executeUpdate<R, A extends unknown[]>(adAccountId: string, update: UpdateDefinition<R, A>, ...args: A): Promise<R> {
    try {
      return await this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)).executeUpdate(update as unknown as UpdateDefinition<R, [unknown]>, { args: args as unknown as [unknown] });
    } catch (error) {
      // The validator's message names the field; surface it rather than "Workflow Update failed".
      if (error instanceof WorkflowUpdateFailedError && error.cause) throw new Error(error.cause.message, { cause: error });
      throw error;
    }
  }

  /** Asks the account's workflow to pull now (it still re-reads at least the restatement window). */
  async pullNow(adAccountId: string): Promise<void> {
    await this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)).signal(pullNowSignal);
  }

  /**
   * Stops the account's workflow after its in-flight work (validated `disconnect` update; what
   * Routy already handed over is still stored). @returns the status. @throws Error when already disconnected.
   */
  disconnect(adAccountId: string): Promise<AdAccountStatus> {
    return this.executeUpdate(adAccountId, disconnectUpdate);
  }

  private async signalByAccount<T extends { ad_account_id: string }>(
    { accepted: records, rejected }: PreparedBatch<T>,
    send: (handle: ReturnType<Client['workflow']['getHandle']>, chunk: T[]) => Promise<void>,
  ): Promise<BatchResult> {
    const byAccount = new Map<string, Array<{ record: T; index: number }>>();
    for (const item of records) {
      const list = byAccount.get(item.record.ad_account_id) ?? [];
      list.push(item);
      byAccount.set(item.record.ad_account_id, list);
    }
    let accepted = 0;
    const refused = [...rejected];
    for (const [adAccountId, items] of byAccount) {
      const handle = this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId));
      const chunks = chunkForSignals(items);
      for (const [c, chunk] of chunks.entries()) {
        try {
          await send(handle, chunk.map((item) => item.record));
          accepted += chunk.length;
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          for (const item of chunks.slice(c).flat()) {
            refused.push({ index: item.index, field: 'ad_account_id', message: `ad account ${adAccountId} is not connected` });
          }
          break;
        }
      }
    }
    refused.sort((a, b) => a.index - b.index);
    return { accepted, rejected: refused };
  }
}
