import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { AdAccountAnalyticsColumnsTable } from './analytics-columns-schema';
import type { AttributionProductsTable } from './attribution-products-schema';
import type { CpaAlertsTable, CpaTargetsTable } from './cpa-alerts-schema';
import type { ExchangeRatesTable } from './exchange-rates-schema';
import type { PinterestRequestBudgetsTable } from './request-budget-schema';
import type { MetricsCumulativeTable, MetricsDailyTable } from './metrics-schema';
import type { ProductMetricsDailyTable } from './product-metrics-schema';
import type { MsotAttemptsTable, MsotEventsTable } from './msot-schema';
import type { RecordInboxAccountsTable, RecordInboxTable } from './record-inbox-schema';

/** A timestamptz column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: pg returns int8 as a string to keep full precision. */
type BigintColumn = ColumnType<string, string | number | bigint, string | number | bigint>;

export interface PinterestConnectionsTable {
  connection_id: string;
  /** AES-256-GCM envelope from TokenCipher, never the raw token. */
  access_token_encrypted: string;
  refresh_token_encrypted: string;
  encryption_key_id: string;
  access_token_expires_at: Timestamp;
  refresh_token_expires_at: Timestamp | null;
  scope: string;
  /** The Pinterest user who granted it (`GET /v5/user_account` at connect): whose rate budgets it spends. */
  pinterest_user_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface OauthStatesTable {
  nonce: string;
  used_at: ColumnType<Date, never, never>;
}

export interface AdAccountsTable {
  ad_account_id: string;
  connection_id: string;
  name: string;
  currency: string;
  country: string | null;
  time_zone: string | null;
  connection_status: ColumnType<string, string | undefined, string>;
  click_window_days: number;
  engagement_window_days: number;
  view_window_days: number;
  conversion_report_time: string;
  connected_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_successful_pull_at: Timestamp | null;
  /** Send Conversions API requests with `?test=true`. */
  capi_test_mode: ColumnType<boolean, boolean | undefined, boolean>;
  /** A Conversions API token for this account (TokenCipher envelope); null: use the OAuth token. */
  conversion_token_encrypted: ColumnType<string | null, string | null | undefined, string | null>;
  /** Account-timezone date up to which every day has been pulled (`YYYY-MM-DD`). */
  last_pulled_through: ColumnType<string | null, string | null | undefined, string | null>;
  /** The Routy advertiser whose connect link connected the account (null: connected before this was recorded). */
  routy_advertiser_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** When Pinterest created the account (AdAccount.created_time); null: unknown (connected before it was stored, or Pinterest gave none). */
  created_time: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** When the account opted in to Measurement Source of Truth events (null: not opted in; `setMsotOptIn`). */
  msot_opted_in_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface PinsTable {
  ad_account_id: string;
  pin_id: string;
  title: string | null;
  description: string | null;
  link: string | null;
  media_type: string | null;
  creative_type: string | null;
  raw: JSONColumnType<Record<string, unknown>>;
  synced_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CampaignsTable {
  ad_account_id: string;
  campaign_id: string;
  name: string;
  status: string;
  /** Pinterest's objective as it spells it (a free string: Pinterest adds and removes values). */
  objective_type: string | null;
  /** A Performance+ campaign (CampaignResponse.is_performance_plus); null: Pinterest did not say. */
  is_performance_plus: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  raw: JSONColumnType<Record<string, unknown>>;
  synced_at: Timestamp;
}

export interface AdGroupsTable {
  ad_account_id: string;
  ad_group_id: string;
  campaign_id: string;
  name: string;
  status: string;
  raw: JSONColumnType<Record<string, unknown>>;
  synced_at: Timestamp;
}

export interface AdsTable {
  ad_account_id: string;
  ad_id: string;
  ad_group_id: string;
  campaign_id: string;
  pin_id: string | null;
  creative_type: string | null;
  name: string | null;
  status: string;
  raw: JSONColumnType<Record<string, unknown>>;
  synced_at: Timestamp;
}

export interface TouchpointsTable {
  touchpoint_id: ColumnType<string, never, never>;
  ad_account_id: string;
  dedupe_key: string;
  type: string;
  occurred_at: Timestamp;
  click_id: string | null;
  campaign_id: string | null;
  ad_group_id: string | null;
  ad_id: string | null;
  pin_id: string | null;
  /** Hashed identifiers only (see domain/user-data.ts). */
  user_data: JSONColumnType<Record<string, unknown>>;
  received_at: ColumnType<Date, never, never>;
}

export interface ConversionsTable {
  ad_account_id: string;
  event_id: string;
  event_name: string;
  event_time: Timestamp;
  action_source: string;
  /** Decimal in `currency` units (not micro), as pg returns numeric: a string. */
  value: ColumnType<string | null, string | null, string | null>;
  currency: string | null;
  order_id: string | null;
  click_id: string | null;
  /** Hashed identifiers only (see domain/user-data.ts). */
  user_data: JSONColumnType<Record<string, unknown>>;
  /** `content_ids`, `contents`, `num_items` as Routy sent them (no personal data). */
  custom_data: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** The user opted out of ad personalization: sent as `opt_out: true`. */
  opt_out: ColumnType<boolean, boolean | undefined, boolean>;
  event_source_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** `pending`, `matched`, `expired` or `duplicate` (an order already stored: see `duplicate_of`). */
  attribution_state: string;
  /** The `event_id` of the conversion with the same event_name and order_id this one repeats. */
  duplicate_of: ColumnType<string | null, string | null | undefined, string | null>;
  hold_until: Timestamp;
  /** `unsent`, `sending`, `posting`, `sent`, `unconfirmed`, `failed`, `stale`, `not_sendable` or `duplicate` (never sent). */
  capi_state: ColumnType<string, string | undefined, string>;
  capi_attempted_at: Timestamp | null;
  capi_result: JSONColumnType<Record<string, unknown>> | null;
  received_at: ColumnType<Date, never, never>;
  /** W3C `traceparent` of the drain span that stored it (see observability/batch-tracing.ts); null: not traced (migration 2026-12-06T05-00). */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AttributionsTable {
  ad_account_id: string;
  event_id: string;
  touchpoint_id: ColumnType<string, string, string>;
  touch_type: string;
  /** `click_id`, or the hashed identifier that matched (`em`, ...). */
  match_key: string;
  campaign_id: string | null;
  ad_group_id: string | null;
  ad_id: string | null;
  pin_id: string | null;
  /** Seconds from the winning touchpoint to the conversion. */
  lag_seconds: BigintColumn;
  attributed_at: ColumnType<Date, never, never>;
  /** The conversion's account-timezone date (`YYYY-MM-DD`), copied so reports filter on an index. */
  conversion_date: ColumnType<string | null, string | null | undefined, string | null>;
  /** The conversion's value in micro-currency (millionths of its currency), copied for reports. */
  conversion_value_micro: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  /** The conversion's ISO 4217 currency, copied for reports (null: the conversion had none). */
  conversion_currency: ColumnType<string | null, string | null | undefined, string | null>;
  /** The conversion's `event_name`, copied for the reports' reconciliation (null only before migration 2026-12-05T05-00 filled it). */
  conversion_event_name: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RejectedConversionsTable {
  event_id: string;
  ad_account_id: string | null;
  /** `[{field, message}]`: where the record was at fault, never its values. */
  problems: JSONColumnType<Array<{ field: string; message: string }>>;
  rejected_at: ColumnType<Date, never, never>;
}

/**
 * One Conversions API request attempt for one event (the event's audit trail). Inserted before the
 * request; `ended_at` and the answer are set after it, so a row without `ended_at` is a request
 * whose sender stopped before the answer was stored.
 */
export interface CapiAttemptsTable {
  ad_account_id: string;
  event_id: string;
  /** 1 for the event's first request, then 2, 3, ... */
  attempt: number;
  /** One id per HTTP request, shared by the events it carried. */
  request_id: string;
  /** How many events the request carried. */
  request_events: number;
  /** An earlier request of this event has no known outcome: Pinterest may already hold a copy. */
  repost: ColumnType<boolean, boolean | undefined, boolean>;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  /** Null while unanswered; `processed`, `failed` (per event), `refused` (the request), `retry` (not taken) or `unknown`. */
  outcome: string | null;
  http_status: number | null;
  /** The request's error (a non-2xx message, a timeout, a reset connection, an unreadable answer). */
  error: string | null;
  /** Pinterest's per-event `status`, `error_message` and `warning_message` from `events[]`. */
  event_status: string | null;
  error_message: string | null;
  warning_message: string | null;
}

/** The Kysely database type for every table the migrations create. */
export interface Database {
  pinterest_connections: PinterestConnectionsTable;
  oauth_states: OauthStatesTable;
  ad_accounts: AdAccountsTable;
  campaigns: CampaignsTable;
  ad_groups: AdGroupsTable;
  ads: AdsTable;
  pins: PinsTable;
  metrics_daily: MetricsDailyTable;
  metrics_cumulative: MetricsCumulativeTable;
  product_metrics_daily: ProductMetricsDailyTable;
  touchpoints: TouchpointsTable;
  conversions: ConversionsTable;
  attributions: AttributionsTable;
  attribution_products: AttributionProductsTable;
  rejected_conversions: RejectedConversionsTable;
  capi_attempts: CapiAttemptsTable;
  record_inbox: RecordInboxTable;
  record_inbox_accounts: RecordInboxAccountsTable;
  exchange_rates: ExchangeRatesTable;
  ad_account_analytics_columns: AdAccountAnalyticsColumnsTable;
  pinterest_request_budgets: PinterestRequestBudgetsTable;
  msot_events: MsotEventsTable;
  msot_attempts: MsotAttemptsTable;
  cpa_targets: CpaTargetsTable;
  cpa_alerts: CpaAlertsTable;
}

export type { Generated };
