import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// One order, one conversion: a conversion with the same ad account, event_name and order_id as one
// stored within its hold is kept as a duplicate of it (attribution_state 'duplicate', never
// attributed, counted or sent), naming the conversion it repeats.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE conversions ADD COLUMN duplicate_of text`.execute(db);
  // The originals an incoming order is looked up against.
  await sql`CREATE INDEX conversions_order_idx ON conversions (ad_account_id, event_name, order_id) WHERE order_id IS NOT NULL AND duplicate_of IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS conversions_order_idx`.execute(db);
  await sql`ALTER TABLE conversions DROP COLUMN duplicate_of`.execute(db);
}
