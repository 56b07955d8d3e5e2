import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { buildSeed, CURRENCY_SCALE, dailyMetrics, sumMetrics, type SeedData } from './seed';

/** The emulator's demo Pinterest app (used when no PINTEREST_APP_* is configured). */
export const EMULATOR_APP = { appId: '1500001', appSecret: 'emulator-app-secret' };

const ACCESS_TOKEN_SECONDS = 30 * 86_400;
const REFRESH_TOKEN_SECONDS = 60 * 86_400;
const STALE_EVENT_SECONDS = 7 * 86_400;

/** One Conversions API request as the emulator received it. */
export interface RecordedCapiRequest {
  ad_account_id: string;
  test: boolean;
  /** Which credential the request carried. */
  auth: 'oauth' | 'conversion_token';
  received_at: string;
  body: { data: Array<Record<string, unknown>> };
}

/** One request/response pair, kept so tests can check both against the OpenAPI description. */
export interface RecordedExchange {
  method: string;
  /** Spec path template, e.g. `/ad_accounts/{ad_account_id}/ads`. */
  route: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
  response: unknown;
}

/** A failure the emulator answers with instead of the real response. */
export type Fault =
  /** HTTP 429, Pinterest code 8, with the wait in `X-RateLimit-Reset` or in the message text. */
  | { kind: 'rate_limit'; hint: 'header' | 'message'; retry_after_seconds: number }
  | { kind: 'server_error' }
  /** HTTP 200 with a body that is not Pinterest's (a proxy's page): the outcome cannot be read. */
  | { kind: 'garbled' }
  /** The request is handled (and recorded), then the answer is held back: a slow or lost response. */
  | { kind: 'slow'; delay_ms: number }
  /** The connection is closed without an answer, before the request is handled. */
  | { kind: 'reset' };

interface QueuedFault {
  fault: Fault;
  remaining: number;
  /** Only requests whose path contains this string (default: every /v5 API path but OAuth). */
  pathContains?: string;
  /** Epoch milliseconds after which the fault no longer applies, even with `remaining` left. */
  endsAt?: number;
}

/** Async report job as the emulator keeps it. */
interface ReportJob {
  adAccountId: string;
  startDate: string;
  endDate: string;
  columns: string[];
  pollsUntilDone: number;
  outcome: 'FINISHED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  finishedAt?: number;
}

export interface EmulatorOptions {
  seed?: SeedData;
  /** Wall clock; tests may pin it. */
  now?: () => Date;
}

interface TokenGrant {
  expiresAt: number;
  scope: string;
}

const error = (reply: FastifyReply, status: number, code: number, message: string) =>
  reply.code(status).send({ code, message });

const asArray = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).filter(Boolean);

/**
 * An HTTP stand-in for Pinterest API v5 and its OAuth consent page, serving a seeded ad account.
 * Routes follow ../shared/pinterest/openapi-v5.yaml: `/oauth/` (consent, auto-approved),
 * `POST /v5/oauth/token`, `GET /v5/ad_accounts`, campaigns, ad groups, ads, `ads/analytics`,
 * and `POST /v5/ad_accounts/{id}/events`, whose every request is recorded.
 */
export class PinterestEmulator {
  readonly seed: SeedData;
  readonly capiRequests: RecordedCapiRequest[] = [];
  /** Every OAuth access and refresh token issued (tests look for them where they must not be). */
  readonly issuedTokens: string[] = [];
  readonly exchanges: RecordedExchange[] = [];
  private readonly now: () => Date;
  private readonly codes = new Map<string, { redirectUri: string; scope: string }>();
  private readonly accessTokens = new Map<string, TokenGrant>();
  private readonly refreshTokens = new Map<string, TokenGrant>();
  /** Conversion access tokens (Ads Manager → Conversions) by token: the ad account each serves. */
  private readonly conversionTokens = new Map<string, string>();
  readonly server: FastifyInstance;
  private readonly faults: QueuedFault[] = [];
  /** URL of every request received and not yet answered, by request id. */
  private readonly inFlightUrls = new Map<string, string>();
  private readonly reports = new Map<string, ReportJob>();
  private readonly reportOutcomes: ReportJob['outcome'][] = [];
  private origin = '';
  /** Requests per spec path template, e.g. `GET /ad_accounts/{ad_account_id}/ads`. */
  readonly requestCounts = new Map<string, number>();

  constructor(options: EmulatorOptions = {}) {
    this.seed = options.seed ?? buildSeed();
    this.now = options.now ?? (() => new Date());
    this.server = Fastify({ logger: false });
    this.server.register(formbody);
    this.server.addHook('onRequest', async (request) => {
      this.inFlightUrls.set(request.id, request.url);
    });
    this.server.addHook('onResponse', async (request) => {
      this.inFlightUrls.delete(request.id);
    });
    this.server.addHook('onRequestAbort', async (request) => {
      this.inFlightUrls.delete(request.id);
    });
    this.server.addHook('preHandler', async (request, reply) => {
      const route = request.routeOptions.url ?? '';
      if (!route.startsWith('/v5/')) return;
      const key = `${request.method} ${route.slice(3).replace(/:([a-z_]+)/g, '{$1}')}`;
      this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
      const queued = this.faults.find((f) =>
        f.remaining > 0 && (f.endsAt === undefined || Date.now() < f.endsAt) && (f.pathContains ? request.url.includes(f.pathContains) : route !== '/v5/oauth/token'),
      );
      if (!queued) return;
      queued.remaining -= 1;
      const fault = queued.fault;
      if (fault.kind === 'slow') {
        (request as { slowBy?: number }).slowBy = fault.delay_ms;
        return;
      }
      if (fault.kind === 'reset') {
        reply.hijack();
        request.raw.socket.destroy();
        return;
      }
      if (fault.kind === 'server_error') return error(reply, 503, 503, 'Service Unavailable. Please try again later.');
      if (fault.kind === 'garbled') return reply.code(200).type('text/html').send('<html><body>upstream gateway</body></html>');
      if (fault.hint === 'header') reply.header('X-RateLimit-Reset', String(fault.retry_after_seconds));
      const hint = fault.hint === 'message' ? ` Please retry after ${fault.retry_after_seconds} seconds.` : '';
      return error(reply, 429, 8, `You have exceeded your rate limit. Try again later.${hint}`);
    });
    this.server.addHook('onSend', async (request, reply, payload) => {
      const slowBy = (request as { slowBy?: number }).slowBy;
      if (slowBy) await new Promise((resolve) => setTimeout(resolve, slowBy));
      const route = request.routeOptions.url;
      if (route?.startsWith('/v5/')) {
        let response: unknown = payload;
        try {
          response = typeof payload === 'string' ? JSON.parse(payload) : payload;
        } catch {
          // not JSON: keep as sent
        }
        this.exchanges.push({
          method: request.method,
          route: route.slice(3).replace(/:([a-z_]+)/g, '{$1}'),
          query: { ...(request.query as object) },
          body: request.body,
          status: reply.statusCode,
          response,
        });
      }
      return payload;
    });
    this.routes();
  }

  /** Starts listening on 127.0.0.1 (port 0: a random free port). @returns the base URL. */
  async listen(port = 0): Promise<string> {
    const address = await this.server.listen({ host: '127.0.0.1', port });
    this.origin = address;
    return address;
  }

  /** Base of the Marketing API under this emulator, e.g. `http://127.0.0.1:4321/v5`. */
  apiBaseUrl(origin: string): string {
    return `${origin}/v5`;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  /**
   * Answers the next `times` matching API requests with `fault` instead of the real response;
   * with `forMs`, only those that arrive within that many milliseconds (a storm that passes).
   */
  inject(fault: Fault, options: { times?: number; pathContains?: string; forMs?: number } = {}): void {
    this.faults.push({
      fault,
      remaining: options.times ?? 1,
      pathContains: options.pathContains,
      ...(options.forMs === undefined ? {} : { endsAt: Date.now() + options.forMs }),
    });
  }

  /** Requests received and not yet answered whose URL contains `pathContains` (chaos runs kill the client then). */
  inFlight(pathContains: string): number {
    return [...this.inFlightUrls.values()].filter((url) => url.includes(pathContains)).length;
  }

  /** Drops every queued fault: answers are normal again. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** How the next async reports end, one outcome per report created, in order (then FINISHED). */
  nextReportOutcomes(...outcomes: ReportJob['outcome'][]): void {
    this.reportOutcomes.push(...outcomes);
  }

  /** A conversion access token for one ad account, valid only on its events endpoint. */
  issueConversionToken(adAccountId: string): string {
    const token = `pinc_${randomBytes(24).toString('base64url')}`;
    this.conversionTokens.set(token, adAccountId);
    return token;
  }

  /** Every access token issued so far expires now (the refresh tokens stay valid). */
  expireAccessTokens(): void {
    for (const grant of this.accessTokens.values()) grant.expiresAt = 0;
  }

  /** The user revokes the app: every access and refresh token stops working. */
  revokeGrants(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }

  /** A new token pair in the OauthAccessTokenResponseCode / ...Refresh shape. */
  private issueTokens(scope: string, responseType: 'authorization_code' | 'refresh_token') {
    const access = `pina_${randomBytes(24).toString('base64url')}`;
    const refresh = `pinr_${randomBytes(24).toString('base64url')}`;
    const nowMs = this.now().getTime();
    this.accessTokens.set(access, { expiresAt: nowMs + ACCESS_TOKEN_SECONDS * 1000, scope });
    this.refreshTokens.set(refresh, { expiresAt: nowMs + REFRESH_TOKEN_SECONDS * 1000, scope });
    this.issuedTokens.push(access, refresh);
    return {
      access_token: access,
      refresh_token: refresh,
      response_type: responseType,
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      refresh_token_expires_in: REFRESH_TOKEN_SECONDS,
      scope,
    };
  }

  /** Checks the bearer token; answers 401 (Pinterest code 2) when it is missing, unknown or expired. */
  private authorize(request: FastifyRequest, reply: FastifyReply): boolean {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const grant = this.accessTokens.get(token);
    if (!grant || grant.expiresAt <= this.now().getTime()) {
      error(reply, 401, 2, 'Authentication failed.');
      return false;
    }
    return true;
  }

  private knownAccount(id: string, reply: FastifyReply): boolean {
    if (this.seed.adAccounts.some((a) => a.id === id)) return true;
    error(reply, 403, 29, `Ad account ${id} is not accessible with this token.`);
    return false;
  }

  private page<T>(items: T[], query: Record<string, unknown>) {
    const size = Math.min(Math.max(Number(query.page_size ?? 25) || 25, 1), 250);
    const start = query.bookmark ? Number(Buffer.from(String(query.bookmark), 'base64url').toString()) || 0 : 0;
    const slice = items.slice(start, start + size);
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : null;
    return { items: slice, bookmark: next };
  }

  private filterStatuses<T extends { status: string }>(items: T[], query: Record<string, unknown>): T[] {
    const statuses = asArray(query.entity_statuses);
    const allowed = statuses.length ? statuses : ['ACTIVE', 'PAUSED'];
    return items.filter((item) => allowed.includes(item.status));
  }

  private routes(): void {
    const s = this.server;

    s.get('/oauth/', async (request, reply) => {
      const q = request.query as Record<string, string | undefined>;
      if (q.client_id !== EMULATOR_APP.appId) return error(reply, 400, 1, 'Unknown client_id.');
      if (!q.redirect_uri || q.response_type !== 'code') return error(reply, 400, 1, 'redirect_uri and response_type=code are required.');
      const code = randomBytes(16).toString('hex');
      this.codes.set(code, { redirectUri: q.redirect_uri, scope: q.scope ?? 'ads:read' });
      const target = new URL(q.redirect_uri);
      target.searchParams.set('code', code);
      if (q.state) target.searchParams.set('state', q.state);
      return reply.redirect(target.toString(), 302);
    });

    s.post('/v5/oauth/token', async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const expected = `Basic ${Buffer.from(`${EMULATOR_APP.appId}:${EMULATOR_APP.appSecret}`).toString('base64')}`;
      if (header !== expected) return error(reply, 401, 2, 'Authentication failed.');
      const form = (request.body ?? {}) as Record<string, string>;
      if (form.grant_type === 'authorization_code') {
        const grant = form.code ? this.codes.get(form.code) : undefined;
        if (!grant || grant.redirectUri !== form.redirect_uri) return error(reply, 400, 1, 'Invalid authorization code.');
        this.codes.delete(form.code!);
        return this.issueTokens(grant.scope, 'authorization_code');
      }
      if (form.grant_type === 'refresh_token') {
        const grant = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
        if (!grant || grant.expiresAt <= this.now().getTime()) return error(reply, 400, 1, 'Invalid refresh token.');
        // Continuous refresh: the old refresh token is replaced by a new one.
        this.refreshTokens.delete(form.refresh_token!);
        return this.issueTokens(grant.scope, 'refresh_token');
      }
      return error(reply, 400, 1, 'Unsupported grant_type.');
    });

    s.get('/v5/ad_accounts', async (request, reply) => {
      if (!this.authorize(request, reply)) return reply;
      return this.page(this.seed.adAccounts, request.query as Record<string, unknown>);
    });

    s.get('/v5/ad_accounts/:ad_account_id/campaigns', async (request, reply) => {
      const { ad_account_id } = request.params as { ad_account_id: string };
      if (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply)) return reply;
      const query = request.query as Record<string, unknown>;
      const items = this.filterStatuses(this.seed.campaigns.filter((c) => c.ad_account_id === ad_account_id), query);
      const page = this.page(items, query);
      return {
        ...page,
        items: page.items.map(({ stopped_days_ago: _stopped, ...c }) => ({
          ...c,
          summary_status: c.status === 'ARCHIVED' ? 'ARCHIVED' : 'RUNNING',
          is_campaign_budget_optimization: false,
          type: 'campaign',
        })),
      };
    });

    s.get('/v5/ad_accounts/:ad_account_id/ad_groups', async (request, reply) => {
      const { ad_account_id } = request.params as { ad_account_id: string };
      if (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply)) return reply;
      const query = request.query as Record<string, unknown>;
      const items = this.filterStatuses(this.seed.adGroups.filter((g) => g.ad_account_id === ad_account_id), query);
      const page = this.page(items, query);
      return { ...page, items: page.items.map((g) => ({ ...g, type: 'adgroup', billable_event: 'CLICKTHROUGH' })) };
    });

    s.get('/v5/ad_accounts/:ad_account_id/ads', async (request, reply) => {
      const { ad_account_id } = request.params as { ad_account_id: string };
      if (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply)) return reply;
      const query = request.query as Record<string, unknown>;
      const items = this.filterStatuses(this.seed.ads.filter((a) => a.ad_account_id === ad_account_id), query);
      const page = this.page(items, query);
      return { ...page, items: page.items.map(({ pin_title: _title, ...a }) => ({ ...a, type: 'pinpromotion' })) };
    });

    const analytics = (level: 'ads' | 'ad_groups' | 'campaigns') => {
      const [idsParam, idColumn] =
        level === 'ads' ? ['ad_ids', 'AD_ID'] : level === 'ad_groups' ? ['ad_group_ids', 'AD_GROUP_ID'] : ['campaign_ids', 'CAMPAIGN_ID'];
      s.get(`/v5/ad_accounts/:ad_account_id/${level}/analytics`, async (request, reply) => {
        const { ad_account_id } = request.params as { ad_account_id: string };
        if (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply)) return reply;
        const q = request.query as Record<string, unknown>;
        const ids = asArray(q[idsParam]);
        const columns = asArray(q.columns);
        const start = String(q.start_date ?? '');
        const end = String(q.end_date ?? '');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end)) {
          return error(reply, 400, 1, 'start_date and end_date must be YYYY-MM-DD.');
        }
        if (ids.length === 0 || ids.length > 250) return error(reply, 400, 1, `${idsParam} must hold 1 to 250 ids.`);
        if (columns.length === 0) return error(reply, 400, 1, 'columns is required.');
        if (q.granularity !== 'DAY') return error(reply, 400, 1, 'The emulator serves granularity DAY only.');
        const today = this.now().toISOString().slice(0, 10);
        const span = (Date.parse(end) - Date.parse(start)) / 86_400_000;
        const back = (Date.parse(today) - Date.parse(start)) / 86_400_000;
        if (span < 0 || span > 89) return error(reply, 400, 1, 'The date range can be at most 90 days.');
        if (back > 90) return error(reply, 400, 1, 'start_date cannot be more than 90 days back.');
        const scale = CURRENCY_SCALE[this.seed.adAccounts.find((a) => a.id === ad_account_id)!.currency] ?? 1;
        const rows: Array<Record<string, unknown>> = [];
        for (const id of ids) {
          const ads = this.seed.ads.filter(
            (a) => a.ad_account_id === ad_account_id && (level === 'ads' ? a.id : level === 'ad_groups' ? a.ad_group_id : a.campaign_id) === id,
          );
          for (let d = Date.parse(start); d <= Date.parse(end); d += 86_400_000) {
            const date = new Date(d).toISOString().slice(0, 10);
            const daily = ads.flatMap((ad) => {
              const campaign = this.seed.campaigns.find((c) => c.id === ad.campaign_id)!;
              const metrics = dailyMetrics(ad, campaign, date, (Date.parse(today) - d) / 86_400_000, scale);
              return metrics ? [metrics] : [];
            });
            if (daily.length === 0) continue;
            const metrics = sumMetrics(daily);
            const row: Record<string, unknown> = { [idColumn]: id, DATE: date };
            for (const column of columns) if (column in metrics) row[column] = metrics[column];
            rows.push(row);
          }
        }
        return rows;
      });
    };
    analytics('ads');
    analytics('ad_groups');
    analytics('campaigns');

    s.post('/v5/ad_accounts/:ad_account_id/reports', async (request, reply) => {
      const { ad_account_id } = request.params as { ad_account_id: string };
      if (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply)) return reply;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const start = String(body.start_date ?? '');
      const end = String(body.end_date ?? '');
      const today = this.now().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || end < start) {
        return error(reply, 400, 1, 'start_date and end_date must be YYYY-MM-DD, start first.');
      }
      if ((Date.parse(end) - Date.parse(start)) / 86_400_000 > 185) return error(reply, 400, 1, 'A report covers at most 186 days.');
      if ((Date.parse(today) - Date.parse(start)) / 86_400_000 > 914) return error(reply, 400, 1, 'start_date cannot be more than 914 days back.');
      if (body.level !== 'PIN_PROMOTION') return error(reply, 400, 1, 'The emulator serves level PIN_PROMOTION only.');
      const token = randomBytes(12).toString('hex');
      this.reports.set(token, {
        adAccountId: ad_account_id,
        startDate: start,
        endDate: end,
        columns: asArray(body.columns),
        pollsUntilDone: 2,
        outcome: this.reportOutcomes.shift() ?? 'FINISHED',
      });
      return { report_status: 'IN_PROGRESS', token, message: null };
    });

    s.get('/v5/ad_accounts/:ad_account_id/reports', async (request, reply) => {
      const { ad_account_id } = request.params as { ad_account_id: string };
      if (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply)) return reply;
      const job = this.reports.get(String((request.query as Record<string, unknown>).token ?? ''));
      if (!job || job.adAccountId !== ad_account_id) return { report_status: 'DOES_NOT_EXIST', url: null, size: null };
      if (job.pollsUntilDone > 0) {
        job.pollsUntilDone -= 1;
        return { report_status: 'IN_PROGRESS', url: null, size: null };
      }
      if (job.outcome !== 'FINISHED') return { report_status: job.outcome, url: null, size: null };
      job.finishedAt ??= this.now().getTime();
      const token = [...this.reports].find(([, j]) => j === job)![0];
      return { report_status: 'FINISHED', url: `${this.origin}/_emulator/report-files/${token}.json`, size: 1 };
    });

    // Stands in for the pre-signed storage link Pinterest hands out: valid 5 minutes.
    s.get('/_emulator/report-files/:file', async (request, reply) => {
      const token = (request.params as { file: string }).file.replace(/\.json$/, '');
      const job = this.reports.get(token);
      if (!job?.finishedAt) return reply.code(404).send('NoSuchKey');
      if (this.now().getTime() - job.finishedAt > 5 * 60_000) return reply.code(403).send('Request has expired');
      const account = this.seed.adAccounts.find((a) => a.id === job.adAccountId)!;
      const scale = CURRENCY_SCALE[account.currency] ?? 1;
      const today = this.now().toISOString().slice(0, 10);
      const report: Record<string, Array<Record<string, unknown>>> = {};
      for (const ad of this.seed.ads.filter((a) => a.ad_account_id === job.adAccountId)) {
        const campaign = this.seed.campaigns.find((c) => c.id === ad.campaign_id)!;
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

    s.get('/v5/pins/:pin_id', async (request, reply) => {
      const { pin_id } = request.params as { pin_id: string };
      if (!this.authorize(request, reply)) return reply;
      const ad = this.seed.ads.find((a) => a.pin_id === pin_id);
      if (!ad) return error(reply, 404, 50, 'Pin not found.');
      return {
        id: pin_id,
        title: ad.pin_title,
        description: `${ad.pin_title}. Ideas from Evergreen Home & Garden.`,
        link: `https://shop.example.com/p/${pin_id}`,
        created_at: '2026-03-01T12:00:00',
        board_id: '1099300727702429999',
        creative_type: ad.creative_type,
        media: {
          media_type: ad.creative_type === 'VIDEO' ? 'video' : ad.creative_type === 'IDEA' ? 'multiple_mixed' : ad.creative_type === 'CAROUSEL' ? 'multiple_images' : 'image',
        },
      };
    });

    s.post('/v5/ad_accounts/:ad_account_id/events', async (request, reply) => {
      const { ad_account_id } = request.params as { ad_account_id: string };
      const bearer = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const viaConversionToken = this.conversionTokens.get(bearer) === ad_account_id;
      if (!viaConversionToken && (!this.authorize(request, reply) || !this.knownAccount(ad_account_id, reply))) return reply;
      const body = request.body as { data?: Array<Record<string, unknown>> } | undefined;
      const data = body?.data;
      if (!Array.isArray(data) || data.length < 1 || data.length > 1000) {
        return error(reply, 400, 1, 'data must hold 1 to 1000 events.');
      }
      const test = String((request.query as Record<string, unknown>).test) === 'true';
      this.capiRequests.push({
        ad_account_id,
        test,
        auth: viaConversionToken ? 'conversion_token' : 'oauth',
        received_at: this.now().toISOString(),
        body: { data },
      });
      const nowSeconds = this.now().getTime() / 1000;
      if (data.some((e) => typeof e.event_time === 'number' && nowSeconds - e.event_time > STALE_EVENT_SECONDS)) {
        return error(reply, 422, 953, 'Event(s) in the request are older than 7 days and cannot be processed.');
      }
      const events = data.map((event) => {
        const user = (event.user_data ?? {}) as Record<string, unknown>;
        const sendable = user.em || user.hashed_maids || (user.client_ip_address && user.client_user_agent);
        return sendable
          ? { status: 'processed', error_message: null, warning_message: null }
          : { status: 'failed', error_message: 'user_data needs em, hashed_maids, or client_ip_address with client_user_agent.', warning_message: null };
      });
      return {
        num_events_received: data.length,
        num_events_processed: events.filter((e) => e.status === 'processed').length,
        events,
      };
    });

    // Not part of Pinterest: lets a separate process (the demo, a chaos run) read and steer it.
    s.get('/_emulator/capi-requests', async () => this.capiRequests);
    s.post('/_emulator/faults', async (request) => {
      const body = request.body as { fault: Fault; times?: number; path_contains?: string };
      this.inject(body.fault, { times: body.times, pathContains: body.path_contains });
      return { queued: true };
    });
  }
}
