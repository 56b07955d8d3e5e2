import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Which Routy advertiser an ad account is connected to: set from the signed connect link the
// OAuth flow started from; an account connected to one advertiser is not moved to another.
// Accounts connected before this migration keep null (the next advertiser to connect takes them).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ad_accounts ADD COLUMN routy_advertiser_id text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ad_accounts DROP COLUMN routy_advertiser_id`.execute(db);
}
