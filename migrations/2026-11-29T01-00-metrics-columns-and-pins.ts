import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
const METRIC_COLUMNS = [
  'earned_impressions',
  'engagements',
  'video_mrc_views',
  'video_3s_views',
  'video_p100_complete',
  'idea_pin_product_tag_visits',
  'pinterest_conversions',
  'checkouts',
  'checkout_value_micro',
  'click_checkouts',
  'engagement_checkouts',
  'view_checkouts',
  'web_checkouts',
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  let alter = db.schema.alterTable('metrics_daily');
  for (const column of METRIC_COLUMNS) {
    await alter.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  }
  await db.schema
    .createTable('pins')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('pin_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('link', 'text')
    .addColumn('media_type', 'text')
    .addColumn('creative_type', 'text')
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pins_pk', ['ad_account_id', 'pin_id'])
    .execute();
  await db.schema
    .createIndex('metrics_daily_account_date_idx')
    .on('metrics_daily')
    .columns(['ad_account_id', 'level', 'date'])
    .execute();
  alter = db.schema.alterTable('ad_accounts');
  await alter.addColumn('last_pulled_through', 'date').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ad_accounts').dropColumn('last_pulled_through').execute();
  await db.schema.dropIndex('metrics_daily_account_date_idx').ifExists().execute();
  await db.schema.dropTable('pins').ifExists().execute();
  for (const column of METRIC_COLUMNS) await db.schema.alterTable('metrics_daily').dropColumn(column).execute();
}
