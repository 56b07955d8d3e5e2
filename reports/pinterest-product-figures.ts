import type { Kysely, Selectable } from 'kysely';
import type { AdAccountsTable, Database } from '../store/database-schema';

/** Pinterest's own figures for one product over a range, under the account's attribution settings. */
export interface PinterestProductFigures {
  conversions: number;
  /** Micro-currency of the ad account's currency. */
  conversion_value_micro: number;
}

/**
 * Pinterest's product figures (conversions and conversion value per SKU) of an ad account over
 * [startDate, endDate] (account-timezone dates), by SKU.
 *
 * TODO(issue 16): read table `product_metrics_daily` (source 'sku', product_key = SKU, summed over
 * the range under the account's click / engagement / view windows and conversion_report_time),
 * added by the Pinterest product pulls (branch i16-products-pull). Until it is wired this returns
 * an empty map, and the products report's `pinterest_*` fields stay null.
 */
export async function pinterestProductFigures(
  _db: Kysely<Database>,
  _account: Selectable<AdAccountsTable>,
  _startDate: string,
  _endDate: string,
): Promise<Map<string, PinterestProductFigures>> {
  return new Map();
}
