import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// The performance report's reconciliation counts Routy's view-credited checkouts and its
// save-credited conversions per row. Joining every attribution of the range to its conversion for
// that cost more than the rest of the report, so attributions get the conversion's `event_name`
// (it never changes once stored), and the covering index the reports scan carries it with the
// touch type. Products get their touch's lag and ad (and pin), kept in step with attributions by
// the placement fill, so the products report scans one covering index instead of joining.
const REPORT_COLUMNS = ['campaign_id', 'ad_group_id', 'ad_id', 'pin_id', 'lag_seconds', 'conversion_value_micro', 'conversion_currency'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE attributions ADD COLUMN conversion_event_name text`.execute(db);
  await sql`
    UPDATE attributions a SET conversion_event_name = c.event_name
    FROM conversions c
    WHERE c.ad_account_id = a.ad_account_id AND c.event_id = a.event_id`.execute(db);
  await sql`DROP INDEX IF EXISTS attributions_conversion_date_idx`.execute(db);
  await sql`CREATE INDEX attributions_conversion_date_idx ON attributions (ad_account_id, conversion_date)
            INCLUDE (${sql.join([...REPORT_COLUMNS, 'touch_type', 'conversion_event_name'].map((c) => sql.id(c)))})`.execute(db);

  await sql`ALTER TABLE attribution_products ADD COLUMN lag_seconds bigint, ADD COLUMN ad_id text, ADD COLUMN pin_id text`.execute(db);
  await sql`
    UPDATE attribution_products p SET lag_seconds = a.lag_seconds, ad_id = a.ad_id, pin_id = a.pin_id
    FROM attributions a
    WHERE a.ad_account_id = p.ad_account_id AND a.event_id = p.event_id`.execute(db);
  await sql`DROP INDEX IF EXISTS attribution_products_date_idx`.execute(db);
  await sql`CREATE INDEX attribution_products_date_idx ON attribution_products (ad_account_id, conversion_date)
            INCLUDE (sku, currency, ad_id, pin_id, lag_seconds, units, revenue_micro)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS attribution_products_date_idx`.execute(db);
  await sql`ALTER TABLE attribution_products DROP COLUMN lag_seconds, DROP COLUMN ad_id, DROP COLUMN pin_id`.execute(db);
  await sql`CREATE INDEX attribution_products_date_idx ON attribution_products (ad_account_id, conversion_date)`.execute(db);
  await sql`DROP INDEX IF EXISTS attributions_conversion_date_idx`.execute(db);
  await sql`CREATE INDEX attributions_conversion_date_idx ON attributions (ad_account_id, conversion_date)
            INCLUDE (${sql.join(REPORT_COLUMNS.map((c) => sql.id(c)))})`.execute(db);
  await sql`ALTER TABLE attributions DROP COLUMN conversion_event_name`.execute(db);
}
