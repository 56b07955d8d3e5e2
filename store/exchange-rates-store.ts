import { sql, type Kysely } from 'kysely';
import { trimRate, type DatedRate, type ExchangeRate } from '../domain/exchange-rates';
import type { Database } from './database-schema';

/**
 * Stores validated rates (see `exchangeRatesBodySchema`: no two for the same date, from and to),
 * replacing the rate already stored for the same date, from and to. One statement per 1,000.
 * @returns how many rates were written.
 */
export async function upsertExchangeRates(db: Kysely<Database>, rates: readonly ExchangeRate[]): Promise<number> {
  for (let i = 0; i < rates.length; i += 1000) {
    await db
      .insertInto('exchange_rates')
      .values(rates.slice(i, i + 1000).map((r) => ({ from_currency: r.from, to_currency: r.to, date: r.date, rate: r.rate })))
      .onConflict((oc) => oc.columns(['from_currency', 'to_currency', 'date']).doUpdateSet({ rate: (eb) => eb.ref('excluded.rate'), updated_at: sql`now()` }))
      .execute();
  }
  return rates.length;
}

/**
 * Stored rates, filtered by `from`, `to` and an inclusive date range (`YYYY-MM-DD`), ordered by
 * from, to and date; each rate a decimal string without trailing zeros.
 */
export async function listExchangeRates(
  db: Kysely<Database>,
  filter: { from?: string; to?: string; start_date?: string; end_date?: string },
): Promise<ExchangeRate[]> {
  const rows = await db
    .selectFrom('exchange_rates')
    .select(['from_currency', 'to_currency', sql<string>`to_char(date, 'YYYY-MM-DD')`.as('date'), 'rate'])
    .$if(filter.from !== undefined, (q) => q.where('from_currency', '=', filter.from!))
    .$if(filter.to !== undefined, (q) => q.where('to_currency', '=', filter.to!))
    .$if(filter.start_date !== undefined, (q) => q.where('date', '>=', filter.start_date!))
    .$if(filter.end_date !== undefined, (q) => q.where('date', '<=', filter.end_date!))
    .orderBy('from_currency')
    .orderBy('to_currency')
    .orderBy('date')
    .execute();
  return rows.map((r) => ({ date: r.date, from: r.from_currency, to: r.to_currency, rate: trimRate(r.rate) }));
}

/**
 * The rates a report over [startDate, endDate] (account-timezone dates) can use to convert
 * `fromCurrencies` into `toCurrency`: those dated in the range and the latest one before it.
 * @returns by from-currency, sorted by date ascending.
 */
export async function ratesForReport(
  db: Kysely<Database>,
  toCurrency: string,
  fromCurrencies: readonly string[],
  startDate: string,
  endDate: string,
): Promise<Map<string, DatedRate[]>> {
  const byCurrency = new Map<string, DatedRate[]>();
  if (fromCurrencies.length === 0) return byCurrency;
  const { rows } = await sql<{ from_currency: string; date: string; rate: string }>`
    (SELECT from_currency, to_char(date, 'YYYY-MM-DD') AS date, rate FROM exchange_rates
     WHERE to_currency = ${toCurrency} AND from_currency IN (${sql.join(fromCurrencies)}) AND date BETWEEN ${startDate}::date AND ${endDate}::date)
    UNION ALL
    (SELECT DISTINCT ON (from_currency) from_currency, to_char(date, 'YYYY-MM-DD'), rate FROM exchange_rates
     WHERE to_currency = ${toCurrency} AND from_currency IN (${sql.join(fromCurrencies)}) AND date < ${startDate}::date
     ORDER BY from_currency, date DESC)`.execute(db);
  for (const row of rows) byCurrency.set(row.from_currency, [...(byCurrency.get(row.from_currency) ?? []), { date: row.date, rate: row.rate }]);
  for (const rates of byCurrency.values()) rates.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return byCurrency;
}
