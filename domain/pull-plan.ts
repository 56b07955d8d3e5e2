// The pull plan: which days a pull reads and which older days go to async reports. Pinterest's
// limits (the synchronous analytics endpoints: start_date at most 90 days back and end_date at most
// 90 days past it; 186 days per async report; 914 days of history, domain/history-bounds.ts) live
// here, once. Pure: dates are `YYYY-MM-DD` strings in the account's time zone.
import { z } from 'zod';
import type { AttributionSettings } from './attribution-settings';
import { addDays } from './dates';
import { problemLines } from './field-issues';
import { clampToHistory, historyFloor, HISTORY_MAX_DAYS, type DroppedDays } from './history-bounds';

/**
 * How far back (days before today, UTC) the synchronous analytics endpoints' `start_date` may be:
 * "Cannot be more than 90 days back from today". Today and the 90 days before it: 91 days.
 */
const SYNC_ANALYTICS_MAX_DAYS_BACK = 90;
/** Days one synchronous analytics call covers at most: `end_date` "cannot be more than 90 days past start_date". */
export const SYNC_ANALYTICS_MAX_DAYS = SYNC_ANALYTICS_MAX_DAYS_BACK + 1;
/** Days one async report covers at most. */
export const REPORT_MAX_DAYS = 186;

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
  /** Missed days older than the synchronous endpoints serve (up to 914 back), for async reports. */
  missed_before?: BackfillRange;
  /** Days the first pull's backfill or the missed days reached for, left out: before the account's creation or past 914 days. */
  dropped?: DroppedDays;
}

/**
 * Plans a pull ending `today` (the account's date): at least `minDays` (the restatement window),
 * back to `lastPulledThrough` itself (re-read) when days were missed since (a paused or
 * reauthorized account), or, when the account was never pulled, the `backfillDays` days before
 * today and today. The synchronous part starts no earlier than 90 days before today in UTC
 * (`utcToday`, default `today`) and than 90 days before `today`, so every call is valid whatever
 * the account's time zone: with `backfillDays` 90 it asks for every day the endpoints serve. Older
 * days, up to 914 back, are returned as `missed_before`. Nothing before the account's creation date
 * (`createdDate`) or 914 days is asked for: days the backfill or missed days reached for there come
 * back as `dropped` (the restatement window is clamped silently).
 */
export function planPull(input: {
  today: string;
  utcToday?: string;
  lastPulledThrough?: string | null;
  minDays: number;
  backfillDays: number;
  createdDate?: string | null;
}): PullRange {
  const { today } = input;
  const reach = input.lastPulledThrough ?? addDays(today, -Math.max(0, input.backfillDays));
  const restatement = addDays(today, -(Math.max(1, input.minDays) - 1));
  const wanted = reach < restatement ? reach : restatement;
  const start = clampToHistory({ start_date: wanted, end_date: today }, today, input.createdDate).kept?.start_date ?? today;
  // Only what the backfill or the missed days reached for is news; the restatement window is not.
  const { dropped } = clampToHistory({ start_date: reach, end_date: today }, today, input.createdDate);
  const utcOldest = addDays(input.utcToday ?? today, -SYNC_ANALYTICS_MAX_DAYS_BACK);
  const localOldest = addDays(today, -SYNC_ANALYTICS_MAX_DAYS_BACK);
  const syncOldest = utcOldest > localOldest ? utcOldest : localOldest;
  const plan: PullRange = { start_date: start > syncOldest ? start : syncOldest, end_date: today };
  if (start < syncOldest) plan.missed_before = { start_date: start, end_date: addDays(syncOldest, -1) };
  if (dropped) plan.dropped = dropped;
  return plan;
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

/**
 * A backfill range, checked against today (`YYYY-MM-DD`, UTC): a range wholly before the history
 * floor (the account's creation date, or 914 days) is refused; one reaching past it is clamped later.
 */
const backfillRangeSchema = (today: string, createdDate?: string | null) =>
  z
    .strictObject({ start_date: calendarDate, end_date: calendarDate }, { error: 'must be an object like {"start_date": "2025-01-01", "end_date": "2025-06-30"}' })
    .superRefine((range, ctx) => {
      // Zod runs this even when a date failed its own check: compare only real dates.
      if (!isCalendarDate(range.start_date) || !isCalendarDate(range.end_date)) return;
      if (range.start_date > range.end_date) ctx.addIssue({ code: 'custom', path: ['start_date'], message: 'must not be after end_date' });
      if (range.end_date > today) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must not be after today' });
      const floor = historyFloor(today, createdDate);
      if (range.end_date < floor.date) {
        const why = floor.reason === 'account_created' ? `the ad account was created on ${floor.date}` : `Pinterest keeps ${HISTORY_MAX_DAYS} days of history`;
        ctx.addIssue({ code: 'custom', path: ['end_date'], message: `must not be before ${floor.date}: ${why}, nothing to backfill` });
      }
    });

/**
 * Checks a backfill request against today's date (`YYYY-MM-DD`) and the account's creation date
 * when known; deterministic for the workflow's validator. A range reaching before 914 days or the
 * creation date is valid (it is clamped, see `clampToHistory`); one wholly before is not.
 * @returns the problems as `field: message` lines; empty when valid.
 */
export function backfillProblems(range: unknown, today: string, createdDate?: string | null): string[] {
  return problemLines(backfillRangeSchema(today, createdDate).safeParse(range));
}
