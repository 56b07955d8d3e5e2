import type { ColumnType } from 'kysely';

/**
 * One product of one matched conversion, credited to the conversion's winning touch (migration
 * 2026-12-05T02-00; rule in domain/product-credits.ts). Campaign and ad group are the attribution's
 * (joined on `attributions` by ad_account_id + event_id); its lag, ad and pin are copied here
 * (migration 2026-12-05T05-00) and kept equal to the attribution's by the placement fill, so the
 * products report scans one covering index.
 */
export interface AttributionProductsTable {
  ad_account_id: string;
  event_id: string;
  /** `contents[].id` or `content_ids[]` as Routy sent it. */
  sku: string;
  units: ColumnType<string, string | number, string | number>;
  /** Micro-currency of `currency` (the conversion's); null: no price was given. */
  revenue_micro: ColumnType<string | null, string | null, string | null>;
  /** The conversion's ISO 4217 currency; null: it had none. */
  currency: string | null;
  /** The conversion's account-timezone date (`YYYY-MM-DD`). */
  conversion_date: ColumnType<string | null, string | null, string | null>;
  /** The attribution's `lag_seconds`: seconds from the winning touch to the conversion. */
  lag_seconds: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  /** The attribution's ad and pin (null: not known yet; the placement fill completes both tables). */
  ad_id: ColumnType<string | null, string | null | undefined, string | null>;
  pin_id: ColumnType<string | null, string | null | undefined, string | null>;
}
