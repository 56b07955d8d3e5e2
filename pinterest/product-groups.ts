import { z } from 'zod';
import type { AttributionSettings } from '../domain/attribution-settings';
import { SYNC_ANALYTICS_MAX_DAYS } from '../domain/pull-plan';
import { MAX_IDS_PER_CALL } from './analytics';
import type { PinterestHttp } from './http';

/**
 * Columns asked for per product group and day (names of the spec's sync `columns` enum): spend
 * (micro-units of the account's currency), paid impressions, pin clicks, outbound clicks,
 * checkouts and their value (micro-currency), and Pinterest's total conversions.
 */
export const PRODUCT_GROUP_COLUMNS = [
  'SPEND_IN_MICRO_DOLLAR',
  'PAID_IMPRESSION',
  'TOTAL_CLICKTHROUGH',
  'OUTBOUND_CLICK_1',
  'TOTAL_CHECKOUT',
  'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_CONVERSIONS',
] as const;

/** One product group's figures for one day: `YYYY-MM-DD` (account time zone) and every column returned. */
export interface ProductGroupRow {
  product_group_id: string;
  date: string;
  columns: Record<string, unknown>;
}

const promotionSchema = z.object({ id: z.string(), ad_group_id: z.string().nullish(), catalog_product_group_id: z.string().nullish() }).passthrough();
const pageSchema = z.object({ items: z.array(promotionSchema), bookmark: z.string().nullish() });

/**
 * The product groups promoted in one ad group (a shopping ad group's product group promotions,
 * every status), paged by `bookmark`. `GET /v5/ad_accounts/{id}/product_group_promotions?ad_group_id=`
 * (`product_group_promotions/list`, category `ads_read`).
 * @returns the catalog product group ids (the promotion's id when Pinterest gives none), each once.
 */
export async function listPromotedProductGroups(http: PinterestHttp, accessToken: string, adAccountId: string, adGroupId: string): Promise<string[]> {
  const ids = new Set<string>();
  let bookmark: string | undefined;
  do {
    const page = await http.request({
      method: 'GET',
      path: `/ad_accounts/${adAccountId}/product_group_promotions`,
      category: 'ads_read',
      accessToken,
      query: { ad_group_id: adGroupId, entity_statuses: ['ACTIVE', 'PAUSED', 'ARCHIVED'], page_size: 250, bookmark },
      schema: pageSchema,
    });
    for (const item of page.items) ids.add(item.catalog_product_group_id ?? item.id);
    bookmark = page.bookmark ?? undefined;
  } while (bookmark);
  return [...ids];
}

const rowSchema = z
  .object({ PRODUCT_GROUP_ID: z.string().regex(/^\d+$/), DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
  .catchall(z.unknown());

/**
 * Daily figures per product group: `GET /v5/ad_accounts/{id}/product_groups/analytics`
 * (`product_groups/analytics`, category `ads_analytics`), granularity DAY, the attribution settings
 * always sent. Dates are account-timezone `YYYY-MM-DD`; same limits as the other synchronous
 * analytics endpoints (start_date at most 90 days back, 91 days per call).
 * @throws RangeError for 0 or more than 250 ids, or more than 91 days (never sent to Pinterest).
 */
export async function getProductGroupAnalytics(
  http: PinterestHttp,
  accessToken: string,
  adAccountId: string,
  request: { ids: string[]; startDate: string; endDate: string; settings: AttributionSettings },
): Promise<ProductGroupRow[]> {
  if (request.ids.length === 0 || request.ids.length > MAX_IDS_PER_CALL) {
    throw new RangeError(`product_groups/analytics takes 1 to ${MAX_IDS_PER_CALL} ids, got ${request.ids.length}`);
  }
  const days = (Date.parse(request.endDate) - Date.parse(request.startDate)) / 86_400_000 + 1;
  if (!(days >= 1 && days <= SYNC_ANALYTICS_MAX_DAYS)) throw new RangeError(`product_groups/analytics takes 1 to ${SYNC_ANALYTICS_MAX_DAYS} days, got ${days}`);
  const rows = await http.request({
    method: 'GET',
    path: `/ad_accounts/${adAccountId}/product_groups/analytics`,
    category: 'ads_analytics',
    accessToken,
    query: {
      start_date: request.startDate,
      end_date: request.endDate,
      product_group_ids: request.ids,
      columns: PRODUCT_GROUP_COLUMNS.join(','),
      granularity: 'DAY',
      click_window_days: request.settings.click_window_days,
      engagement_window_days: request.settings.engagement_window_days,
      view_window_days: request.settings.view_window_days,
      conversion_report_time: request.settings.conversion_report_time,
    },
    schema: z.array(rowSchema),
  });
  return rows.map(({ PRODUCT_GROUP_ID, DATE, ...columns }) => ({ product_group_id: String(PRODUCT_GROUP_ID), date: String(DATE), columns }));
}
