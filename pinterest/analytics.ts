import { z } from 'zod';
import type { AttributionSettings } from '../domain/attribution-settings';
import { SYNC_ANALYTICS_MAX_DAYS } from '../domain/pull-plan';
import type { PinterestHttp } from './http';

/** At most this many ids per analytics call (query_ad_ids maxItems). */
export const MAX_IDS_PER_CALL = 250;

/** Reporting levels with a synchronous analytics endpoint: `ad` is pin level. */
export type MetricLevel = 'campaign' | 'ad_group' | 'ad';

const LEVELS: Record<MetricLevel, { path: string; idsParam: string; idColumn: 'CAMPAIGN_ID' | 'AD_GROUP_ID' | 'AD_ID' }> = {
  campaign: { path: 'campaigns', idsParam: 'campaign_ids', idColumn: 'CAMPAIGN_ID' },
  ad_group: { path: 'ad_groups', idsParam: 'ad_group_ids', idColumn: 'AD_GROUP_ID' },
  ad: { path: 'ads', idsParam: 'ad_ids', idColumn: 'AD_ID' },
};

/**
 * Columns pulled at every level; each name is in the spec's sync `columns` enum (checked in test
 * against ../shared/pinterest/analytics-columns.txt). Paid (`_1`) and earned (`_2`) splits,
 * engagement, video (3-second views paid and earned, quartiles P25 to P95 and completions), Idea
 * Pin, add-to-cart and checkout metrics, and Pinterest-reported conversions.
 */
export const METRIC_COLUMNS = [
  'SPEND_IN_MICRO_DOLLAR',
  'PAID_IMPRESSION',
  'IMPRESSION_1',
  'IMPRESSION_2',
  'TOTAL_IMPRESSION',
  'REPIN_1',
  'REPIN_2',
  'CLICKTHROUGH_1',
  'CLICKTHROUGH_2',
  'TOTAL_CLICKTHROUGH',
  'OUTBOUND_CLICK_1',
  'OUTBOUND_CLICK_2',
  'ENGAGEMENT_1',
  'ENGAGEMENT_2',
  'TOTAL_ENGAGEMENT',
  'TOTAL_WEB_SESSIONS',
  'VIDEO_MRC_VIEWS_1',
  'VIDEO_MRC_VIEWS_2',
  'TOTAL_VIDEO_MRC_VIEWS',
  'VIDEO_3SEC_VIEWS_1',
  'VIDEO_3SEC_VIEWS_2',
  'TOTAL_VIDEO_3SEC_VIEWS',
  'TOTAL_VIDEO_P25_COMBINED',
  'TOTAL_VIDEO_P50_COMBINED',
  'TOTAL_VIDEO_P75_COMBINED',
  'TOTAL_VIDEO_P95_COMBINED',
  'TOTAL_VIDEO_P100_COMPLETE',
  'IDEA_PIN_PRODUCT_TAG_VISIT_1',
  'IDEA_PIN_PRODUCT_TAG_VISIT_2',
  'TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT',
  'TOTAL_PAGE_VISIT',
  'TOTAL_SIGNUP',
  'TOTAL_LEAD',
  'TOTAL_CUSTOM',
  'TOTAL_CONVERSIONS',
  'TOTAL_CHECKOUT',
  'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_CLICK_CHECKOUT',
  'TOTAL_CLICK_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_CLICK_ADD_TO_CART',
  'TOTAL_ENGAGEMENT_CHECKOUT',
  'TOTAL_ENGAGEMENT_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_VIEW_CHECKOUT',
  'TOTAL_VIEW_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_WEB_CHECKOUT',
  'TOTAL_OFFLINE_CHECKOUT',
] as const;

/** The columns one call asks for: the fixed set, then the account's extra ones not in it, each once. */
export function requestedColumns(extra: readonly string[] = []): string[] {
  return [...new Set<string>([...METRIC_COLUMNS, ...extra])];
}

/** One analytics row, normalized: the entity id whatever its level, the date, and every column returned. */
export interface AnalyticsRow {
  entity_id: string;
  /** `YYYY-MM-DD`. */
  date: string;
  columns: Record<string, unknown>;
}

const rowSchema = (idColumn: string) =>
  z
    .object({ [idColumn]: z.string().regex(/^\d+$/), DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
    .catchall(z.unknown());

/**
 * Daily metrics per entity of one level: `GET /v5/ad_accounts/{id}/{campaigns|ad_groups|ads}/analytics`
 * (`campaigns/analytics`, `ad_groups/analytics`, `ads/analytics`; rate-limit category
 * `ads_analytics`). Dates are account-timezone `YYYY-MM-DD`; the attribution windows are always sent.
 * Asks for `METRIC_COLUMNS` plus `extraColumns` (names of the spec's sync `columns` enum, already
 * validated); every column returned lands in the row's `columns`.
 * @throws RangeError when more than 250 ids or 91 days (end_date more than 90 days past
 * start_date) are asked for (never sent to Pinterest).
 */
export async function getAnalytics(
  http: PinterestHttp,
  accessToken: string,
  adAccountId: string,
  request: { level: MetricLevel; ids: string[]; startDate: string; endDate: string; settings: AttributionSettings; extraColumns?: readonly string[] },
): Promise<AnalyticsRow[]> {
  const level = LEVELS[request.level];
  if (request.ids.length === 0 || request.ids.length > MAX_IDS_PER_CALL) {
    throw new RangeError(`${level.path}/analytics takes 1 to ${MAX_IDS_PER_CALL} ids, got ${request.ids.length}`);
  }
  const days = (Date.parse(request.endDate) - Date.parse(request.startDate)) / 86_400_000 + 1;
  if (!(days >= 1 && days <= SYNC_ANALYTICS_MAX_DAYS)) {
    throw new RangeError(`${level.path}/analytics takes 1 to ${SYNC_ANALYTICS_MAX_DAYS} days, got ${days}`);
  }
  const rows = await http.request({
    method: 'GET',
    path: `/ad_accounts/${adAccountId}/${level.path}/analytics`,
    category: 'ads_analytics',
    accessToken,
    query: {
      start_date: request.startDate,
      end_date: request.endDate,
      [level.idsParam]: request.ids,
      columns: requestedColumns(request.extraColumns).join(','),
      granularity: 'DAY',
      click_window_days: request.settings.click_window_days,
      engagement_window_days: request.settings.engagement_window_days,
      view_window_days: request.settings.view_window_days,
      conversion_report_time: request.settings.conversion_report_time,
    },
    schema: z.array(rowSchema(level.idColumn)),
  });
  return rows.map((row) => {
    const { [level.idColumn]: id, DATE, ...columns } = row;
    return { entity_id: String(id), date: String(DATE), columns };
  });
}
