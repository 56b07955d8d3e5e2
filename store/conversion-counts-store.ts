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
