// Activities that read Pinterest's product-level figures: product group analytics (synchronous)
// and the brand / category / SKU conversion report (asynchronous, polled like the backfill reports).
import { activityInfo } from '@temporalio/activity';
import { sql, type Kysely } from 'kysely';
import type { AttributionSettings } from '../domain/attribution-settings';
import { addDays, dateInTimeZone } from '../domain/dates';
import { planPull } from '../domain/pull-plan';
import { skuReportRange } from '../domain/sku-report-range';
import { rowsPulled } from '../observability/metrics';
import { MAX_IDS_PER_CALL } from '../pinterest/analytics';
import type { PinterestHttp } from '../pinterest/http';
import { getProductGroupAnalytics, listPromotedProductGroups } from '../pinterest/product-groups';
import { createSkuReport, downloadSkuReport, getSkuReport } from '../pinterest/sku-reports';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';
import { upsertProductMetrics } from '../store/product-metrics-store';
import { asReportDownloadFailure, reportDownloadUrl } from './activity-failures';
import { beat } from './heartbeat';
import type { PinterestGrant } from './pinterest-grant';

/** The newest stored day of one product source for the account, or null. */
async function newestStored(db: Kysely<Database>, adAccountId: string, source: 'product_group' | 'sku'): Promise<string | null> {
  const row = await db
    .selectFrom('product_metrics_daily')
    .select(sql<string | null>`max(date)::text`.as('newest'))
    .where('ad_account_id', '=', adAccountId)
    .where('source', '=', source)
    .executeTakeFirst();
  return row?.newest ?? null;
}

/** Builds the product activities over the store, the Pinterest client and the grant policy; `now` is the wall clock. */
export function createProductActivities(deps: { db: Kysely<Database>; http: PinterestHttp; grant: PinterestGrant; now: () => Date }) {
  const { db, http, grant, now } = deps;
  const { withToken } = grant;

  return {
    /**
     * Pulls daily figures of every product group promoted in the account's shopping ad groups (ad
     * groups with a SHOPPING ad) and upserts them per product group and day
     * (`product_metrics_daily`, source `product_group`), in the account's currency. The range is
     * the metrics pull's (`planPull`): today (partial) and at least `min_days` (restatement),
     * back to the newest stored product group day or, never pulled, `backfill_days`; no earlier
     * than the synchronous endpoints serve. Calls take at most 250 ids and 91 days; progress is
     * heartbeated. Source: `product_group_promotions/list`, `product_groups/analytics`.
     * @returns rows upserted and product groups asked about.
     */
    async pullProductGroups(input: { ad_account_id: string; min_days: number; backfill_days: number; settings: AttributionSettings }): Promise<{ rows: number; product_groups: number }> {
      const id = input.ad_account_id;
      const account = await getAdAccount(db, id);
      const at = now();
      const today = dateInTimeZone(at, account.time_zone ?? 'UTC');
      const createdDate = account.created_time ? dateInTimeZone(account.created_time, account.time_zone ?? 'UTC') : null;
      const plan = planPull({
        today,
        utcToday: at.toISOString().slice(0, 10),
        lastPulledThrough: await newestStored(db, id, 'product_group'),
        minDays: input.min_days,
        backfillDays: input.backfill_days,
        createdDate,
      });
      const shoppingGroups = await db.selectFrom('ads').select('ad_group_id').distinct().where('ad_account_id', '=', id).where('creative_type', '=', 'SHOPPING').orderBy('ad_group_id').execute();
      const groupIds = new Set<string>();
      for (const { ad_group_id } of shoppingGroups) {
        if (!ad_group_id) continue;
        for (const productGroupId of await withToken(id, (token) => listPromotedProductGroups(http, token, id, ad_group_id))) groupIds.add(productGroupId);
      }
      const ids = [...groupIds].sort();
      const resumed = activityInfo().heartbeatDetails as { next: number; rows: number } | undefined;
      let rows = resumed?.rows ?? 0;
      for (let i = resumed?.next ?? 0; i < ids.length; i += MAX_IDS_PER_CALL) {
        const chunk = ids.slice(i, i + MAX_IDS_PER_CALL);
        const result = await withToken(id, (token) => getProductGroupAnalytics(http, token, id, { ids: chunk, startDate: plan.start_date, endDate: today, settings: input.settings }));
        const written = await upsertProductMetrics(db, {
          adAccountId: id,
          source: 'product_group',
          currency: account.currency,
          settings: input.settings,
          rows: result.map((row) => ({ product_key: row.product_group_id, date: row.date, period_end_date: row.date, columns: row.columns })),
          today,
          now: now(),
        });
        rowsPulled.inc({ level: 'product_group' }, written);
        rows += written;
        beat({ next: i + MAX_IDS_PER_CALL, rows });
      }
      return { rows, product_groups: ids.length };
    },

    /**
     * Asks for the brand / category / SKU report by week over whole weeks (Monday to Sunday, UTC,
     * as the report's dates are) from the week holding the restatement window's first day (at
     * least `min_days` back, or back to the newest stored SKU week, or `backfill_days` when never
     * pulled; at most a year and not before 2024-03-17) through today: at least 7 days.
     * Source: `analytics/create_conversion_product_report`. @returns the token and the range asked for.
     */
    async requestSkuReport(input: { ad_account_id: string; min_days: number; backfill_days: number; settings: AttributionSettings }): Promise<{ token: string; start_date: string; end_date: string }> {
      const id = input.ad_account_id;
      const today = now().toISOString().slice(0, 10);
      const { start_date: start } = skuReportRange({ today, minDays: input.min_days, backfillDays: input.backfill_days, newestStored: await newestStored(db, id, 'sku') });
      const token = await withToken(id, (t) => createSkuReport(http, t, id, { startDate: start, endDate: today, settings: input.settings }));
      return { token, start_date: start, end_date: today };
    },

    /**
     * Polls a brand / category / SKU report once, like `collectAdReport`: IN_PROGRESS fails
     * retryably (Temporal's retry policy is the polling loop); FINISHED downloads the file at once
     * and upserts one row per SKU and week (source `sku`, `date` the week's Monday,
     * `period_end_date` its Sunday or the report's end), partial while the week holds today (UTC);
     * EXPIRED or a dead link: non-retryable `PinterestReportExpired`; FAILED and the rest:
     * `PinterestReportFailed`. Source: `analytics/get_conversion_product_report`. @returns rows upserted.
     */
    async collectSkuReport(input: { ad_account_id: string; token: string; start_date: string; end_date: string; settings: AttributionSettings }): Promise<{ rows: number }> {
      const id = input.ad_account_id;
      const report = await withToken(id, (token) => getSkuReport(http, token, id, input.token));
      const url = reportDownloadUrl(report);
      let rows;
      try {
        rows = await downloadSkuReport(url);
      } catch (error) {
        throw asReportDownloadFailure(error);
      }
      const account = await getAdAccount(db, id);
      const periodEnd = (date: string) => [addDays(date, 6), input.end_date].reduce((min, d) => (d < min ? d : min));
      const written = await upsertProductMetrics(db, {
        adAccountId: id,
        source: 'sku',
        currency: account.currency,
        settings: input.settings,
        rows: rows.map((row) => ({ product_key: row.sku, date: row.date, period_end_date: periodEnd(row.date), columns: row.columns })),
        today: now().toISOString().slice(0, 10),
        now: now(),
      });
      rowsPulled.inc({ level: 'sku' }, written);
      return { rows: written };
    },
  };
}
