// The pull plan: which days a pull reads and which older days go to async reports. Pinterest's
// limits (90 days through the synchronous analytics endpoints, 186 days per async report, 914 days
// of history) live here, once. Pure: dates are `YYYY-MM-DD` strings in the account's time zone.
import { z } from 'zod';
import type { AttributionSettings } from './attribution-settings';
import { addDays } from './dates';
import { problemLines } from './field-issues';

/** Days the synchronous analytics endpoints return per call, and how far back they reach. */
export const SYNC_ANALYTICS_MAX_DAYS = 90;
/** Days one async report covers at most. */
export const REPORT_MAX_DAYS = 186;
/** Days of history Pinterest keeps: the oldest day a backfill may ask for. */
const HISTORY_MAX_DAYS = 914;

/** A date range (`YYYY-MM-DD`, inclusive) to backfill through async reports. */
export interface BackfillRange {
  start_date: string;
  end_date: string;
}

/**
 * Days every pull re-reads at least: the restatement window, the longest of the click and
 * engagement windows (Pinterest keeps crediting conversions to the day of the ad action that long).
 */
export function restatementDays(settings: AttributionSettings): number {
  return Math.max(1, settings.click_window_days, settings.engagement_window_days);
}

/** What one pull reads: `start_date`..`end_date` (today, partial) synchronously; `missed_before` through reports. */
export interface PullRange {
  start_date: string;
  end_date: string;
  /** Missed days older than the synchronous 90 (up to 914 back), for async reports. */
  missed_before?: BackfillRange;
}

/**
 * Plans a pull ending `today` (the account's date): at least `minDays` (the restatement window),
 * back to `lastPulledThrough` itself (re-read) when days were missed since (a paused or
 * reauthorized account), or `backfillDays` when the account was never pulled. The synchronous part is capped at
 * 90 days; older missed days, up to 914 back, are returned as `missed_before`.
 */
export function planPull(input: { today: string; lastPulledThrough?: string | null; minDays: number; backfillDays: number }): PullRange {
  const { today } = input;
  const missed = input.lastPulledThrough
    ? Math.round((Date.parse(today) - Date.parse(input.lastPulledThrough)) / 86_400_000) + 1
    : input.backfillDays;
  const wanted = Math.max(1, input.minDays, missed);
  const days = Math.min(wanted, SYNC_ANALYTICS_MAX_DAYS);
  const startDate = addDays(today, -(days - 1));
  if (wanted <= days) return { start_date: startDate, end_date: today };
  const missedFrom = addDays(today, -(Math.min(wanted, HISTORY_MAX_DAYS) - 1));
  return { start_date: startDate, end_date: today, missed_before: { start_date: missedFrom, end_date: addDays(startDate, -1) } };
}

/** Splits a range into report-sized pieces of at most 186 days, oldest first. */
export function splitBackfill(range: BackfillRange): BackfillRange[] {
  const pieces: BackfillRange[] = [];
  const day = 86_400_000;
  for (let start = Date.parse(range.start_date); start <= Date.parse(range.end_date); start += REPORT_MAX_DAYS * day) {
    const end = Math.min(start + (REPORT_MAX_DAYS - 1) * day, Date.parse(range.end_date));
    pieces.push({ start_date: new Date(start).toISOString().slice(0, 10), end_date: new Date(end).toISOString().slice(0, 10) });
  }
  return pieces;
}

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
      if ((Date.parse(today) - Date.parse(range.start_date)) / 86_400_000 > HISTORY_MAX_DAYS) {
        ctx.addIssue({ code: 'custom', path: ['start_date'], message: `Pinterest keeps at most ${HISTORY_MAX_DAYS} days of history` });
      }
    });

/**
 * Checks a backfill request against today's date (`YYYY-MM-DD`); deterministic for the workflow's
 * validator. @returns the problems as `field: message` lines; empty when valid.
 */
export function backfillProblems(range: unknown, today: string): string[] {
  return problemLines(backfillRangeSchema(today).safeParse(range));
}
