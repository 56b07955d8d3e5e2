import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Pinterest's per-user, per-category rate budgets, shared by every worker process: one row per
// (budget owner, rate-limit category) counting the requests of the current minute.
// Budgets are per Pinterest user: a connection records whose grant it is (null: made before).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pinterest_connections').addColumn('pinterest_user_id', 'text').execute();
  await db.schema
    .createTable('pinterest_request_budgets')
    .addColumn('budget_key', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pinterest_request_budgets_pk', ['budget_key', 'category'])
    .execute();
  // Rows are rewritten on every request: leave room on each page for HOT updates.
  await sql`ALTER TABLE pinterest_request_budgets SET (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pinterest_request_budgets').ifExists().execute();
  await db.schema.alterTable('pinterest_connections').dropColumn('pinterest_user_id').execute();
}
