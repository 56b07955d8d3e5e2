// Exchange rates the operator provides, and the one rule by which reports convert a conversion's
// value into its ad account's currency. Pure: no I/O.
import { z } from 'zod';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const CODE_MESSAGE = 'must be an ISO 4217 code such as USD';

/** An ISO 4217 currency code, upper case as the standard writes it (`USD`, `JPY`). */
const currencyCodeSchema = z.string({ error: CODE_MESSAGE }).refine((code) => CURRENCIES.has(code), CODE_MESSAGE);

/** A rate date: `YYYY-MM-DD` from 2000-01-01 to 2100-12-31. */
const rateDateSchema = z
  .iso.date({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a date, YYYY-MM-DD') })
  .refine((date) => date >= '2000-01-01' && date <= '2100-12-31', {
    message: 'must be between 2000-01-01 and 2100-12-31',
    when: (payload) => payload.issues.length === 0,
  });

/** Up to 18 digits before the point and 12 after: what the `numeric(30, 12)` column holds. */
const RATE = /^\d{1,18}(\.\d{1,12})?$/;
const RATE_MESSAGE = 'must be a positive decimal such as "0.0067" (at most 18 digits before the point and 12 after)';

/** A rate as a positive decimal string (a JSON number is taken as its decimal text). */
const rateSchema = z
  .union([z.number(), z.string()], { error: RATE_MESSAGE })
  .transform((value) => (typeof value === 'number' ? String(value) : value.trim()))
  .refine((value) => RATE.test(value) && /[1-9]/.test(value), RATE_MESSAGE);

/**
 * One dated rate: on `date`, one unit of `from` is worth `rate` units of `to` (both ISO 4217).
 * `rate` comes out as a decimal string, exactly as given.
 */
export const exchangeRateSchema = z
  .strictObject({ date: rateDateSchema, from: currencyCodeSchema, to: currencyCodeSchema, rate: rateSchema })
  .refine((r) => r.from !== r.to, { path: ['to'], message: 'must differ from from', when: (payload) => payload.issues.length === 0 });

/** A dated rate after validation. */
export type ExchangeRate = z.output<typeof exchangeRateSchema>;

/**
 * The body of `PUT /v1/exchange-rates` (and what `exchange-rates load` sends): 1 to 5,000 rates,
 * no two for the same date, from and to (the one repeated is named by its index).
 */
export const exchangeRatesBodySchema = z.strictObject({ rates: z.array(exchangeRateSchema).min(1, 'must hold at least one rate').max(5000, 'must hold at most 5,000 rates') }).superRefine((body, ctx) => {
  const seen = new Map<string, number>();
  body.rates.forEach((r, i) => {
    const key = `${r.date} ${r.from} ${r.to}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else ctx.addIssue({ code: 'custom', path: ['rates', i, 'date'], message: `repeats rates.${first} (same date, from and to)` });
  });
});

/** The filters of `GET /v1/exchange-rates`: currencies and an inclusive date range, each optional. */
export const exchangeRatesQuerySchema = z
  .strictObject({ from: currencyCodeSchema.optional(), to: currencyCodeSchema.optional(), start_date: rateDateSchema.optional(), end_date: rateDateSchema.optional() })
  .refine((q) => !q.start_date || !q.end_date || q.start_date <= q.end_date, {
    path: ['start_date'],
    message: 'must not be after end_date',
    when: (payload) => payload.issues.length === 0,
  });

/** A rate as a report names it: the date it is for and the decimal. */
export interface DatedRate {
  /** `YYYY-MM-DD`. */
  date: string;
  /** Decimal string without trailing zeros (`0.0067`). */
  rate: string;
}

/** A decimal string without trailing zeros after the point (`0.006700` → `0.0067`, `2.000` → `2`). */
export const trimRate = (rate: string) => (rate.includes('.') ? rate.replace(/0+$/, '').replace(/\.$/, '') : rate);

/**
 * The rule every report converts by: the rate dated on the conversion's date (its ad account's
 * time zone), else the latest one before it. Never a later one.
 * @param rates one currency pair's rates, sorted by date ascending.
 * @returns the rate used, or undefined when none is dated on or before `date`.
 */
export function rateOn(rates: readonly DatedRate[], date: string): DatedRate | undefined {
  let lo = 0;
  let hi = rates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rates[mid]!.date <= date) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : rates[lo - 1];
}

/**
 * A non-negative micro-currency amount times a decimal rate, in micro-currency of the target,
 * exactly (bigint arithmetic), rounded half up to a whole micro unit.
 * @throws Error when `rate` is not a plain decimal.
 */
export function convertMicro(micro: bigint | string, rate: string): bigint {
  const parts = /^(\d+)(?:\.(\d*))?$/.exec(rate);
  if (!parts) throw new Error(`not a decimal rate: ${JSON.stringify(rate)}`);
  const fraction = parts[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(micro) * BigInt(parts[1]! + fraction);
  return (numerator * 2n + scale) / (2n * scale);
}

/** Attributed conversions of one currency and conversion date, as reports group them. */
export interface ValueGroup {
  /** ISO 4217 code; null: the conversion carried a value but no currency. */
  currency: string | null;
  /** The conversions' date in the ad account's time zone (`YYYY-MM-DD`). */
  date: string;
  conversions: number;
  /** Sum of their values in micro-currency of `currency`; null when none had a value. */
  value_micro: string | null;
}

/** Foreign-currency conversions converted at one rate. Amounts in micro-currency. */
export interface ConvertedPart {
  currency: string;
  /** The date of the rate used, and the rate (1 `currency` = `rate` of the account's currency). */
  rate_date: string;
  rate: string;
  conversions: number;
  /** In micro-`currency`. */
  value_micro: bigint;
  /** In micro-currency of the ad account. */
  converted_micro: bigint;
}

/** Conversions of a currency that no rate converts (none dated on or before their date). */
export interface UnconvertedPart {
  /** null: values that came without a currency. */
  currency: string | null;
  conversions: number;
  /** In micro-`currency`: never added to the account's revenue. */
  value_micro: bigint;
}

/** What groups of conversions add up to in an ad account's currency. */
export interface AccountCurrencyTotal {
  /** Every conversion, whatever its currency. */
  conversions: number;
  /** Values in the account's currency plus converted ones, micro-currency of the account. */
  revenue_micro: bigint;
  /** By currency and rate date (sorted). */
  converted: ConvertedPart[];
  /** By currency (sorted, no currency last). */
  unconverted: UnconvertedPart[];
}

/**
 * Adds groups of conversions in the ad account's currency: a value in that currency as it is; a
 * value in another one converted with `rateOn` its conversion date (rates: `from` that currency
 * `to` the account's, by currency, sorted by date); a value with no usable rate, or without a
 * currency, listed in `unconverted` and never added. Conversions without a value only count.
 */
export function totalInAccountCurrency(accountCurrency: string, groups: readonly ValueGroup[], ratesByCurrency: ReadonlyMap<string, readonly DatedRate[]>): AccountCurrencyTotal {
  // The common case (a report row's conversions all in the account's currency) without the maps.
  if (groups.every((g) => g.value_micro === null || g.currency === accountCurrency)) {
    let conversions = 0;
    let revenue = 0n;
    for (const group of groups) {
      conversions += group.conversions;
      if (group.value_micro !== null) revenue += BigInt(group.value_micro);
    }
    return { conversions, revenue_micro: revenue, converted: [], unconverted: [] };
  }
  let conversions = 0;
  let revenue = 0n;
  const converted = new Map<string, ConvertedPart>();
  const unconverted = new Map<string | null, UnconvertedPart>();
  for (const group of groups) {
    conversions += group.conversions;
    if (group.value_micro === null) continue;
    const value = BigInt(group.value_micro);
    if (group.currency === accountCurrency) {
      revenue += value;
      continue;
    }
    const rate = group.currency === null ? undefined : rateOn(ratesByCurrency.get(group.currency) ?? [], group.date);
    if (group.currency === null || rate === undefined) {
      const part = unconverted.get(group.currency) ?? { currency: group.currency, conversions: 0, value_micro: 0n };
      part.conversions += group.conversions;
      part.value_micro += value;
      unconverted.set(group.currency, part);
      continue;
    }
    const amount = convertMicro(value, rate.rate);
    revenue += amount;
    const key = `${group.currency} ${rate.date}`;
    const part = converted.get(key) ?? { currency: group.currency, rate_date: rate.date, rate: trimRate(rate.rate), conversions: 0, value_micro: 0n, converted_micro: 0n };
    part.conversions += group.conversions;
    part.value_micro += value;
    part.converted_micro += amount;
    converted.set(key, part);
  }
  const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return {
    conversions,
    revenue_micro: revenue,
    converted: [...converted.values()].sort(byKey((p) => `${p.currency} ${p.rate_date}`)),
    unconverted: [...unconverted.values()].sort(byKey((p) => p.currency ?? '~')),
  };
}
