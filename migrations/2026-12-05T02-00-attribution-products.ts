import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Product attribution: each matched conversion's products (`custom_data.contents`, else
// `custom_data.content_ids`) credited to its winning touch, one row per conversion and SKU. The
// placement (campaign, ad group, ad, pin) and lag stay on `attributions` (the on-demand ad sync
// completes them later), joined by primary key; the conversion's date is copied so a products
// report filters on an index. Revenue is in the conversion's own currency, never converted here.
// Rule (as domain/product-credits.ts): with `contents`, each SKU's units are the sum of its
// quantities (1 when absent) and its revenue the sum of round(item_price, 6 decimals) × quantity
// (null when no item of it carried a price); without `contents`, each distinct `content_ids` entry
// gets 1 unit and no revenue.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE attribution_products (
      ad_account_id text NOT NULL,
      event_id text NOT NULL,
      sku text NOT NULL,
      units bigint NOT NULL,
      revenue_micro bigint,
      currency text,
      conversion_date date,
      PRIMARY KEY (ad_account_id, event_id, sku),
      FOREIGN KEY (ad_account_id, event_id) REFERENCES attributions (ad_account_id, event_id) ON DELETE CASCADE
    )`.execute(db);
  await sql`CREATE INDEX attribution_products_date_idx ON attribution_products (ad_account_id, conversion_date)`.execute(db);
  // Backfill every attribution written before this table existed.
  await sql`
    WITH items AS (
      SELECT a.ad_account_id, a.event_id, c.currency, a.conversion_date, e.value->>'id' AS sku,
             coalesce((e.value->>'quantity')::bigint, 1) AS units,
             round((e.value->>'item_price')::numeric * 1000000)::bigint * coalesce((e.value->>'quantity')::bigint, 1) AS revenue_micro
      FROM attributions a
      JOIN conversions c ON c.ad_account_id = a.ad_account_id AND c.event_id = a.event_id
      CROSS JOIN LATERAL jsonb_array_elements(c.custom_data->'contents') e
      WHERE jsonb_typeof(c.custom_data->'contents') = 'array'
      UNION ALL
      SELECT DISTINCT a.ad_account_id, a.event_id, c.currency, a.conversion_date, i.value, 1::bigint, NULL::bigint
      FROM attributions a
      JOIN conversions c ON c.ad_account_id = a.ad_account_id AND c.event_id = a.event_id
      CROSS JOIN LATERAL jsonb_array_elements_text(c.custom_data->'content_ids') i
      WHERE jsonb_typeof(c.custom_data->'content_ids') = 'array'
        AND coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(c.custom_data->'contents') = 'array' THEN c.custom_data->'contents' END), 0) = 0
    )
    INSERT INTO attribution_products (ad_account_id, event_id, sku, units, revenue_micro, currency, conversion_date)
    SELECT ad_account_id, event_id, sku, sum(units), sum(revenue_micro), min(currency), min(conversion_date)
    FROM items GROUP BY ad_account_id, event_id, sku
    ON CONFLICT (ad_account_id, event_id, sku) DO NOTHING`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS attribution_products`.execute(db);
}
