import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { AD_ACCOUNT_ID, adAccountWorkflowId, backfillUpdate, CONNECTION_STATUS, connectedSignal, disconnectUpdate, pauseUpdate, recordsWaitingSignal, resumeUpdate, pullNowSignal, setAnalyticsColumnsUpdate, setCpaTargetsUpdate, setMsotOptInUpdate, statusQuery, TASK_QUEUE, updateSettingsUpdate } from '../workflows/shared';
import type { AnalyticsColumnsRequest, ExtraAnalyticsColumns } from '../domain/analytics-columns';
import { DEFAULT_ATTRIBUTION_SETTINGS, type AttributionSettings } from '../domain/attribution-settings';
import type { MsotOptIn, MsotOptInRequest } from '../domain/msot-opt-in';
import type { CpaTargets, CpaTargetsRequest } from '../domain/cpa-targets';
import { DEFAULT_SCHEDULE, type AdAccountStatus, type CallOrigin, type ScheduleSettings, type SettingsUpdateAnswer } from '../workflows/ad-account-types';
import type { BackfillRange } from '../domain/pull-plan';
import type { QueuedBackfillRange } from '../workflows/backfill-queue';
import type { adAccountWorkflow } from '../workflows/ad-account-workflow';
import { prepareConversions, prepareTouchpoints } from '../domain/routy-records';
import type { Database } from '../store/database-schema';
import { inboxHasRecords } from '../store/record-inbox-store';
import { listCpaAlerts, type CpaAlert } from '../store/cpa-alerts-store';
import { conversionWarningsFor, screenRepeatedEventIds } from './conversion-screening';
import { handOver, type BatchResult } from './record-handover';
import { listAdAccounts, type AdAccountListing } from './ad-account-listing';

export type { AdAccountListing, BatchResult };

/**
 * Routy's typed client: connects ad accounts and sends conversions and touchpoints to their
 * workflows by signal. Records are validated with zod and their personal data hashed here,
 * before anything reaches Temporal history. Its Temporal client needs the payload keys
 * (`createDataConverter`): every signal and update it sends carries an encrypted argument, the
 * payload-less ones their CallOrigin (`{call, by: defaults.by ?? 'routy-client'}`).
 */
export class RoutyPinterestClient {
  private readonly by: string;

  /**
   * `db`: the service's database, where records wait in the inbox for the account's workflow;
   * undefined for an operator's client (the CLI) that connects no account and sends no records.
   */
  constructor(
    private readonly temporal: Client,
    private readonly maybeDb: Kysely<Database> | undefined,
    private readonly defaults: { schedule?: Partial<ScheduleSettings>; taskQueue?: string; by?: string } = {},
  ) {
    this.by = defaults.by ?? 'routy-client';
  }

  /** The database. @throws Error when the client was made without one. */
  private get db(): Kysely<Database> {
    if (!this.maybeDb) throw new Error('this RoutyPinterestClient has no database: connecting accounts and handing over records need one');
    return this.maybeDb;
  }

  /** The origin argument of `call` (see CallOrigin). */
  private origin<C extends CallOrigin['call']>(call: C): CallOrigin & { call: C } {
    return { call, by: this.by };
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
    await this.temporal.workflow.signalWithStart<typeof adAccountWorkflow, [CallOrigin]>('adAccountWorkflow', {
      taskQueue: this.defaults.taskQueue ?? TASK_QUEUE,
      workflowId,
      signal: connectedSignal,
      signalArgs: [this.origin('connected')],
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
    // Records a workflow that ended left in the inbox (a terminated run) are taken by this one.
    if (await inboxHasRecords(this.db, input.ad_account_id)) await this.temporal.workflow.getHandle(workflowId).signal(recordsWaitingSignal, this.origin('recordsWaiting'));
    return { workflow_id: workflowId };
  }

  /**
   * Changes the account's attribution settings through the workflow's validated `updateSettings`
   * update. @returns the new settings, with `pending` (`{reason: 'pinterest_read_under_way',
   * waiting_for}`) when they wait for a Pinterest read under way before they take effect.
   * @throws Error naming the field when a value is not allowed (windows: 0, 1, 7, 14, 30, 60).
   */
  updateSettings(adAccountId: string, change: Partial<AttributionSettings>): Promise<SettingsUpdateAnswer> {
    return this.executeUpdate(adAccountId, updateSettingsUpdate, change);
  }

  /**
   * Sets the extra sync-analytics columns of one level (`campaign`, `ad_group`, `ad`) through the
   * workflow's validated `setAnalyticsColumns` update, replacing that level's list (`[]` clears
   * it); the next pull asks for them and stores their values in each metrics row's `columns` JSON.
   * @returns every level's extra columns now stored. @throws Error naming the field, e.g.
   * `columns.2: "FOO" is not a Pinterest analytics column`.
   */
  setAnalyticsColumns(adAccountId: string, request: AnalyticsColumnsRequest): Promise<ExtraAnalyticsColumns> {
    return this.executeUpdate(adAccountId, setAnalyticsColumnsUpdate, request);
  }

  /**
   * Opts the account in to (`{opt_in: true}`) or out of Measurement Source of Truth events through
   * the workflow's validated `setMsotOptIn` update: each conversion the Conversions API takes from
   * then on is also posted as Routy's attribution (`msot_events/create`). @returns the opt-in time
   * and whether the grant has scope `msot:write` (false: reconnect through a connect link, which
   * then asks for it). @throws Error naming the field, e.g. `opt_in: ...`.
   */
  setMsotOptIn(adAccountId: string, request: MsotOptInRequest): Promise<MsotOptIn> {
    return this.executeUpdate(adAccountId, setMsotOptInUpdate, request);
  }

  /**
   * Sets the account's target cost per conversion, in currency units of the account's currency,
   * and per campaign or pin (ad id) overrides, through the workflow's validated `setCpaTargets`
   * update (`null` clears one; `{}` reads them); alerts are evaluated right after (`status.cpa_alerts`).
   * @returns the targets in force. @throws Error naming the field, e.g. `account: must be a positive decimal ...`, or `currency: ...`.
   */
  setCpaTargets(adAccountId: string, request: CpaTargetsRequest): Promise<CpaTargets> {
    return this.executeUpdate(adAccountId, setCpaTargetsUpdate, request);
  }

  /**
   * Validates and hashes conversions and puts them in the inbox (PostgreSQL) for their accounts'
   * workflows, nudging a workflow that waits (`recordsWaiting` signal); a bad record is reported by
   * index and field, the rest accepted. A conversion whose `event_id` the account already received
   * is answered in `duplicates` (with the fields that differ) and not stored again; an accepted
   * `checkout` without `order_id` gets a warning. Resolves once the accepted records are committed.
   * @throws a database or Temporal failure (those records are withdrawn, not accepted).
   */
  async recordConversions(batch: unknown[]): Promise<BatchResult> {
    const { prepared, duplicates } = await screenRepeatedEventIds(this.db, prepareConversions(batch));
    const result = await handOver(this.db, this.temporal, this.by, 'conversion', prepared);
    const refused = new Set(result.rejected.map((r) => r.index));
    return { ...result, duplicates, warnings: conversionWarningsFor(prepared.accepted.filter((item) => !refused.has(item.index))) };
  }

  /** Validates, hashes and hands over touchpoints; the same as {@link recordConversions}. */
  recordTouchpoints(batch: unknown[]): Promise<BatchResult> {
    return handOver(this.db, this.temporal, this.by, 'touchpoint', prepareTouchpoints(batch));
  }

  /**
   * Every ad account workflow, found through Temporal's visibility (workflow type
   * `adAccountWorkflow`), ordered by ad account id: each running one with its connection, pause,
   * health (when the worker reports it), last and next pull, pending conversions, backfill pieces
   * and `rate_limited_until` from its `status` query; each whose last run ended (a disconnected
   * account: `run` `completed`) from visibility alone. With a database, each row also counts the
   * account's matched conversions not yet sent (`conversions_unsent`, else null). A failed status
   * query shows in its row (`query_error`). @throws a Temporal visibility or database failure.
   */
  listAdAccounts(): Promise<AdAccountListing[]> {
    return listAdAccounts(this.temporal, this.maybeDb);
  }

  /**
   * The account's CPA alerts from the database, newest first: open ones, or all with
   * `include_cleared` (at most 100). @returns null when the client has no database (the operator
   * CLI without `DATABASE_URL`: `status.cpa_alerts` then has the newest open ones).
   */
  async cpaAlerts(adAccountId: string, options: { include_cleared?: boolean } = {}): Promise<CpaAlert[] | null> {
    if (!this.maybeDb) return null;
    return listCpaAlerts(this.maybeDb, { ad_account_id: adAccountId, include_cleared: options.include_cleared });
  }

  /** The account workflow's `status` query. @throws WorkflowNotFoundError when not connected. */
  status(adAccountId: string): Promise<AdAccountStatus> {
    return this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)).query(statusQuery);
  }

  /**
   * Backfills a date range (UTC `YYYY-MM-DD`) through Pinterest's async reports, in pieces of at
   * most 186 days. A range reaching before the account's creation date (once a pull learned it) or
   * Pinterest's 914 days of history is clamped: the oldest piece then carries
   * `requested_start_date`, `clamped_by` (`account_created` | `history_limit`) and `clamped_days`.
   * @returns the pieces queued. @throws Error naming the field when the range is not allowed (a
   * bad date, after today, or wholly before the account's history).
   */
  backfill(adAccountId: string, range: BackfillRange): Promise<QueuedBackfillRange[]> {
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
    return this.executeUpdate(adAccountId, resumeUpdate, this.origin('resume'));
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
    await this.temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)).signal(pullNowSignal, this.origin('pullNow'));
  }

  /**
   * Stops the account's workflow after its in-flight work (validated `disconnect` update; what
   * Routy already handed over is still stored). @returns the status. @throws Error when already disconnected.
   */
  disconnect(adAccountId: string): Promise<AdAccountStatus> {
    return this.executeUpdate(adAccountId, disconnectUpdate, this.origin('disconnect'));
  }
}
