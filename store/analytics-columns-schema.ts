import type { ColumnType, JSONColumnType } from 'kysely';

/**
 * The extra sync-analytics columns an ad account pulls per level (migration 2026-12-04T02-00),
 * beside the fixed set in `pinterest/analytics.ts`. Written by the `setAnalyticsColumns` update
 * (through the `saveAnalyticsColumns` activity), read by each pull and by the reports' CSV.
 */
export interface AdAccountAnalyticsColumnsTable {
  ad_account_id: string;
  /** `campaign`, `ad_group` or `ad` (pin level). */
  level: string;
  /** Column names of the spec's sync `columns` enum, each once. */
  columns: JSONColumnType<string[]>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
