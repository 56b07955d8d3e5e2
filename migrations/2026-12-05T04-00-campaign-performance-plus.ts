import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Whether a campaign is a Pinterest Performance+ campaign (CampaignResponse.is_performance_plus),
// stored so reports show it and filter on it. Campaigns synced before take it from the response
// kept in `raw`; null where Pinterest did not say.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE campaigns ADD COLUMN is_performance_plus boolean`.execute(db);
  await sql`UPDATE campaigns SET is_performance_plus = (raw->>'is_performance_plus')::boolean
            WHERE jsonb_typeof(raw->'is_performance_plus') = 'boolean'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE campaigns DROP COLUMN is_performance_plus`.execute(db);
}
