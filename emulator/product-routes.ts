import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import { productGroupDailyMetrics, productGroups, SEED_CATALOG, skuDailyCheckouts } from './product-seed';
import type { ReportJobs } from './report-jobs';
import { asArray, filterStatuses, knownAccount, sendError } from './route-helpers';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The shopping routes: `GET /v5/ad_accounts/{id}/product_group_promotions` (by `ad_group_id` or
 * `product_group_promotion_ids`), `GET .../product_groups/analytics` (granularity DAY, 1 to 250
 * ids, the synchronous endpoints' 90-day limits), and the brand / category / SKU report:
 * `POST .../reports/brand_category_sku` (level ADVERTISER, breakdown PRODUCT_SKU, granularity
 * WEEK, 7 days to a year from 2024-03-17), `GET` with `token` (two polls IN_PROGRESS, then the
 * job's outcome) and the file the FINISHED answer links to (one row per SKU and 7-day period from
 * start_date, amounts in the account's currency units). Figures come from emulator/product-seed.ts.
 * @param origin the emulator's base URL once it listens, for the file link.
 */
export function registerProductRoutes(server: FastifyInstance, { seed, now, grants }: EmulatorContext, jobs: ReportJobs, origin: () => string): void {
  server.get('/v5/ad_accounts/:ad_account_id/product_group_promotions', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const q = request.query as Record<string, unknown>;
    const promotionIds = asArray(q.product_group_promotion_ids);
    if (promotionIds.length === 0 && typeof q.ad_group_id !== 'string') return sendError(reply, 400, 1, 'Include either ad_group_id or product_group_promotion_ids.');
    const groups = productGroups(seed, ad_account_id).filter((g) => (promotionIds.length ? promotionIds.includes(g.promotion_id) : g.ad_group_id === q.ad_group_id));
    const items = groups.map((g) => ({
      id: g.promotion_id,
      ad_group_id: g.ad_group_id,
      catalog_product_group_id: g.id,
      catalog_product_group_name: g.name,
      creative_type: 'SHOPPING',
      status: g.ad.status,
    }));
    return { items: filterStatuses(items, q), bookmark: null };
  });

  server.get('/v5/ad_accounts/:ad_account_id/product_groups/analytics', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const q = request.query as Record<string, unknown>;
    const ids = asArray(q.product_group_ids);
    const columns = asArray(q.columns).flatMap((c) => c.split(','));
    const start = String(q.start_date ?? '');
    const end = String(q.end_date ?? '');
    if (!DATE.test(start) || !DATE.test(end)) return sendError(reply, 400, 1, 'start_date and end_date must be YYYY-MM-DD.');
    if (ids.length === 0 || ids.length > 250 || !ids.every((id) => /^\d+$/.test(id))) return sendError(reply, 400, 1, 'product_group_ids must hold 1 to 250 ids.');
    if (columns.length === 0) return sendError(reply, 400, 1, 'columns is required.');
    if (q.granularity !== 'DAY') return sendError(reply, 400, 1, 'The emulator serves granularity DAY only.');
    const today = dayOf(now().getTime());
    const span = (Date.parse(end) - Date.parse(start)) / DAY_MS;
    if (span < 0 || span > 90) return sendError(reply, 400, 1, 'end_date cannot be more than 90 days past start_date.');
    if ((Date.parse(today) - Date.parse(start)) / DAY_MS > 90) return sendError(reply, 400, 1, 'start_date cannot be more than 90 days back.');
    const rows: Array<Record<string, unknown>> = [];
    for (const group of productGroups(seed, ad_account_id).filter((g) => ids.includes(g.id))) {
      for (let d = Date.parse(start); d <= Date.parse(end); d += DAY_MS) {
        const metrics = productGroupDailyMetrics(seed, group, dayOf(d), (Date.parse(today) - d) / DAY_MS);
        if (!metrics) continue;
        const row: Record<string, unknown> = { PRODUCT_GROUP_ID: group.id, DATE: dayOf(d) };
        for (const column of columns) if (column in metrics) row[column] = metrics[column];
        rows.push(row);
      }
    }
    return rows;
  });

  server.post('/v5/ad_accounts/:ad_account_id/reports/brand_category_sku', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const start = String(body.start_date ?? '');
    const end = String(body.end_date ?? '');
    const invalid = (message: string) => sendError(reply, 400, 1, `Invalid ad account ads analytics brand, category, SKU parameters: ${message}`);
    if (typeof body.report_name !== 'string' || !body.report_name) return invalid('report_name is required.');
    if (!DATE.test(start) || !DATE.test(end) || end < start) return invalid('start_date and end_date must be YYYY-MM-DD, start first.');
    if (start <= '2024-03-16') return invalid('start_date must be after 2024-03-16.');
    const days = (Date.parse(end) - Date.parse(start)) / DAY_MS + 1;
    if (days < 7 || days > 366) return invalid('the report covers 7 days to a year.');
    if (body.level !== 'ADVERTISER' || body.conversion_product_breakdown !== 'PRODUCT_SKU' || body.granularity !== 'WEEK') {
      return invalid('the emulator serves level ADVERTISER, breakdown PRODUCT_SKU, granularity WEEK only.');
    }
    const token = jobs.create({ adAccountId: ad_account_id, startDate: start, endDate: end, columns: asArray(body.columns) });
    return { report_status: 'IN_PROGRESS', token, message: null };
  });

  server.get('/v5/ad_accounts/:ad_account_id/reports/brand_category_sku', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const job = jobs.get(String((request.query as Record<string, unknown>).token ?? ''));
    if (!job || job.adAccountId !== ad_account_id) return { report_status: 'DOES_NOT_EXIST', url: null, size: null };
    if (job.pollsUntilDone > 0) {
      job.pollsUntilDone -= 1;
      return { report_status: 'IN_PROGRESS', url: null, size: null };
    }
    if (job.outcome !== 'FINISHED') return { report_status: job.outcome, url: null, size: null };
    job.finishedAt ??= now().getTime();
    return { report_status: 'FINISHED', url: `${origin()}/_emulator/sku-report-files/${(request.query as { token: string }).token}.json`, size: 1 };
  });

  // Stands in for the pre-signed storage link: valid 5 minutes.
  server.get('/_emulator/sku-report-files/:file', async (request, reply) => {
    const job = jobs.get((request.params as { file: string }).file.replace(/\.json$/, ''));
    if (!job?.finishedAt) return reply.code(404).send('NoSuchKey');
    if (now().getTime() - job.finishedAt > 5 * 60_000) return reply.code(403).send('Request has expired');
    const today = Date.parse(dayOf(now().getTime()));
    const rows: Array<Record<string, unknown>> = [];
    for (let week = Date.parse(job.startDate); week <= Date.parse(job.endDate); week += 7 * DAY_MS) {
      const last = Math.min(week + 6 * DAY_MS, Date.parse(job.endDate));
      for (const sku of SEED_CATALOG) {
        let quantity = 0;
        let value = 0;
        for (let d = week; d <= last; d += DAY_MS) {
          const day = skuDailyCheckouts(seed, job.adAccountId, sku, dayOf(d), (today - d) / DAY_MS);
          quantity += day?.quantity ?? 0;
          value += day?.value ?? 0;
        }
        if (quantity === 0) continue;
        const figures: Record<string, unknown> = {
          CONVERSION_PRODUCT_ID: sku.sku,
          CONVERSION_PRODUCT_BRAND: sku.brand,
          CONVERSION_PRODUCT_CATEGORY: sku.category,
          TOTAL_CHECKOUT_CONVERSION_PRODUCT_QUANTITY: quantity,
          TOTAL_CHECKOUT_CONVERSION_PRODUCT_VALUE: Math.round(value * 100) / 100,
          TOTAL_CONVERSION_PRODUCT_QUANTITY: quantity,
          TOTAL_CONVERSION_PRODUCT_VALUE: Math.round(value * 100) / 100,
        };
        const row: Record<string, unknown> = { DATE: dayOf(week) };
        for (const column of job.columns) if (column in figures) row[column] = figures[column];
        rows.push(row);
      }
    }
    return rows;
  });
}
