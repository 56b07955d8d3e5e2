import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Each ad account can pull further sync-analytics columns per level (campaign, ad_group, ad),
// beside the fixed set; their values land in metrics_daily.columns (jsonb) like every returned
// column. One row per account and level; names are checked against the spec's enum before they
// reach this table (the workflow's `setAnalyticsColumns` update).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE ad_account_analytics_columns (
      ad_account_id text NOT NULL REFERENCES ad_accounts (ad_account_id) ON DELETE CASCADE,
      level text NOT NULL CHECK (level IN ('campaign', 'ad_group', 'ad')),
      columns jsonb NOT NULL CHECK (jsonb_typeof(columns) = 'array'),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (ad_account_id, level)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ad_account_analytics_columns`.execute(db);
}
