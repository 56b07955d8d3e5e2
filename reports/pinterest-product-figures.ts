import { sql, type Kysely, type Selectable } from 'kysely';
import type { AdAccountsTable, Database } from '../store/database-schema';

/** Pinterest's own figures for one product over a range, under the account's attribution settings. */
export interface PinterestProductFigures {
  conversions: number;
  /** Micro-currency of the ad account's currency. */
  conversion_value_micro: number;
}

/**
 * Pinterest's product figures (checkout conversions and their value per SKU) of an ad account over
 * [startDate, endDate] (account-timezone dates), by SKU, from `product_metrics_daily` rows of
 * source `sku` (the brand / category / SKU report) pulled under the account's current attribution
 * settings. That report's finest granularity is a week (Monday to Sunday, UTC), so only the weeks
 * lying wholly inside the range are summed: for a range not made of whole weeks Pinterest's figure
 * covers fewer days than Routy's (README "Reports"). A SKU without such a week is absent.
 */
export async function pinterestProductFigures(
  db: Kysely<Database>,
  account: Selectable<AdAccountsTable>,
  startDate: string,
  endDate: string,
): Promise<Map<string, PinterestProductFigures>> {
  const rows = await db
    .selectFrom('product_metrics_daily')
    .select(['product_key', sql<string>`sum(conversions)`.as('conversions'), sql<string>`sum(conversion_value_micro)`.as('value_micro')])
    .where('ad_account_id', '=', account.ad_account_id)
    .where('source', '=', 'sku')
    .where('click_window_days', '=', account.click_window_days)
    .where('engagement_window_days', '=', account.engagement_window_days)
    .where('view_window_days', '=', account.view_window_days)
    .where('conversion_report_time', '=', account.conversion_report_time)
    .where('date', '>=', startDate)
    .where('period_end_date', '<=', endDate)
    .groupBy('product_key')
    .execute();
  return new Map(rows.map((r) => [r.product_key, { conversions: Number(r.conversions ?? 0), conversion_value_micro: Number(r.value_micro ?? 0) }]));
}
