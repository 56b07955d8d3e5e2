import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Measurement Source of Truth (MSOT): an ad account opts in (`msot_opted_in_at`, null: not opted
// in); each conversion the Conversions API took after that gets one `msot_events` row (the body
// posted to `POST /v5/ad_accounts/{id}/msot/events`, no personal data) and one `msot_attempts` row
// per request (the audit, like `capi_attempts`).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ad_accounts ADD COLUMN msot_opted_in_at timestamptz`.execute(db);
  await db.schema
    .createTable('msot_events')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('body', 'jsonb')
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_post_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('answered_at', 'timestamptz')
    .addPrimaryKeyConstraint('msot_events_pk', ['ad_account_id', 'event_id'])
    .addCheckConstraint('msot_events_state', sql`state IN ('pending', 'posting', 'posted', 'failed', 'refused', 'unconfirmed', 'not_postable')`)
    .execute();
  await sql`CREATE INDEX msot_events_waiting ON msot_events (ad_account_id) WHERE state IN ('pending', 'posting')`.execute(db);
  await db.schema
    .createTable('msot_attempts')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('http_status', 'integer')
    .addColumn('outcome', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('msot_attempts_pk', ['ad_account_id', 'event_id', 'attempt'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('msot_attempts').ifExists().execute();
  await db.schema.dropTable('msot_events').ifExists().execute();
  await sql`ALTER TABLE ad_accounts DROP COLUMN msot_opted_in_at`.execute(db);
}
