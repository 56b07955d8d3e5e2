import { z } from 'zod';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { PinterestHttp } from './http';
import { createResponseSchema, getResponseSchema, ReportDownloadError } from './reports';

/**
 * Columns of the brand / category / SKU report (the spec's `ConversionProductReportingColumn`):
 * the SKU (catalog item id), its brand and category, and the checkout quantity and value in the
 * account's currency, beside all conversions.
 */
const SKU_REPORT_COLUMNS = [
  'CONVERSION_PRODUCT_ID',
  'CONVERSION_PRODUCT_BRAND',
  'CONVERSION_PRODUCT_CATEGORY',
  'TOTAL_CHECKOUT_CONVERSION_PRODUCT_QUANTITY',
  'TOTAL_CHECKOUT_CONVERSION_PRODUCT_VALUE',
  'TOTAL_CONVERSION_PRODUCT_QUANTITY',
  'TOTAL_CONVERSION_PRODUCT_VALUE',
] as const;

/** The report's shortest range: "7 day minimum time window for report is required". */
const SKU_REPORT_MIN_DAYS = 7;
/** Its longest: "A max of 1 year is allowed between the start and end date". */
const SKU_REPORT_MAX_DAYS = 366;


/**
 * Asks for a brand / category / SKU report of the whole account (level ADVERTISER, breakdown
 * PRODUCT_SKU) by week, over `startDate`..`endDate` (UTC dates, 7 days to a year).
 * `POST /v5/ad_accounts/{id}/reports/brand_category_sku` (`analytics/create_conversion_product_report`,
 * category `ads_analytics`). The report knows no engagement window: click and view windows and the
 * report time are sent.
 * @returns the token to poll with. @throws RangeError for a range outside 7 days to a year.
 */
export async function createSkuReport(
  http: PinterestHttp,
  accessToken: string,
  adAccountId: string,
  request: { startDate: string; endDate: string; settings: AttributionSettings },
): Promise<string> {
  const days = (Date.parse(request.endDate) - Date.parse(request.startDate)) / 86_400_000 + 1;
  if (!(days >= SKU_REPORT_MIN_DAYS && days <= SKU_REPORT_MAX_DAYS)) throw new RangeError(`a brand/category/SKU report covers ${SKU_REPORT_MIN_DAYS} to ${SKU_REPORT_MAX_DAYS} days, got ${days}`);
  const created = await http.request({
    method: 'POST',
    path: `/ad_accounts/${adAccountId}/reports/brand_category_sku`,
    category: 'ads_analytics',
    accessToken,
    json: {
      report_name: `routy-sku-${request.startDate}-${request.endDate}`,
      start_date: request.startDate,
      end_date: request.endDate,
      granularity: 'WEEK',
      level: 'ADVERTISER',
      conversion_product_breakdown: 'PRODUCT_SKU',
      columns: SKU_REPORT_COLUMNS,
      click_window_days: request.settings.click_window_days,
      view_window_days: request.settings.view_window_days,
      conversion_report_time: request.settings.conversion_report_time,
    },
    schema: createResponseSchema,
  });
  return created.token;
}

/**
 * A brand / category / SKU report's status and, once FINISHED, its download URL.
 * `GET /v5/ad_accounts/{id}/reports/brand_category_sku?token=` (`analytics/get_conversion_product_report`,
 * category `ads_read`).
 */
export function getSkuReport(http: PinterestHttp, accessToken: string, adAccountId: string, token: string) {
  return http.request({
    method: 'GET',
    path: `/ad_accounts/${adAccountId}/reports/brand_category_sku`,
    category: 'ads_read',
    accessToken,
    query: { token },
    schema: getResponseSchema,
  });
}

/** One SKU's figures for one reporting week: `date` its first day (`YYYY-MM-DD`), every column kept. */
export interface SkuReportRow {
  sku: string;
  date: string;
  columns: Record<string, unknown>;
}

const skuRowSchema = z
  .object({ DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}/), CONVERSION_PRODUCT_ID: z.union([z.string().min(1), z.number()]) })
  .catchall(z.unknown());

/**
 * Downloads a finished brand / category / SKU report (JSON: rows, or rows per key as the other
 * async reports give them). No Pinterest token: the URL is pre-signed.
 * @throws ReportDownloadError with the HTTP status when the link has expired or the download fails;
 * ZodError naming the field when a row has no `DATE` or `CONVERSION_PRODUCT_ID`.
 */
export async function downloadSkuReport(url: string, fetchImpl: typeof fetch = fetch): Promise<SkuReportRow[]> {
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new ReportDownloadError(response.status);
  const body = (await response.json()) as unknown;
  const rows = Array.isArray(body) ? body : Object.values(z.record(z.string(), z.array(z.unknown())).parse(body)).flat();
  return rows.map((raw) => {
    const { DATE, CONVERSION_PRODUCT_ID, ...columns } = skuRowSchema.parse(raw);
    return { sku: String(CONVERSION_PRODUCT_ID), date: DATE.slice(0, 10), columns };
  });
}
