import { z } from 'zod';
import type { AttributionSettings } from '../../workflows/messages';
import type { PinterestHttp } from './http';

/** At most this many ids per analytics call (query_ad_ids maxItems). */
export const MAX_IDS_PER_CALL = 250;
/** At most this many days per synchronous analytics call. */
export const MAX_DAYS_PER_CALL = 90;

/**
 * Columns pulled at ad (pin) level; every name is in the spec's `query_columns` enum
 * (checked in test against ../shared/pinterest/analytics-columns.txt).
 */
export const AD_METRIC_COLUMNS = [
  'SPEND_IN_MICRO_DOLLAR',
  'PAID_IMPRESSION',
  'TOTAL_IMPRESSION',
  'REPIN_1',
  'REPIN_2',
  'TOTAL_CLICKTHROUGH',
  'OUTBOUND_CLICK_1',
  'OUTBOUND_CLICK_2',
  'TOTAL_ENGAGEMENT',
  'TOTAL_CONVERSIONS',
  'TOTAL_CHECKOUT',
  'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
] as const;

/** One row of components.schemas.AdsAnalyticsResponse: `AD_ID`, `DATE`, and the columns asked for. */
export const adAnalyticsRowSchema = z
  .object({ AD_ID: z.string().regex(/^\d+$/), DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
  .catchall(z.unknown());

export type AdAnalyticsRow = z.infer<typeof adAnalyticsRowSchema>;

/**
 * Daily metrics per ad. `GET /v5/ad_accounts/{id}/ads/analytics` (`ads/analytics`, rate-limit
 * category `ads_analytics`). Dates are `YYYY-MM-DD`; the attribution windows are always sent.
 * @throws RangeError when more than 250 ids or 90 days are asked for (never sent to Pinterest).
 */
export function getAdAnalytics(
  http: PinterestHttp,
  accessToken: string,
  adAccountId: string,
  request: { adIds: string[]; startDate: string; endDate: string; settings: AttributionSettings },
): Promise<AdAnalyticsRow[]> {
  if (request.adIds.length === 0 || request.adIds.length > MAX_IDS_PER_CALL) {
    throw new RangeError(`ads/analytics takes 1 to ${MAX_IDS_PER_CALL} ad ids, got ${request.adIds.length}`);
  }
  const days = (Date.parse(request.endDate) - Date.parse(request.startDate)) / 86_400_000 + 1;
  if (!(days >= 1 && days <= MAX_DAYS_PER_CALL)) {
    throw new RangeError(`ads/analytics takes 1 to ${MAX_DAYS_PER_CALL} days, got ${days}`);
  }
  return http.request({
    method: 'GET',
    path: `/ad_accounts/${adAccountId}/ads/analytics`,
    accessToken,
    query: {
      start_date: request.startDate,
      end_date: request.endDate,
      ad_ids: request.adIds,
      columns: AD_METRIC_COLUMNS.join(','),
      granularity: 'DAY',
      click_window_days: request.settings.click_window_days,
      engagement_window_days: request.settings.engagement_window_days,
      view_window_days: request.settings.view_window_days,
      conversion_report_time: request.settings.conversion_report_time,
    },
    schema: z.array(adAnalyticsRowSchema),
  });
}
