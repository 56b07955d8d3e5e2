import { z } from 'zod';
import { REPORT_MAX_DAYS } from '../domain/pull-plan';
import type { AttributionSettings } from '../domain/attribution-settings';
import { METRIC_COLUMNS, type AnalyticsRow } from './analytics';
import type { PinterestHttp } from './http';


/** BulkReportingJobStatus. */
export const REPORT_STATUSES = ['DOES_NOT_EXIST', 'FINISHED', 'IN_PROGRESS', 'EXPIRED', 'FAILED', 'CANCELLED'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** An async report's creation answer (the ad report's and the brand / category / SKU report's alike). */
export const createResponseSchema = z.object({ token: z.string().min(1), report_status: z.string().optional(), message: z.string().nullish() });
/** An async report's status answer, with its download `url` once FINISHED. */
export const getResponseSchema = z.object({ report_status: z.enum(REPORT_STATUSES), url: z.string().nullish(), size: z.number().nullish() });

/**
 * Asks Pinterest for an async report of daily ad (`PIN_PROMOTION`) metrics over up to 186 days.
 * `POST /v5/ad_accounts/{id}/reports` (`analytics/create_report`, category `ads_analytics`).
 * @returns the report token to poll with.
 */
export async function createAdReport(
  http: PinterestHttp,
  accessToken: string,
  adAccountId: string,
  request: { startDate: string; endDate: string; settings: AttributionSettings },
): Promise<string> {
  const days = (Date.parse(request.endDate) - Date.parse(request.startDate)) / 86_400_000 + 1;
  if (!(days >= 1 && days <= REPORT_MAX_DAYS)) throw new RangeError(`a report covers 1 to ${REPORT_MAX_DAYS} days, got ${days}`);
  const created = await http.request({
    method: 'POST',
    path: `/ad_accounts/${adAccountId}/reports`,
    category: 'ads_analytics',
    accessToken,
    json: {
      start_date: request.startDate,
      end_date: request.endDate,
      granularity: 'DAY',
      level: 'PIN_PROMOTION',
      columns: ['PIN_PROMOTION_ID', 'AD_GROUP_ID', 'CAMPAIGN_ID', ...METRIC_COLUMNS],
      report_format: 'JSON',
      ...request.settings,
    },
    schema: createResponseSchema,
  });
  return created.token;
}

/**
 * A report's status and, once FINISHED, its download URL (valid 5 minutes).
 * `GET /v5/ad_accounts/{id}/reports?token=` (`analytics/get_report`, category `ads_analytics`).
 */
export function getReport(http: PinterestHttp, accessToken: string, adAccountId: string, token: string) {
  return http.request({
    method: 'GET',
    path: `/ad_accounts/${adAccountId}/reports`,
    category: 'ads_analytics',
    accessToken,
    query: { token },
    schema: getResponseSchema,
  });
}

const reportRowSchema = z
  .object({ DATE: z.string().regex(/^\d{4}-\d{2}-\d{2}/), PIN_PROMOTION_ID: z.union([z.string(), z.number()]).optional(), AD_ID: z.union([z.string(), z.number()]).optional() })
  .catchall(z.unknown());

/**
 * A non-2xx answer to a report download, with its HTTP status (403 or 404 once the pre-signed link
 * has expired).
 */
export class ReportDownloadError extends Error {
  constructor(readonly status: number) {
    super(`report download answered HTTP ${status}`);
    // `name` stays 'Error': activities quote `String(error)` in failure messages that must not change.
  }
}

/**
 * Downloads a finished JSON report (no Pinterest token: the URL is pre-signed) and returns its
 * rows per ad. Pinterest's JSON report maps each entity id to its daily rows; a bare array of rows
 * is read as well.
 * @throws ReportDownloadError with the HTTP status when the link has expired or the download fails.
 */
export async function downloadAdReport(url: string, fetchImpl: typeof fetch = fetch): Promise<AnalyticsRow[]> {
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new ReportDownloadError(response.status);
  const body = (await response.json()) as unknown;
  const rows = Array.isArray(body) ? body : Object.values(z.record(z.string(), z.array(z.unknown())).parse(body)).flat();
  return rows.map((raw) => {
    const row = reportRowSchema.parse(raw);
    const { DATE, PIN_PROMOTION_ID, AD_ID, ...columns } = row;
    const id = String(PIN_PROMOTION_ID ?? AD_ID ?? '');
    if (!/^\d+$/.test(id)) throw new Error('a report row has no PIN_PROMOTION_ID');
    return { entity_id: id, date: DATE.slice(0, 10), columns };
  });
}
