import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Pinterest's own product-level figures: product group analytics (one row per product group and
// day) and the brand / category / SKU conversion report (one row per SKU and reporting week, the
// report's finest granularity: `date` .. `period_end_date`).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('product_metrics_daily')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source IN ('product_group', 'sku')`))
    .addColumn('product_key', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('click_window_days', 'integer', (c) => c.notNull())
    .addColumn('engagement_window_days', 'integer', (c) => c.notNull())
    .addColumn('view_window_days', 'integer', (c) => c.notNull())
    .addColumn('conversion_report_time', 'text', (c) => c.notNull())
    .addColumn('period_end_date', 'date', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('spend_micro', 'bigint')
    .addColumn('impressions', 'bigint')
    .addColumn('clicks', 'bigint')
    .addColumn('conversions', 'bigint', (c) => c.notNull())
    .addColumn('conversion_value_micro', 'bigint', (c) => c.notNull())
    .addColumn('product_brand', 'text')
    .addColumn('product_category', 'text')
    .addColumn('is_partial', 'boolean', (c) => c.notNull())
    .addColumn('columns', 'jsonb', (c) => c.notNull())
    .addColumn('pulled_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_metrics_daily_pk', [
      'ad_account_id',
      'source',
      'product_key',
      'date',
      'click_window_days',
      'engagement_window_days',
      'view_window_days',
      'conversion_report_time',
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('product_metrics_daily').ifExists().execute();
}
