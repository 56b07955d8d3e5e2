// Messages defined once: imported by the workflow, the worker, the typed client and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { z } from 'zod';
import { fieldIssues } from '../domain/field-issues';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';

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

/** The windows Pinterest accepts for `click_window_days`, `engagement_window_days`, `view_window_days`. */
export const WINDOW_DAYS = [0, 1, 7, 14, 30, 60] as const;
export const CONVERSION_REPORT_TIMES = ['TIME_OF_AD_ACTION', 'TIME_OF_CONVERSION'] as const;

/** One attribution window in days, as Pinterest accepts it. */
export const windowDaysSchema = z.literal(WINDOW_DAYS, { error: `must be one of ${WINDOW_DAYS.join(', ')}` });
export const conversionReportTimeSchema = z.enum(CONVERSION_REPORT_TIMES, { error: `must be ${CONVERSION_REPORT_TIMES.join(' or ')}` });

/** A change of attribution settings: any of the four, nothing else. */
const settingsChangeSchema = z.strictObject(
  {
    click_window_days: windowDaysSchema.optional(),
    engagement_window_days: windowDaysSchema.optional(),
    view_window_days: windowDaysSchema.optional(),
    conversion_report_time: conversionReportTimeSchema.optional(),
  },
  { error: 'must be an object like {"click_window_days": 30}' },
);

/** `field: message` lines from a zod failure, `(request)` naming the argument itself. */
const requestProblems = (result: { success: boolean; error?: z.ZodError }): string[] =>
  result.success || !result.error ? [] : fieldIssues(result.error, '(request)').map((issue) => `${issue.field}: ${issue.message}`);

/**
 * Checks a settings change (the `updateSettings` update, and settings at connect); deterministic,
 * so the workflow's update validator can run it. @returns the problems, each naming its field;
 * empty when valid.
 */
export function settingsProblems(change: unknown): string[] {
  return requestProblems(settingsChangeSchema.safeParse(change));
}

/** Durations, in seconds, so tests on the real dev server run in seconds. */
export interface ScheduleSettings {
  /** Between report pulls (production: 4 hours). */
  pull_interval_seconds: number;
  /** Between entity syncs (campaigns, ad groups, ads, pins); production: 1 hour. Optional for runs started before it existed. */
  entity_sync_interval_seconds?: number;
  /** How long an unmatched conversion waits for a touchpoint (production: 30 days). */
  hold_seconds: number;
  /** Days pulled on the first pull (Pinterest's synchronous limit is 90). */
  backfill_days: number;
}

export const DEFAULT_SCHEDULE: ScheduleSettings = {
  pull_interval_seconds: 4 * 3600,
  entity_sync_interval_seconds: 3600,
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
  /** Async-report backfill ranges finished. */
  backfill_ranges_done?: number;
  /** The account's conversions waiting for a touchpoint, as of the last store activity. */
  conversions_pending?: number;
  /** Conversions whose hold ended unmatched. */
  conversions_expired?: number;
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
    next_entity_sync_at?: string;
    connection_status?: ConnectionStatus;
    rate_limited_until?: string;
    unsent_matches?: boolean;
    backfill_queue?: BackfillRange[];
    last_error?: string;
    pending_settings?: AttributionSettings;
    paused?: boolean;
    paused_reason?: string;
    /** Written by runs before the first pull's backfill moved to the database (`last_pulled_through`); ignored. */
    backfilled?: boolean;
    conversions_buffer: ConversionRecord[];
    touchpoints_buffer: TouchpointRecord[];
  };
}

/** `needs_reauth`: Pinterest refused the grant; pulls and sends wait until the account is reconnected. */
export type ConnectionStatus = 'connected' | 'needs_reauth' | 'disconnected';

/** Answer of the `status` query. Times are ISO 8601 strings. */
export interface AdAccountStatus {
  ad_account_id: string;
  connection_status: ConnectionStatus;
  /** An operator paused Pinterest calls (pulls, backfills, Conversions API sends); Routy's records are still stored and matched. */
  paused: boolean;
  paused_reason?: string;
  /** Set while Pinterest's rate limit asks for a wait longer than 15 minutes (a daily cap): the next pull waits until then. */
  rate_limited_until?: string;
  next_entity_sync_at?: string;
  /** Report-sized date ranges still to backfill through async reports. */
  backfill_queue: BackfillRange[];
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
/** The account was (re)connected through OAuth: a `needs_reauth` account resumes and pulls what it missed. */
export const connectedSignal = defineSignal('connected');
/** Changes attribution settings (validated); the next pull backfills under them. Returns the settings now in force. */
export const updateSettingsUpdate = defineUpdate<AttributionSettings, [Partial<AttributionSettings>]>('updateSettings');
/** Pull now, whatever the schedule says (operators, tests). */
export const pullNowSignal = defineSignal('pullNow');
/** A date range (`YYYY-MM-DD`, inclusive, UTC) to backfill through async reports. */
export interface BackfillRange {
  start_date: string;
  end_date: string;
}

/** Async reports reach this far back, and one covers at most this many days. */
export const BACKFILL_MAX_DAYS_BACK = 914;
export const BACKFILL_RANGE_DAYS = 186;

const dateText = 'must be a YYYY-MM-DD date';
/** A calendar date: 2026-02-30 parses (as March 2) but does not print back the same. */
const isCalendarDate = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) && new Date(Date.parse(value)).toISOString().slice(0, 10) === value;
const calendarDate = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : dateText) }).refine(isCalendarDate, dateText);

/** A backfill range, checked against today (`YYYY-MM-DD`, UTC) and Pinterest's 914 days of history. */
const backfillRangeSchema = (today: string) =>
  z
    .strictObject({ start_date: calendarDate, end_date: calendarDate }, { error: 'must be an object like {"start_date": "2025-01-01", "end_date": "2025-06-30"}' })
    .superRefine((range, ctx) => {
      // Zod runs this even when a date failed its own check: compare only real dates.
      if (!isCalendarDate(range.start_date) || !isCalendarDate(range.end_date)) return;
      if (range.start_date > range.end_date) ctx.addIssue({ code: 'custom', path: ['start_date'], message: 'must not be after end_date' });
      if (range.end_date > today) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must not be after today' });
      if ((Date.parse(today) - Date.parse(range.start_date)) / 86_400_000 > BACKFILL_MAX_DAYS_BACK) {
        ctx.addIssue({ code: 'custom', path: ['start_date'], message: `Pinterest keeps at most ${BACKFILL_MAX_DAYS_BACK} days of history` });
      }
    });

/**
 * Checks a backfill request against today's date (`YYYY-MM-DD`); deterministic for the workflow's
 * validator. @returns the problems, each naming its field.
 */
export function backfillProblems(range: unknown, today: string): string[] {
  return requestProblems(backfillRangeSchema(today).safeParse(range));
}

/** Splits a range into report-sized pieces of at most 186 days. */
export function splitBackfill(range: BackfillRange): BackfillRange[] {
  const pieces: BackfillRange[] = [];
  const day = 86_400_000;
  for (let start = Date.parse(range.start_date); start <= Date.parse(range.end_date); start += BACKFILL_RANGE_DAYS * day) {
    const end = Math.min(start + (BACKFILL_RANGE_DAYS - 1) * day, Date.parse(range.end_date));
    pieces.push({ start_date: new Date(start).toISOString().slice(0, 10), end_date: new Date(end).toISOString().slice(0, 10) });
  }
  return pieces;
}

/** Backfills a date range up to 914 days back through async reports; returns the report-sized pieces queued. */
export const backfillUpdate = defineUpdate<BackfillRange[], [BackfillRange]>('backfill');
/** Stops the account's workflow after its in-flight work. */
export const disconnectSignal = defineSignal('disconnect');
/** The same as a validated update (refused when already disconnected); returns the status. */
export const disconnectUpdate = defineUpdate<AdAccountStatus, []>('disconnect');

/** Why an operator paused an account (shown in `status`); up to 200 characters. */
export interface PauseRequest {
  reason?: string;
}
/** Pauses every Pinterest call of the account (pulls, backfills, sends) until `resume`; Routy's records keep being stored and matched. Returns the status. */
export const pauseUpdate = defineUpdate<AdAccountStatus, [PauseRequest]>('pause');
/** Ends a pause: pulls at once (missed days included) and sends matches that waited. Returns the status. */
export const resumeUpdate = defineUpdate<AdAccountStatus, []>('resume');

const reasonText = 'must be a string of at most 200 characters';
/** The `pause` update's argument; absent means no reason. */
const pauseRequestSchema = z
  .strictObject({ reason: z.string({ error: reasonText }).max(200, reasonText).optional() }, { error: 'must be an object like {"reason": "..."}' })
  .nullish();

/** What is wrong with a pause request, one line per field; empty when it is valid. */
export function pauseProblems(request: unknown): string[] {
  return requestProblems(pauseRequestSchema.safeParse(request));
}
export const statusQuery = defineQuery<AdAccountStatus>('status');
