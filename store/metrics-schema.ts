import type { ColumnType, JSONColumnType } from 'kysely';

// The metric tables: Pinterest's daily figures per entity and their running totals.

/** A timestamptz column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: pg returns int8 as a string to keep full precision. */
type BigintColumn = ColumnType<string, string | number | bigint, string | number | bigint>;
/** A bigint column with a database default of 0 (optional on insert). */
type BigintDefault0 = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;

/** Pinterest's daily metrics per entity and attribution settings (store/metrics-store.ts). */
export interface MetricsDailyTable {
  ad_account_id: string;
  /** `campaign`, `ad_group` or `ad` (pin level). */
  level: string;
  entity_id: string;
  /** Account-timezone calendar date as `YYYY-MM-DD`. */
  date: ColumnType<string, string, string>;
  click_window_days: number;
  engagement_window_days: number;
  view_window_days: number;
  conversion_report_time: string;
  currency: string;
  /** Micro-currency (millionths of `currency`). */
  spend_micro: BigintColumn;
  impressions: BigintColumn;
  saves: BigintColumn;
  pin_clicks: BigintColumn;
  outbound_clicks: BigintColumn;
  earned_impressions: BigintDefault0;
  engagements: BigintDefault0;
  video_mrc_views: BigintDefault0;
  video_3s_views: BigintDefault0;
  video_p100_complete: BigintDefault0;
  idea_pin_product_tag_visits: BigintDefault0;
  /** Pinterest-reported conversions (TOTAL_CONVERSIONS) under the row's attribution settings. */
  pinterest_conversions: BigintDefault0;
  checkouts: BigintDefault0;
  /** Micro-currency. */
  checkout_value_micro: BigintDefault0;
  click_checkouts: BigintDefault0;
  engagement_checkouts: BigintDefault0;
  view_checkouts: BigintDefault0;
  web_checkouts: BigintDefault0;
  /** True for today's still-incomplete day. */
  is_partial: boolean;
  /** Every column Pinterest returned for the row, as returned. */
  columns: JSONColumnType<Record<string, unknown>>;
  /** When a pull last changed the row's values (a re-pull returning the same values leaves it). */
  pulled_at: Timestamp;
}

/**
 * Running totals of the report columns of `metrics_daily`, per entity and attribution settings, by
 * date: the total over [start, end] is the row at or before `end` minus the row before `start`.
 * Rewritten from the earliest changed date whenever daily metrics are upserted.
 */
export interface MetricsCumulativeTable {
  ad_account_id: string;
  level: string;
  click_window_days: number;
  engagement_window_days: number;
  view_window_days: number;
  conversion_report_time: string;
  entity_id: string;
  /** Account-timezone date `YYYY-MM-DD`: totals from the entity's first day through this one. */
  date: ColumnType<string, string, string>;
  /** Micro-currency. */
  spend_micro: BigintColumn;
  impressions: BigintColumn;
  saves: BigintColumn;
  pin_clicks: BigintColumn;
  outbound_clicks: BigintColumn;
  pinterest_conversions: BigintColumn;
  /** Micro-currency. */
  checkout_value_micro: BigintColumn;
  /** Pinterest's view-through checkouts (TOTAL_VIEW_CHECKOUT). */
  view_checkouts: BigintColumn;
  /** Pinterest's engagement (save) checkouts (TOTAL_ENGAGEMENT_CHECKOUT). */
  engagement_checkouts: BigintColumn;
}
