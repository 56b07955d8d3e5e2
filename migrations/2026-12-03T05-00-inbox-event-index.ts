import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// The ingress looks up each incoming conversion's event_id among the account's records still in
// the inbox (a repeat is answered as a duplicate): an index, so that costs the same however long
// the inbox has grown under load.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX record_inbox_event_idx ON record_inbox (ad_account_id, (record->>'event_id')) WHERE kind = 'conversion'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS record_inbox_event_idx`.execute(db);
}
