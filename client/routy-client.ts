import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { AD_ACCOUNT_ID, adAccountWorkflowId, backfillUpdate, CONNECTION_STATUS, connectedSignal, conversionsSignal, disconnectUpdate, pauseUpdate, resumeUpdate, pullNowSignal, statusQuery, TASK_QUEUE, touchpointsSignal, updateSettingsUpdate } from '../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS, type AttributionSettings } from '../domain/attribution-settings';
import { DEFAULT_SCHEDULE, type AdAccountStatus, type ScheduleSettings } from '../workflows/ad-account-types';
import type { BackfillRange } from '../domain/pull-plan';
import type { adAccountWorkflow } from '../workflows/ad-account-workflow';
import { prepareConversions, prepareTouchpoints, type ConversionRecord, type PreparedBatch, type RecordRejection, type TouchpointRecord } from '../domain/routy-records';
import { SignalCoalescer, type SignalOutcome } from './signal-coalescer';

/** How long a request's records wait for others to the same ad account by default, in milliseconds. */
const DEFAULT_SIGNAL_BATCH_MS = 50;

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
  private readonly conversions: SignalCoalescer<ConversionRecord>;
  private readonly touchpoints: SignalCoalescer<TouchpointRecord>;

  /**
   * `defaults.signalBatchMs`: records sent within this many milliseconds (default 50) to one ad
   * account travel as one signal (`ROUTY_SIGNAL_BATCH_MS`), so many small requests cost the
   * workflow about as much history as a few large ones.
   */
  constructor(
    private readonly temporal: Client,
    private readonly defaults: { schedule?: Partial<ScheduleSettings>; taskQueue?: string; signalBatchMs?: number } = {},
  ) {
    const windowMs = defaults.signalBatchMs ?? DEFAULT_SIGNAL_BATCH_MS;
    this.conversions = new SignalCoalescer(windowMs, (adAccountId, records) => this.signal(adAccountId, (handle) => handle.signal(conversionsSignal, records)));
    this.touchpoints = new SignalCoalescer(windowMs, (adAccountId, records) => this.signal(adAccountId, (handle) => handle.signal(touchpointsSignal, records)));
  }

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

  /**
   * Validates, hashes and signals conversions (`conversions` signal, coalesced with other calls'
   * records to the same account); a bad record is reported by index and field, the rest accepted.
   * Resolves once the accepted records are durable in Temporal. @throws the failure of a signal
   * that carried any of them.
   */
  recordConversions(batch: unknown[]): Promise<BatchResult> {
    return this.signalByAccount(prepareConversions(batch), this.conversions);
  }

  /** Validates, hashes and signals touchpoints (`touchpoints` signal); the same as {@link recordConversions}. */
  recordTouchpoints(batch: unknown[]): Promise<BatchResult> {
    return this.signalByAccount(prepareTouchpoints(batch), this.touchpoints);
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

  /** Sends one signal to the account's workflow; `not-found` when no such workflow runs. */
  private async signal(adAccountId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<SignalOutcome> {
    try {
      await send(this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)));
      return 'sent';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'not-found';
      throw error;
    }
  }

  private async signalByAccount<T extends { ad_account_id: string }>({ accepted: records, rejected }: PreparedBatch<T>, coalescer: SignalCoalescer<T>): Promise<BatchResult> {
    const byAccount = new Map<string, Array<{ record: T; index: number }>>();
    for (const item of records) {
      const list = byAccount.get(item.record.ad_account_id) ?? [];
      list.push(item);
      byAccount.set(item.record.ad_account_id, list);
    }
    const accounts = [...byAccount];
    // Every account's records are handed over before any failure is reported.
    const outcomes = await Promise.allSettled(accounts.map(([adAccountId, items]) => coalescer.submit(adAccountId, items.map((item) => item.record))));
    let accepted = 0;
    const refused = [...rejected];
    for (const [a, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') throw outcome.reason;
      const [adAccountId, items] = accounts[a]!;
      for (const [i, item] of items.entries()) {
        if (outcome.value[i]) accepted += 1;
        else refused.push({ index: item.index, field: 'ad_account_id', message: `ad account ${adAccountId} is not connected` });
      }
    }
    refused.sort((a, b) => a.index - b.index);
    return { accepted, rejected: refused };
  }
}
