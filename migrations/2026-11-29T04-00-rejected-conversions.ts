import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Conversions refused at the ingress, kept by event_id with the fields at fault (never the values),
// so "why was this not credited" has an answer for them too.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rejected_conversions')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('ad_account_id', 'text')
    .addColumn('problems', 'jsonb', (c) => c.notNull())
    .addColumn('rejected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('rejected_conversions_event_idx').on('rejected_conversions').columns(['event_id', 'rejected_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rejected_conversions').ifExists().execute();
}
