import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// The on-demand ad sync looks at the attributions a record pump just made (by attribution time),
// and fills the ones whose placement (campaign, ad group, ad, pin) is incomplete: both by index,
// not by scanning an account's attributions.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX attributions_attributed_at_idx ON attributions (ad_account_id, attributed_at)`.execute(db);
  await sql`CREATE INDEX attributions_unplaced_idx ON attributions (ad_account_id)
            WHERE campaign_id IS NULL OR ad_group_id IS NULL OR ad_id IS NULL OR pin_id IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS attributions_unplaced_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS attributions_attributed_at_idx`.execute(db);
}
