import { sql, type Kysely } from 'kysely';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { Database } from './database-schema';
import type { ProductMetricsDailyTable } from './product-metrics-schema';

/** Rows per INSERT statement (about 20 parameters a row: far under PostgreSQL's 65,535). */
const UPSERT_ROWS = 1000;

/** A whole number, or null when Pinterest gave none (no number). */
const integerOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null);
/** Currency units (Pinterest's decimal `..._VALUE` columns) as micro-currency; 0 when absent. */
const unitsToMicro = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 1_000_000) : 0);

/** One row to store: the product, its period (`date`..`period_end_date`, `YYYY-MM-DD`) and its figures. */
export interface ProductMetricRow {
  product_key: string;
  date: string;
  period_end_date: string;
  columns: Record<string, unknown>;
}

/** The typed columns of a product group row (product_groups/analytics column names). */
function productGroupFigures(c: Record<string, unknown>) {
  return {
    spend_micro: integerOrNull(c.SPEND_IN_MICRO_DOLLAR) ?? 0,
    impressions: integerOrNull(c.PAID_IMPRESSION) ?? 0,
    clicks: integerOrNull(c.TOTAL_CLICKTHROUGH) ?? 0,
    conversions: integerOrNull(c.TOTAL_CHECKOUT) ?? 0,
    conversion_value_micro: integerOrNull(c.TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR) ?? 0,
    product_brand: null,
    product_category: null,
  };
}

/**
 * The typed columns of a SKU row (brand / category / SKU report): no spend, impressions or clicks;
 * the checkout quantity and value (`TOTAL_CHECKOUT_CONVERSION_PRODUCT_VALUE`, read as units of the
 * account's currency, stored as micro-currency), brand and category.
 */
function skuFigures(c: Record<string, unknown>) {
  return {
    spend_micro: null,
    impressions: null,
    clicks: null,
    conversions: integerOrNull(c.TOTAL_CHECKOUT_CONVERSION_PRODUCT_QUANTITY) ?? 0,
    conversion_value_micro: unitsToMicro(c.TOTAL_CHECKOUT_CONVERSION_PRODUCT_VALUE),
    product_brand: typeof c.CONVERSION_PRODUCT_BRAND === 'string' ? c.CONVERSION_PRODUCT_BRAND : null,
    product_category: typeof c.CONVERSION_PRODUCT_CATEGORY === 'string' ? c.CONVERSION_PRODUCT_CATEGORY : null,
  };
}

const KEY_COLUMNS = ['ad_account_id', 'source', 'product_key', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'] as const;

/**
 * Upserts Pinterest's product figures of one source, keyed by account, source, product, date and
 * the attribution settings they were pulled under, so a restated or retried pull overwrites
 * instead of double-counting. Amounts are integer micro-currency beside the account's `currency`;
 * every column Pinterest returned is kept in `columns`. A row whose period reaches `today` (the
 * date the period is compared with: account time zone for product groups, UTC for SKU weeks) is
 * marked partial. @returns the number of rows written.
 */
export async function upsertProductMetrics(
  db: Kysely<Database>,
  input: { adAccountId: string; source: ProductMetricsDailyTable['source']; currency: string; settings: AttributionSettings; rows: ProductMetricRow[]; today: string; now: Date },
): Promise<number> {
  const figures = input.source === 'sku' ? skuFigures : productGroupFigures;
  const values = input.rows.map((row) => ({
    ad_account_id: input.adAccountId,
    source: input.source,
    product_key: row.product_key,
    date: row.date,
    ...input.settings,
    period_end_date: row.period_end_date,
    currency: input.currency,
    ...figures(row.columns),
    is_partial: row.period_end_date >= input.today,
    columns: JSON.stringify(row.columns),
    pulled_at: input.now,
  }));
  const updated = Object.keys(values[0] ?? {}).filter((column) => !(KEY_COLUMNS as readonly string[]).includes(column));
  for (let i = 0; i < values.length; i += UPSERT_ROWS) {
    await db
      .insertInto('product_metrics_daily')
      .values(values.slice(i, i + UPSERT_ROWS))
      .onConflict((oc) => oc.columns([...KEY_COLUMNS]).doUpdateSet(Object.fromEntries(updated.map((column) => [column, sql.ref(`excluded.${column}`)]))))
      .execute();
  }
  return values.length;
}

/**
 * How many product rows of `source` (`product_group` analytics or the `sku` report) are stored for
 * the ad account, over every date and setting: the demo waits on it for the SKU report.
 */
export async function countProductMetricRows(db: Kysely<Database>, adAccountId: string, source: 'product_group' | 'sku'): Promise<number> {
  const row = await db
    .selectFrom('product_metrics_daily')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ad_account_id', '=', adAccountId)
    .where('source', '=', source)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
