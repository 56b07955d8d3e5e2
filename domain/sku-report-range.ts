// Which weeks a brand / category / SKU report asks for. Pure: dates are UTC `YYYY-MM-DD` (the
// report's dates are UTC). Pinterest's limits (the spec's ConversionProductReportRequest): start
// after 2024-03-16, at least 7 days, at most a year; granularity WEEK at finest.
import { addDays } from './dates';

/** The report's first allowed start: "Start date must be after 2024-03-16". */
const SKU_REPORT_FIRST_DATE = '2024-03-17';
/** "7 day minimum time window for report is required". */
const SKU_REPORT_MIN_DAYS = 7;

/** The Monday on or before a `YYYY-MM-DD` date: report weeks start on Mondays, so a restated week keeps its key. */
export function mondayOnOrBefore(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

/**
 * The range of one SKU report ending `today`: from the Monday of the earliest of the restatement
 * window's first day (`minDays` back, today included), 6 days back (the 7-day minimum) and the
 * newest stored week (`newestStored`; when null, `backfillDays` back), but no earlier than a year
 * back or 2024-03-17 (then the first Monday on or after that floor). @returns `YYYY-MM-DD` dates, inclusive.
 */
export function skuReportRange(input: { today: string; minDays: number; backfillDays: number; newestStored: string | null }): { start_date: string; end_date: string } {
  const { today } = input;
  const candidates = [addDays(today, -(Math.max(1, input.minDays) - 1)), addDays(today, -(SKU_REPORT_MIN_DAYS - 1)), input.newestStored ?? addDays(today, -input.backfillDays)];
  const wanted = candidates.reduce((min, date) => (date < min ? date : min));
  // At most a year (366 days with today) and not before 2024-03-17.
  const floor = [addDays(today, -365), SKU_REPORT_FIRST_DATE].reduce((max, date) => (date > max ? date : max));
  const floorMonday = mondayOnOrBefore(floor) < floor ? addDays(mondayOnOrBefore(floor), 7) : floor;
  const monday = mondayOnOrBefore(wanted);
  return { start_date: monday < floor ? floorMonday : monday, end_date: today };
}
