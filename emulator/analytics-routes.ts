import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import { asArray, knownAccount, sendError } from './route-helpers';
import { answerColumns, withExtraCounts } from './analytics-columns';
import { CURRENCY_SCALE, dailyMetrics, sumMetrics, type SeedAd, type SeedData } from './seed';

type AnalyticsLevel = 'ads' | 'ad_groups' | 'campaigns';

/**
 * The synchronous analytics routes `GET /v5/ad_accounts/{ad_account_id}/ads/analytics`,
 * `.../ad_groups/analytics` and `.../campaigns/analytics`: one row per id and day with metrics,
 * granularity DAY only, within Pinterest's limits (1 to 250 ids; start_date at most 90 days back
 * from today, UTC, and end_date at most 90 days past start_date: 91 days). Metrics in the account's currency; days without delivery have no row. Every
 * requested column the emulator can fill is answered (analytics-columns.ts: counts it does not
 * model, ratios, ids and names); others are left out, as Pinterest does for columns without a value.
 */
export function registerAnalyticsRoutes(server: FastifyInstance, context: EmulatorContext): void {
  registerLevel(server, context, 'ads');
  registerLevel(server, context, 'ad_groups');
  registerLevel(server, context, 'campaigns');
}

function registerLevel(server: FastifyInstance, { seed, now, grants }: EmulatorContext, level: AnalyticsLevel): void {
  const [idsParam, idColumn] =
    level === 'ads' ? ['ad_ids', 'AD_ID'] : level === 'ad_groups' ? ['ad_group_ids', 'AD_GROUP_ID'] : ['campaign_ids', 'CAMPAIGN_ID'];
  server.get(`/v5/ad_accounts/:ad_account_id/${level}/analytics`, async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const q = request.query as Record<string, unknown>;
    const ids = asArray(q[idsParam]);
    const columns = asArray(q.columns);
    const start = String(q.start_date ?? '');
    const end = String(q.end_date ?? '');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end)) {
      return sendError(reply, 400, 1, 'start_date and end_date must be YYYY-MM-DD.');
    }
    if (ids.length === 0 || ids.length > 250) return sendError(reply, 400, 1, `${idsParam} must hold 1 to 250 ids.`);
    if (columns.length === 0) return sendError(reply, 400, 1, 'columns is required.');
    if (q.granularity !== 'DAY') return sendError(reply, 400, 1, 'The emulator serves granularity DAY only.');
    const today = now().toISOString().slice(0, 10);
    const span = (Date.parse(end) - Date.parse(start)) / 86_400_000;
    const back = (Date.parse(today) - Date.parse(start)) / 86_400_000;
    if (span < 0 || span > 90) return sendError(reply, 400, 1, 'end_date cannot be more than 90 days past start_date.');
    if (back > 90) return sendError(reply, 400, 1, 'start_date cannot be more than 90 days back.');
    const scale = CURRENCY_SCALE[seed.adAccounts.find((a) => a.id === ad_account_id)!.currency] ?? 1;
    const rows: Array<Record<string, unknown>> = [];
    for (const id of ids) {
      const ads = seed.ads.filter(
        (a) => a.ad_account_id === ad_account_id && (level === 'ads' ? a.id : level === 'ad_groups' ? a.ad_group_id : a.campaign_id) === id,
      );
      for (let d = Date.parse(start); d <= Date.parse(end); d += 86_400_000) {
        const date = new Date(d).toISOString().slice(0, 10);
        const daily = ads.flatMap((ad) => {
          const campaign = seed.campaigns.find((c) => c.id === ad.campaign_id)!;
          const metrics = dailyMetrics(ad, campaign, date, (Date.parse(today) - d) / 86_400_000, scale);
          return metrics ? [withExtraCounts(metrics, ad.id, date, columns)] : [];
        });
        if (daily.length === 0) continue;
        const metrics = sumMetrics(daily);
        rows.push({ [idColumn]: id, DATE: date, ...answerColumns(columns, metrics, entityColumns(seed, level, ads[0]!)) });
      }
    }
    return rows;
  });
}

/** The ids and names an answer row of `level` can carry, from one ad under the entity. */
function entityColumns(seed: SeedData, level: AnalyticsLevel, ad: SeedAd): Record<string, string | undefined> {
  const campaign = { CAMPAIGN_ID: ad.campaign_id, AD_ACCOUNT_ID: ad.ad_account_id, CAMPAIGN_NAME: seed.campaigns.find((c) => c.id === ad.campaign_id)?.name };
  if (level === 'campaigns') return campaign;
  const adGroup = { ...campaign, AD_GROUP_ID: ad.ad_group_id, AD_GROUP_NAME: seed.adGroups.find((g) => g.id === ad.ad_group_id)?.name };
  if (level === 'ad_groups') return adGroup;
  return { ...adGroup, AD_ID: ad.id, PIN_PROMOTION_ID: ad.id, PIN_ID: ad.pin_id, AD_NAME: ad.name };
}
