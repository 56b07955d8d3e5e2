// How Routy's validated, hashed records reach an ad account's workflow: committed to PostgreSQL's
// inbox, then, when the workflow waits, one `recordsWaiting` nudge signal. Many requests to a busy
// account cost no signal at all; their records are durable before the caller's 202.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { ConversionRecord, PreparedBatch, RecordRejection, TouchpointRecord } from '../domain/routy-records';
import { currentTraceparent } from '../observability/batch-tracing';
import type { Database } from '../store/database-schema';
import type { DuplicateAnswer, RecordWarning } from './conversion-screening';
import { putInInbox, withdrawFromInbox, type InboxKind } from '../store/record-inbox-store';
import { adAccountWorkflowId, recordsWaitingSignal } from '../workflows/shared';

/**
 * Result of recording a batch: how many records are durable, and which were refused. Conversion
 * batches also say which were repeats of an `event_id` already received (not stored again) and
 * which accepted ones carry a warning.
 */
export interface BatchResult {
  accepted: number;
  rejected: RecordRejection[];
  duplicates?: DuplicateAnswer[];
  warnings?: RecordWarning[];
}

/** Per account: true when its records are durable in the inbox, false when its workflow does not exist. */
async function handOverAccount(db: Kysely<Database>, temporal: Client, by: string, adAccountId: string, kind: InboxKind, records: Array<ConversionRecord | TouchpointRecord>): Promise<boolean> {
  // The batch's trace (the ingress request's span) goes with its records, for the drain to continue.
  const put = await putInInbox(db, adAccountId, kind, records, currentTraceparent());
  if (!put.nudge) return true;
  try {
    await temporal.workflow.getHandle(adAccountWorkflowId(adAccountId)).signal(recordsWaitingSignal, { call: 'recordsWaiting', by });
    return true;
  } catch (error) {
    // Not taken: the caller gets a refusal (no workflow) or the failure, and the next caller nudges.
    await withdrawFromInbox(db, adAccountId, put.inbox_ids);
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/**
 * Puts each account's accepted records in the inbox and nudges its workflow when it waits.
 * Records of an account without a workflow are refused (`ad_account_id`: not connected). `by`
 * names the sender in the `recordsWaiting` nudge's origin (see CallOrigin).
 * @returns the accepted count and every refusal by index. @throws the first failure of any
 * account (after every account's records were handed over or withdrawn).
 */
export async function handOver<T extends ConversionRecord | TouchpointRecord>(db: Kysely<Database>, temporal: Client, by: string, kind: InboxKind, prepared: PreparedBatch<T>): Promise<BatchResult> {
  const byAccount = new Map<string, Array<{ record: T; index: number }>>();
  for (const item of prepared.accepted) {
    const list = byAccount.get(item.record.ad_account_id) ?? [];
    list.push(item);
    byAccount.set(item.record.ad_account_id, list);
  }
  const accounts = [...byAccount];
  const outcomes = await Promise.allSettled(accounts.map(([adAccountId, items]) => handOverAccount(db, temporal, by, adAccountId, kind, items.map((item) => item.record))));
  let accepted = 0;
  const refused = [...prepared.rejected];
  for (const [a, outcome] of outcomes.entries()) {
    if (outcome.status === 'rejected') throw outcome.reason;
    const [adAccountId, items] = accounts[a]!;
    if (outcome.value) accepted += items.length;
    else for (const item of items) refused.push({ index: item.index, field: 'ad_account_id', message: `ad account ${adAccountId} is not connected` });
  }
  refused.sort((a, b) => a.index - b.index);
  return { accepted, rejected: refused };
}
