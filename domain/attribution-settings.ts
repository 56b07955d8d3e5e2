// An ad account's attribution settings: Pinterest's windows and report time, their defaults and
// their validation. Pure: the workflow's update validators run it.
import { z } from 'zod';
import { problemLines } from './field-issues';

/**
 * Attribution windows in days (each 0, 1, 7, 14, 30 or 60; 0 turns that touch type off) and
 * Pinterest's `conversion_report_time`. Sent on every analytics request (Pinterest exposes no
 * account-level default) and used by our own attribution rules.
 */
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
const WINDOW_DAYS = [0, 1, 7, 14, 30, 60] as const;
/** The values Pinterest accepts for `conversion_report_time`. */
export const CONVERSION_REPORT_TIMES = ['TIME_OF_AD_ACTION', 'TIME_OF_CONVERSION'] as const;

/** One attribution window in days, as Pinterest accepts it. */
export const windowDaysSchema = z.literal(WINDOW_DAYS, { error: `must be one of ${WINDOW_DAYS.join(', ')}` });
/** `conversion_report_time`, as Pinterest accepts it. */
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

/**
 * Checks a settings change (the `updateSettings` update, and settings at connect); deterministic,
 * so the workflow's update validator can run it. @returns the problems as `field: message`
 * lines; empty when valid.
 */
export function settingsProblems(change: unknown): string[] {
  return problemLines(settingsChangeSchema.safeParse(change));
}
