import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// When Pinterest created each ad account (AdAccount.created_time), stored at connect: pulls and
// backfills ask for nothing before it. Accounts connected before keep null until their next connect.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ad_accounts ADD COLUMN created_time timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE ad_accounts DROP COLUMN created_time`.execute(db);
}
