// How far back an ad account's metrics can go: Pinterest keeps 914 days of history, and an account
// has none before it was created. Backfills and pulls are clamped to the later of the two, and say
// what they dropped. Pure: dates are `YYYY-MM-DD` strings; deterministic for the workflow.
import { addDays } from './dates';

/** Days of history Pinterest keeps, today included: the oldest day asked for is 913 days back. */
export const HISTORY_MAX_DAYS = 914;

/** Why days were left out: before the account's creation date, or past Pinterest's 914 days. */
export type ClampReason = 'account_created' | 'history_limit';

/** Days asked for that were left out (`YYYY-MM-DD`, inclusive), how many, and why. */
export interface DroppedDays {
  start_date: string;
  end_date: string;
  days: number;
  reason: ClampReason;
}

/** The oldest day Pinterest still serves for `today`: 913 days back (914 days with today). */
function oldestHistoryDay(today: string): string {
  return addDays(today, -(HISTORY_MAX_DAYS - 1));
}

/**
 * The oldest day worth asking for: the account's creation date (`createdDate`, account time zone)
 * when it is later than Pinterest's oldest day, else that oldest day; never after `today`.
 */
export function historyFloor(today: string, createdDate?: string | null): { date: string; reason: ClampReason } {
  const oldest = oldestHistoryDay(today);
  if (createdDate && createdDate > oldest) return { date: createdDate < today ? createdDate : today, reason: 'account_created' };
  return { date: oldest, reason: 'history_limit' };
}

/** Whole days from `start` to `end` inclusive (`YYYY-MM-DD`). */
function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(end) - Date.parse(start)) / 86_400_000) + 1;
}

/**
 * Clamps a date range's start to the history floor (`historyFloor`). @returns the range kept (none
 * when it lies wholly before the floor) and the days dropped from its start, if any.
 */
export function clampToHistory(
  range: { start_date: string; end_date: string },
  today: string,
  createdDate?: string | null,
): { kept?: { start_date: string; end_date: string }; dropped?: DroppedDays } {
  const floor = historyFloor(today, createdDate);
  if (range.start_date >= floor.date) return { kept: { ...range } };
  const droppedEnd = range.end_date < floor.date ? range.end_date : addDays(floor.date, -1);
  const dropped = { start_date: range.start_date, end_date: droppedEnd, days: daysBetween(range.start_date, droppedEnd), reason: floor.reason };
  if (range.end_date < floor.date) return { dropped };
  return { kept: { start_date: floor.date, end_date: range.end_date }, dropped };
}
