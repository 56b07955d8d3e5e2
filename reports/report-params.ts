import { z } from 'zod';

/** Windows a report can count conversions under, in days. */
const REPORT_WINDOWS = [1, 7, 14, 30, 60] as const;

/** A report date: `YYYY-MM-DD` from 2000-01-01 to 2100-12-31 (no ad data exists outside). */
export const reportDate = z.iso
  .date({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a date, YYYY-MM-DD') })
  // Only for a valid date: a broken one gets one message, not two.
  .refine((date) => date >= '2000-01-01' && date <= '2100-12-31', {
    message: 'must be between 2000-01-01 and 2100-12-31',
    when: (payload) => payload.issues.length === 0,
  });

const windowText = `must be one of ${REPORT_WINDOWS.join(', ')}`;

/** A window in days, written exactly as one of REPORT_WINDOWS (no "07", "0x7" or "7.0"). */
export const reportWindow = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const days = typeof value === 'number' ? value : /^[1-9]\d?$/.test(value) ? Number(value) : Number.NaN;
    if (!(REPORT_WINDOWS as readonly number[]).includes(days)) {
      ctx.addIssue({ code: 'custom', message: windowText });
      return z.NEVER;
    }
    return days;
  });

/** A window in days, or `account` for the ad account's click window. */
export const reportWindowOrAccount = z.union([z.literal('account'), reportWindow], { error: `${windowText} or account` });

/** A yes-or-no query parameter: `true` or `false` (a boolean from code). */
export const reportBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'must be true or false' });

/**
 * `.refine(...startNotAfterEnd)` for a query with `start_date` and `end_date`: checked only when
 * both dates are valid, so a broken date is not also reported as out of order.
 */
export const startNotAfterEnd: [
  check: (r: { start_date: string; end_date: string }) => boolean,
  options: { path: PropertyKey[]; message: string; when: (payload: { issues: ReadonlyArray<{ path?: PropertyKey[] }> }) => boolean },
] = [
  (r) => r.start_date <= r.end_date,
  {
    path: ['start_date'],
    message: 'must not be after end_date',
    when: (payload) =>
      !payload.issues.some((issue) => issue.path?.[0] === 'start_date' || issue.path?.[0] === 'end_date'),
  },
];
