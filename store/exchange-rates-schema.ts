import type { ColumnType } from 'kysely';

/**
 * The operator's dated exchange rates (migration 2026-12-03T01-00): one unit of `from_currency`
 * is worth `rate` units of `to_currency` on `date`. Loaded through `PUT /v1/exchange-rates` or
 * `npx routy-pinterest exchange-rates load`; reports convert a conversion's value with the rate
 * dated on its account-timezone conversion date, else the latest one before it.
 */
export interface ExchangeRatesTable {
  /** ISO 4217 code of the converted currency (the conversion's). */
  from_currency: string;
  /** ISO 4217 code of the currency converted into (the ad account's). */
  to_currency: string;
  /** `YYYY-MM-DD`, the day the rate is for. */
  date: ColumnType<string, string, string>;
  /** A positive decimal (numeric(30,12)), as pg returns numeric: a string. */
  rate: ColumnType<string, string, string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}
