import type { Kysely } from 'kysely';
import type { Database } from './database-schema';

/** How many conversions are in one pair of attribution state and Conversions API state. */
export interface ConversionStateCount {
  attribution_state: string;
  capi_state: string;
  /** Row count; PostgreSQL's count(*) arrives as text. */
  n: string;
}

/** Counts every stored conversion by attribution state and Conversions API state (pairs with none are left out). */
export async function countConversionsByState(db: Kysely<Database>): Promise<ConversionStateCount[]> {
  return db
    .selectFrom('conversions')
    .select(['attribution_state', 'capi_state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['attribution_state', 'capi_state'])
    .execute();
}

/**
 * Per ad account, its matched conversions the Conversions API has not yet taken: `capi_state`
 * `unsent`, `sending` or `posting` (accounts with none are left out).
 */
export async function countUnsentConversions(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('conversions')
    .select(['ad_account_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('attribution_state', '=', 'matched')
    .where('capi_state', 'in', ['unsent', 'sending', 'posting'])
    .groupBy('ad_account_id')
    .execute();
  return new Map(rows.map((row) => [row.ad_account_id, Number(row.n)]));
}
