// Every ad account workflow, found through Temporal's visibility, with its `status` answer (running
// ones) and, given the database, its conversions still to send.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database-schema';
import { countUnsentConversions } from '../store/conversion-counts-store';
import type { AdAccountStatus, ConnectionStatus } from '../workflows/ad-account-types';
import { AD_ACCOUNT_ID, LAST_SUCCESSFUL_PULL, statusQuery } from '../workflows/shared';

/** The workflow type of every ad account workflow (`pinterest-ad-account-<id>`). */
const WORKFLOW_TYPE = 'adAccountWorkflow';
/** Status queries in flight at once. */
const QUERIES_AT_ONCE = 8;

/**
 * The `health` field of the status answer when the worker sets it (`healthy`, `retrying` or
 * `failing`, with the failing call); older workers answer without it.
 */
interface MaybeHealth {
  health?: { state?: string };
}

/**
 * One ad account as `accounts` lists it. Times are ISO 8601 (UTC). Fields from `status` are
 * absent for an ended run and when the query failed (`query_error` says why).
 */
export interface AdAccountListing {
  ad_account_id: string;
  workflow_id: string;
  /** `running`, or how its last run ended: `completed` (disconnected), `terminated`, `failed`, `canceled`, `timed_out`. */
  run: string;
  /** `connected`, `needs_reauth` or `disconnected`; null for a run that ended otherwise than by `disconnect`, or whose status could not be read. */
  connection_status: ConnectionStatus | null;
  paused: boolean;
  paused_reason?: string;
  /** `status.health.state` (`healthy`, `retrying`, `failing`) when the worker reports it. */
  health?: string;
  /** The last successful pull: from `status`, or for an ended run its `PinterestLastSuccessfulPull` search attribute. */
  last_pull_at?: string;
  next_pull_at?: string;
  rate_limited_until?: string;
  /** Conversions waiting for a touchpoint (`status.counters.conversions_pending`). */
  conversions_pending?: number;
  /** Matched conversions not yet taken by the Conversions API (`unsent`, `sending`, `posting`); null without the database. */
  conversions_unsent: number | null;
  /** Pieces still in the backfill queue. */
  backfill_pieces?: number;
  /** Open CPA alerts as of the last evaluation (`status.cpa_alerts.open`); absent before the first. */
  cpa_alerts_open?: number;
  last_error?: string;
  /** Why the `status` query failed (e.g. no worker is polling). */
  query_error?: string;
}

/** Lowercase run status: `RUNNING` → `running`, `TIMED_OUT` → `timed_out`. */
const runOf = (info: WorkflowExecutionInfo) => info.status.name.toLowerCase();

/** The ad account of a workflow: its `PinterestAdAccountId`, else the id after the workflow id's prefix. */
const accountOf = (info: WorkflowExecutionInfo) => info.typedSearchAttributes.get(AD_ACCOUNT_ID) ?? info.workflowId.replace(/^pinterest-ad-account-/, '');

/** Every execution matching `query` (Temporal's list filter). */
async function listed(temporal: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of temporal.workflow.list({ query })) found.push(info);
  return found;
}

/**
 * Lists every ad account workflow: each running one with its `status` answer, and each whose
 * last run ended (a disconnected account: `run` is `completed`) without one, newest run per
 * workflow id; ordered by ad account id. Ended runs are listed for as long as the namespace keeps
 * them (its retention). With `db`, counts each account's matched conversions not yet sent.
 * A failed status query is reported in the row (`query_error`), not thrown.
 * @throws a Temporal visibility or database failure.
 */
export async function listAdAccounts(temporal: Client, db?: Kysely<Database>): Promise<AdAccountListing[]> {
  const [running, ended, unsent] = await Promise.all([
    listed(temporal, `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`),
    listed(temporal, `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'`),
    db ? countUnsentConversions(db) : undefined,
  ]);
  const unsentOf = (id: string) => (unsent ? (unsent.get(id) ?? 0) : null);
  const runningIds = new Set(running.map((info) => info.workflowId));
  const newestEnded = new Map<string, WorkflowExecutionInfo>();
  for (const info of ended) {
    const seen = newestEnded.get(info.workflowId);
    if (!runningIds.has(info.workflowId) && (!seen || seen.startTime < info.startTime)) newestEnded.set(info.workflowId, info);
  }
  const rows: AdAccountListing[] = [];
  for (let i = 0; i < running.length; i += QUERIES_AT_ONCE) {
    rows.push(...(await Promise.all(running.slice(i, i + QUERIES_AT_ONCE).map((info) => runningRow(temporal, info, unsentOf(accountOf(info)))))));
  }
  for (const info of newestEnded.values()) {
    const lastPull = info.typedSearchAttributes.get(LAST_SUCCESSFUL_PULL);
    rows.push({
      ad_account_id: accountOf(info),
      workflow_id: info.workflowId,
      run: runOf(info),
      connection_status: runOf(info) === 'completed' ? 'disconnected' : null,
      paused: false,
      ...(lastPull ? { last_pull_at: lastPull.toISOString() } : {}),
      conversions_unsent: unsentOf(accountOf(info)),
    });
  }
  return rows.sort((a, b) => a.ad_account_id.localeCompare(b.ad_account_id));
}

/** A running workflow's row, from its `status` answer. */
async function runningRow(temporal: Client, info: WorkflowExecutionInfo, unsent: number | null): Promise<AdAccountListing> {
  const base = { ad_account_id: accountOf(info), workflow_id: info.workflowId, run: runOf(info), conversions_unsent: unsent };
  let status: AdAccountStatus & MaybeHealth;
  try {
    status = await temporal.workflow.getHandle(info.workflowId).query(statusQuery);
  } catch (error) {
    return { ...base, connection_status: null, paused: false, query_error: error instanceof Error ? error.message : String(error) };
  }
  const defined = <T extends object>(row: T) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)) as T;
  return defined({
    ...base,
    connection_status: status.connection_status,
    paused: status.paused,
    paused_reason: status.paused_reason,
    health: status.health?.state,
    last_pull_at: status.last_pull_at,
    next_pull_at: status.next_pull_at,
    rate_limited_until: status.rate_limited_until,
    conversions_pending: status.counters.conversions_pending ?? 0,
    backfill_pieces: status.backfill_queue.length,
    cpa_alerts_open: status.cpa_alerts?.open,
    last_error: status.last_error,
  });
}
