import type { ColumnType, JSONColumnType } from 'kysely';

// Pinterest's own product-level figures (store/product-metrics-store.ts).

/** A timestamptz column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: pg returns int8 as a string to keep full precision. */
type BigintColumn = ColumnType<string, string | number | bigint, string | number | bigint>;
/** A nullable bigint column. */
type NullableBigint = ColumnType<string | null, string | number | bigint | null, string | number | bigint | null>;

/**
 * Pinterest's product figures per product and day, under the attribution settings they were pulled
 * with. `source` `product_group`: `product_groups/analytics`, one row per product group
 * (`product_key` the product group id) and account-timezone day (`period_end_date` = `date`).
 * `source` `sku`: the brand / category / SKU report (`analytics/create_conversion_product_report`),
 * one row per SKU (`product_key` the catalog item id, Pinterest's `CONVERSION_PRODUCT_ID`) and
 * reporting week: its finest granularity is WEEK, so a row covers `date` (a Monday, UTC) through
 * `period_end_date`; it has no spend, impressions or clicks (null).
 */
export interface ProductMetricsDailyTable {
  ad_account_id: string;
  /** `product_group` or `sku`. */
  source: 'product_group' | 'sku';
  product_key: string;
  /** `YYYY-MM-DD`: the day, or the first day of the SKU report's week. */
  date: ColumnType<string, string, string>;
  click_window_days: number;
  engagement_window_days: number;
  view_window_days: number;
  conversion_report_time: string;
  /** `YYYY-MM-DD`, inclusive: the last day the row covers. */
  period_end_date: ColumnType<string, string, string>;
  /** The ad account's currency code; every `_micro` amount is in it. */
  currency: string;
  /** Micro-currency; null for SKUs (the report gives no spend). */
  spend_micro: NullableBigint;
  impressions: NullableBigint;
  /** Pin clicks (`TOTAL_CLICKTHROUGH`); null for SKUs. */
  clicks: NullableBigint;
  /** Checkouts: `TOTAL_CHECKOUT` (product groups), `TOTAL_CHECKOUT_CONVERSION_PRODUCT_QUANTITY` (SKUs). */
  conversions: BigintColumn;
  /** Micro-currency of the checkouts' value. */
  conversion_value_micro: BigintColumn;
  /** `CONVERSION_PRODUCT_BRAND` (SKUs only). */
  product_brand: string | null;
  /** `CONVERSION_PRODUCT_CATEGORY` (SKUs only). */
  product_category: string | null;
  /** True while the row's period includes today (still incomplete). */
  is_partial: boolean;
  /** Every column Pinterest returned for the row, as returned. */
  columns: JSONColumnType<Record<string, unknown>>;
  /** When a pull last wrote the row. */
  pulled_at: Timestamp;
}
