// Messages defined once: imported by the workflow, the worker, the typed client and tests.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ConversionRecord, TouchpointRecord } from '../client/routy-schemas';

/** Task queue the worker polls and clients start account workflows on. */
export const TASK_QUEUE = 'routy-pinterest';

/** One workflow per ad account: a second connect reaches the same workflow. */
export function adAccountWorkflowId(adAccountId: string): string {
  return `pinterest-ad-account-${adAccountId}`;
}

/** Operator search attributes, registered on the dev server at start. */
export const AD_ACCOUNT_ID = defineSearchAttributeKey('PinterestAdAccountId', SearchAttributeType.KEYWORD);
export const CONNECTION_STATUS = defineSearchAttributeKey('PinterestConnectionStatus', SearchAttributeType.KEYWORD);
export const LAST_SUCCESSFUL_PULL = defineSearchAttributeKey('PinterestLastSuccessfulPull', SearchAttributeType.DATETIME);
export const SEARCH_ATTRIBUTES = [AD_ACCOUNT_ID, CONNECTION_STATUS, LAST_SUCCESSFUL_PULL];

/** Attribution windows in days (each 0, 1, 7, 14, 30 or 60) and Pinterest's report time. */
export interface AttributionSettings {
  click_window_days: number;
  engagement_window_days: number;
  view_window_days: number;
  conversion_report_time: 'TIME_OF_AD_ACTION' | 'TIME_OF_CONVERSION';
}

/** Pinterest's own defaults: 30-day click, 30-day engagement, 1-day view, time of ad action. */
export const DEFAULT_ATTRIBUTION_SETTINGS: AttributionSettings = {
  click_window_days: 30,
  engagement_window_days: 30,
  view_window_days: 1,
  conversion_report_time: 'TIME_OF_AD_ACTION',
};

/** Durations, in seconds, so tests on the real dev server run in seconds. */
export interface ScheduleSettings {
  /** Between report pulls (production: 4 hours). */
  pull_interval_seconds: number;
  /** How long an unmatched conversion waits for a touchpoint (production: 30 days). */
  hold_seconds: number;
  /** Days pulled on the first pull (Pinterest's synchronous limit is 90). */
  backfill_days: number;
}

export const DEFAULT_SCHEDULE: ScheduleSettings = {
  pull_interval_seconds: 4 * 3600,
  hold_seconds: 30 * 86400,
  backfill_days: 90,
};

/** Counters and times the workflow carries across continue-as-new. */
export interface AdAccountCounters {
  pulls: number;
  metric_rows_upserted: number;
  conversions_received: number;
  conversions_matched: number;
  conversions_sent: number;
  touchpoints_received: number;
  /** Records the store refused as invalid (dropped, each noted in `last_error`). */
  records_refused?: number;
}

/** Input of {@link adAccountWorkflow}; `carried` is set only by continue-as-new. */
export interface AdAccountWorkflowInput {
  ad_account_id: string;
  settings: AttributionSettings;
  schedule: ScheduleSettings;
  carried?: {
    counters: AdAccountCounters;
    last_pull_at?: string;
    next_pull_at?: string;
    next_expiry_at?: string;
    backfilled: boolean;
    conversions_buffer: ConversionRecord[];
    touchpoints_buffer: TouchpointRecord[];
  };
}

/** Answer of the `status` query. Times are ISO 8601 strings. */
export interface AdAccountStatus {
  ad_account_id: string;
  connection_status: 'connected' | 'disconnected';
  settings: AttributionSettings;
  schedule: ScheduleSettings;
  last_pull_at?: string;
  next_pull_at?: string;
  /** When the earliest pending conversion's hold ends. */
  next_expiry_at?: string;
  last_error?: string;
  buffered_conversions: number;
  buffered_touchpoints: number;
  counters: AdAccountCounters;
}

/** Routy conversions, already validated and hashed at the ingress; batched. */
export const conversionsSignal = defineSignal<[ConversionRecord[]]>('conversions');
/** Routy touchpoints, already validated and hashed at the ingress; batched. */
export const touchpointsSignal = defineSignal<[TouchpointRecord[]]>('touchpoints');
/** Stops the account's workflow after its in-flight work. */
export const disconnectSignal = defineSignal('disconnect');
export const statusQuery = defineQuery<AdAccountStatus>('status');
