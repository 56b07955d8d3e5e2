import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must never import application code.
// Routy's records wait here between the ingress and the account's workflow: the ingress commits
// them (validated and hashed) before its 202, the workflow's pump activity takes them oldest first.
// One row per account says whether its workflow waits for a nudge signal to take records again.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('record_inbox')
    .addColumn('inbox_id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('conversion', 'touchpoint')`))
    .addColumn('record', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('record_inbox_account_idx').on('record_inbox').columns(['ad_account_id', 'inbox_id']).execute();
  await db.schema
    .createTable('record_inbox_accounts')
    .addColumn('ad_account_id', 'text', (c) => c.primaryKey())
    .addColumn('nudge_needed', 'boolean', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('record_inbox_accounts').ifExists().execute();
  await db.schema.dropTable('record_inbox').ifExists().execute();
}
