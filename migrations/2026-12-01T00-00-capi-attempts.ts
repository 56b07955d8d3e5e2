import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.
// One row per Conversions API request attempt per event: written (committed) before the request,
// completed with the answer after it, so a sender that dies mid-request leaves a started but
// unanswered attempt. Each event's audit trail, and what decides whether a copy is a repost.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('capi_attempts')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('request_events', 'integer', (c) => c.notNull())
    .addColumn('repost', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('outcome', 'text')
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('event_status', 'text')
    .addColumn('error_message', 'text')
    .addColumn('warning_message', 'text')
    .addPrimaryKeyConstraint('capi_attempts_pk', ['ad_account_id', 'event_id', 'attempt'])
    .execute();
  await db.schema.createIndex('capi_attempts_event_idx').on('capi_attempts').column('event_id').execute();
  await db.schema.createIndex('capi_attempts_request_idx').on('capi_attempts').column('request_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('capi_attempts').ifExists().execute();
}
