import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Matching joins conversions and touchpoints on the click id or one hashed identifier; each side
// needs an index per key so 100,000 pending conversions are matched by lookups, not scans.
const KEYS = ['em', 'external_id', 'hashed_maids', 'ph'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const key of KEYS) {
    await sql`CREATE INDEX ${sql.id(`touchpoints_${key}_idx`)} ON touchpoints (ad_account_id, (user_data->>${sql.lit(key)}))`.execute(db);
    await sql`CREATE INDEX ${sql.id(`conversions_pending_${key}_idx`)} ON conversions (ad_account_id, (user_data->>${sql.lit(key)})) WHERE attribution_state = 'pending'`.execute(db);
  }
  await sql`CREATE INDEX conversions_pending_click_idx ON conversions (ad_account_id, click_id) WHERE attribution_state = 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS conversions_pending_click_idx`.execute(db);
  for (const key of KEYS) {
    await sql`DROP INDEX IF EXISTS ${sql.id(`conversions_pending_${key}_idx`)}`.execute(db);
    await sql`DROP INDEX IF EXISTS ${sql.id(`touchpoints_${key}_idx`)}`.execute(db);
  }
}
