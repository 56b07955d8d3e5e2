import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import type { ReportJobs } from './report-jobs';
import { asArray, knownAccount, sendError } from './route-helpers';
import { CURRENCY_SCALE, dailyMetrics } from './seed';

/**
 * The async report routes: `POST /v5/ad_accounts/{ad_account_id}/reports` (level PIN_PROMOTION,
 * at most 186 days, starting at most 914 days back), `GET` on the same path with `token` (two
 * polls IN_PROGRESS, then the job's outcome), and the report file the FINISHED answer links to.
 * @param origin the emulator's base URL once it listens, for the file link.
 */
export function registerReportRoutes(server: FastifyInstance, { seed, now, grants }: EmulatorContext, jobs: ReportJobs, origin: () => string): void {
  server.post('/v5/ad_accounts/:ad_account_id/reports', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const start = String(body.start_date ?? '');
    const end = String(body.end_date ?? '');
    const today = now().toISOString().slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || end < start) {
      return sendError(reply, 400, 1, 'start_date and end_date must be YYYY-MM-DD, start first.');
    }
    if ((Date.parse(end) - Date.parse(start)) / 86_400_000 > 185) return sendError(reply, 400, 1, 'A report covers at most 186 days.');
    if ((Date.parse(today) - Date.parse(start)) / 86_400_000 > 914) return sendError(reply, 400, 1, 'start_date cannot be more than 914 days back.');
    if (body.level !== 'PIN_PROMOTION') return sendError(reply, 400, 1, 'The emulator serves level PIN_PROMOTION only.');
    const token = jobs.create({ adAccountId: ad_account_id, startDate: start, endDate: end, columns: asArray(body.columns) });
    return { report_status: 'IN_PROGRESS', token, message: null };
  });

  server.get('/v5/ad_accounts/:ad_account_id/reports', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const token = String((request.query as Record<string, unknown>).token ?? '');
    const job = jobs.get(token);
    if (!job || job.adAccountId !== ad_account_id) return { report_status: 'DOES_NOT_EXIST', url: null, size: null };
    if (job.pollsUntilDone > 0) {
      job.pollsUntilDone -= 1;
      return { report_status: 'IN_PROGRESS', url: null, size: null };
    }
    if (job.outcome !== 'FINISHED') return { report_status: job.outcome, url: null, size: null };
    job.finishedAt ??= now().getTime();
    return { report_status: 'FINISHED', url: `${origin()}/_emulator/report-files/${token}.json`, size: 1 };
  });

  // Stands in for the pre-signed storage link Pinterest hands out: valid 5 minutes.
  server.get('/_emulator/report-files/:file', async (request, reply) => {
    const token = (request.params as { file: string }).file.replace(/\.json$/, '');
    const job = jobs.get(token);
    if (!job?.finishedAt) return reply.code(404).send('NoSuchKey');
    if (now().getTime() - job.finishedAt > 5 * 60_000) return reply.code(403).send('Request has expired');
    const account = seed.adAccounts.find((a) => a.id === job.adAccountId)!;
    const scale = CURRENCY_SCALE[account.currency] ?? 1;
    const today = now().toISOString().slice(0, 10);
    const report: Record<string, Array<Record<string, unknown>>> = {};
    for (const ad of seed.ads.filter((a) => a.ad_account_id === job.adAccountId)) {
      const campaign = seed.campaigns.find((c) => c.id === ad.campaign_id)!;
      for (let d = Date.parse(job.startDate); d <= Date.parse(job.endDate); d += 86_400_000) {
        const date = new Date(d).toISOString().slice(0, 10);
        const metrics = dailyMetrics(ad, campaign, date, (Date.parse(today) - d) / 86_400_000, scale);
        if (!metrics) continue;
        const row: Record<string, unknown> = { DATE: date, PIN_PROMOTION_ID: ad.id, AD_GROUP_ID: ad.ad_group_id, CAMPAIGN_ID: ad.campaign_id };
        for (const column of job.columns) if (column in metrics) row[column] = metrics[column];
        (report[ad.id] ??= []).push(row);
      }
    }
    return report;
  });
}
