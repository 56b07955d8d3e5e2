import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { metricsRegistry } from '../observability/metrics';
import { z } from 'zod';
import { PinterestApiError } from '../pinterest/http';
import { OAuthError, type OAuthFlow } from './oauth-flow';
import type { BatchResult, RoutyPinterestClient } from '../client/routy-client';
import { fieldIssues } from '../domain/field-issues';
import { pinterestIdSchema, type RecordRejection } from '../domain/routy-records';
import { text } from '../domain/user-data';
import type { Kysely } from 'kysely';
import type { Database } from '../store/database-schema';
import { explainConversion } from '../reports/conversion-explainer';
import { buildOpenApiDocument } from './openapi-document';
import { reportPageRoutes } from './routes/report-page-routes';
import { codecRoutes } from './routes/codec-routes';
import type { PayloadCodec } from '@temporalio/common';
import { performanceReport, reportRequestSchema, reportToCsv } from '../reports/performance-report';
import { slowBurnReport, slowBurnRequestSchema, slowBurnToCsv } from '../reports/slow-burn-report';
import type { TokenCipher } from '../secrets/token-cipher';
import { saveConversionsApiOptions } from '../store/connections-store';
import { conversionReportTimeSchema, WINDOW_DAYS, windowDaysSchema } from '../domain/attribution-settings';

/** Largest batch in one request. */
export const MAX_BATCH = 5000;
/** How far a signature's timestamp may be from now, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Largest request body, in bytes. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** fetch gave up: a timeout (AbortSignal.timeout), an abort, or no connection at all. */
const isNetworkFailure = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError' || (error instanceof TypeError && error.message === 'fetch failed'));

/** `format` of the report routes: JSON unless `csv` is asked for. */
const reportFormat = z.enum(['json', 'csv']).default('json');
const callbackQuery = z.object({ code: z.string().min(1).optional(), state: z.string().min(1), error: z.string().optional() });
// Query values arrive as text: a number first, then the same check the update uses.
const windowDays = z.coerce.number({ error: `must be one of ${WINDOW_DAYS.join(', ')}` }).pipe(windowDaysSchema);
const startQuery = z
  .object({
    ad_account_id: z.union([pinterestIdSchema, z.array(pinterestIdSchema)]).optional(),
    click_window_days: windowDays.optional(),
    engagement_window_days: windowDays.optional(),
    view_window_days: windowDays.optional(),
    conversion_report_time: conversionReportTimeSchema.optional(),
  })
  .strict();

/**
 * Keeps refused conversions that carry a usable event_id, with the fields at fault (never the
 * values), so `GET /v1/conversions/{event_id}` can say why one was never credited.
 */
async function rememberRejections(db: Kysely<Database>, batch: unknown[], rejected: RecordRejection[]): Promise<void> {
  const byIndex = new Map<number, Array<{ field: string; message: string }>>();
  for (const r of rejected) byIndex.set(r.index, [...(byIndex.get(r.index) ?? []), { field: r.field, message: r.message }]);
  const rows = [...byIndex].flatMap(([index, problems]) => {
    const record = batch[index] as { event_id?: unknown; ad_account_id?: unknown } | null;
    const eventId = record?.event_id;
    if (typeof eventId !== 'string' || eventId.trim() === '' || eventId.length > 256 || eventId.includes('\u0000')) return [];
    const account = typeof record?.ad_account_id === 'string' && /^\d{1,19}$/.test(record.ad_account_id) ? record.ad_account_id : null;
    return [{ event_id: eventId, ad_account_id: account, problems: JSON.stringify(problems) }];
  });
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('rejected_conversions').values(rows.slice(i, i + 1000)).execute();
}

/** Every error answer has this shape: `{ error, issues? }`, issues naming the field at fault. */
const invalid = (error: string, zodError: z.ZodError, root: string) => ({ error, issues: fieldIssues(zodError, root) });

/**
 * Routy's HTTP ingress (Fastify): `POST /v1/conversions`, `POST /v1/touchpoints`,
 * `GET /v1/oauth/start`, `GET /v1/oauth/callback`, `GET /healthz`. Batches answer 202 only after
 * the accepted records are signalled (durable in Temporal), with rejected ones by index and field;
 * 400 `{accepted: 0, rejected}` when none is accepted.
 */
export function buildIngressServer(deps: {
  client: RoutyPinterestClient;
  db: Kysely<Database>;
  /** Encrypts conversion tokens before they are stored. */
  cipher: TokenCipher;
  oauth: OAuthFlow;
  /** Bearer token Routy must send on /v1/conversions and /v1/touchpoints; unset: open (demo only). */
  ingressToken?: string;
  /** JSON logger; one line per answered request (method, route pattern, status, time), never a query string or body. */
  logger?: PinoLogger;
  /** The Temporal SDK's Prometheus endpoint, appended to `GET /metrics`. */
  sdkMetricsUrl?: string;
  /** The payload codec, served at /codec/* for the Temporal CLI and UI; `temporalUiOrigins` may call it from a browser. */
  codec?: PayloadCodec;
  temporalUiOrigins?: string[];
}): FastifyInstance {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // Fastify's own request lines carry the URL with its query (OAuth codes): ours below do not.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL that does not decode (`%ff`) is answered in our error shape, not Fastify's.
    frameworkErrors: (error, _request, reply) => void (reply as FastifyReply).code(400).send({ error: error.message }),
    bodyLimit: MAX_BODY_BYTES,
    // Keys named __proto__ / constructor are dropped rather than refusing the whole body.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
  });
  const token = deps.ingressToken ? Buffer.from(deps.ingressToken) : undefined;
  const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

  const authorized = (header: string | undefined): boolean => {
    if (!token) return true;
    const match = /^bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return sameBytes(Buffer.from(match?.[1] ?? ''), token);
  };

  /** `X-Routy-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, keyed with the token, t within 5 min. */
  const signedCorrectly = (header: string | undefined, rawBody: string | undefined): boolean => {
    if (!token || !header || rawBody === undefined) return false;
    const parts = Object.fromEntries(header.split(',').map((part) => part.trim().split('=') as [string, string]));
    const t = Number(parts.t);
    if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
    const expected = createHmac('sha256', token).update(`${t}.${rawBody}`).digest('hex');
    return sameBytes(Buffer.from((parts.v1 ?? '').toLowerCase()), Buffer.from(expected));
  };

  /** The read routes take the bearer token only, checked before anything else. */
  const requireBearer = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'unauthorized' });
  };

  // Keep the raw body for signatures; parse it with Fastify's own (prototype-safe) JSON parser.
  // Bytes that are not UTF-8 are refused: decoded, they would turn into U+FFFD and two different
  // event_ids could become one.
  const parseJson = app.getDefaultJsonParser('remove', 'remove');
  // JSON only: Fastify's own text/plain parser would hand a string to the schemas (a 400 about
  // the shape) where the caller's mistake is the media type (415).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(Object.assign(new Error('is not valid UTF-8'), { statusCode: 400, bodyError: true }), undefined);
    const text = bytes.toString('utf8');
    (request as { rawBody?: string }).rawBody = text;
    parseJson(request, text, done);
  });

  app.setErrorHandler((error: { statusCode?: number; code?: string; name?: string; bodyError?: boolean; message: string; stack?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      // The operator sees what broke; the caller gets no internals.
      request.log.error({ error: error.message, stack: error.stack, route: request.routeOptions.url }, 'unhandled error');
      return reply.code(500).send({ error: 'internal error' });
    }
    // Refusals of the body itself (broken JSON or UTF-8, 413, 415) name the body as the field at fault.
    const aboutBody = error.bodyError === true || error.name === 'SyntaxError' || (error.code ?? '').startsWith('FST_ERR_CTP_');
    if (!aboutBody) return reply.code(status).send({ error: error.message });
    // Fastify's 415 says only "Unsupported Media Type": say what to send instead.
    const message =
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? `must be sent as application/json, not ${String(request.headers['content-type'] ?? '(no content-type)').slice(0, 100)}`
        : error.message;
    return reply.code(status).send({ error: message, issues: [{ field: '(body)', message }] });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  app.addHook('onResponse', async (request, reply) => {
    const entry = { method: request.method, route: request.routeOptions.url ?? '(unmatched)', status_code: reply.statusCode, response_ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) request.log.error(entry, 'request failed');
    else request.log.info(entry, 'request');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Prometheus: our counters, conversions by state (read now), and the Temporal SDK's runtime metrics.
  const conversionsByState = new Gauge({ name: 'routy_pinterest_conversions', help: 'Conversions by attribution state and Conversions API state', labelNames: ['attribution_state', 'capi_state'], registers: [] });
  const scrape = Registry.merge([metricsRegistry, new Registry()]);
  scrape.registerMetric(conversionsByState);
  app.get('/metrics', {
    onRequest: requireBearer,
    handler: async (_request, reply) => {
      const states = await deps.db.selectFrom('conversions').select(['attribution_state', 'capi_state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy(['attribution_state', 'capi_state']).execute();
      conversionsByState.reset();
      for (const s of states) conversionsByState.set({ attribution_state: s.attribution_state, capi_state: s.capi_state }, Number(s.n));
      let sdk = '';
      if (deps.sdkMetricsUrl) sdk = await fetch(deps.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => '# Temporal SDK metrics unavailable\n');
      return reply.type(scrape.contentType).send(`${await scrape.metrics()}\n${sdk}`);
    },
  });
  void app.register(reportPageRoutes);
  if (deps.codec) codecRoutes(app, { codec: deps.codec, guard: requireBearer, uiOrigins: deps.temporalUiOrigins ?? [] });
  const openApi = buildOpenApiDocument();
  app.get('/openapi.json', async () => openApi);

  /** A batch route: 401 before the body is read, 400 for a bad envelope, else per-record results. */
  const batchRoute = (route: string, key: 'conversions' | 'touchpoints', record: (batch: unknown[]) => Promise<BatchResult>) => {
    const envelope = z.object({ [key]: z.array(z.unknown()).min(1).max(MAX_BATCH) }).strict();
    app.post(route, {
      // A bearer token is checked before the body is read; a signature needs the body, so it is checked once parsed.
      // A bearer token that is present but wrong is refused even beside a signature.
      onRequest: async (request, reply) => {
        const header = request.headers.authorization;
        if (header !== undefined ? !authorized(header) : !request.headers['x-routy-signature'] && !authorized(undefined)) {
          return reply.code(401).send({ error: 'unauthorized' });
        }
      },
      preValidation: async (request, reply) => {
        if (request.headers.authorization !== undefined || authorized(undefined)) return;
        const signature = request.headers['x-routy-signature'];
        if (!signedCorrectly(typeof signature === 'string' ? signature : undefined, (request as { rawBody?: string }).rawBody)) {
          return reply.code(401).send({ error: 'unauthorized: bad or expired X-Routy-Signature' });
        }
      },
      handler: async (request, reply) => {
        const body = envelope.safeParse(request.body);
        if (!body.success) return reply.code(400).send(invalid('invalid body', body.error, '(body)'));
        const result = await record(body.data[key] as unknown[]);
        return reply.code(result.accepted > 0 ? 202 : 400).send(result);
      },
    });
  };
  batchRoute('/v1/conversions', 'conversions', async (batch) => {
    const result = await deps.client.recordConversions(batch);
    await rememberRejections(deps.db, batch, result.rejected);
    return result;
  });
  batchRoute('/v1/touchpoints', 'touchpoints', (batch) => deps.client.recordTouchpoints(batch));

  // Path values reach PostgreSQL too: a NUL or an unpaired surrogate is refused here, not there.
  const eventIdParams = z.object({ event_id: text(256) });
  const adAccountParams = z.object({ ad_account_id: pinterestIdSchema });
  app.get('/v1/conversions/:event_id', {
    onRequest: requireBearer,
    handler: async (request, reply) => {
      const params = eventIdParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid('invalid path', params.error, '(path)'));
      const eventId = params.data.event_id;
      const found = await explainConversion(deps.db, eventId);
      if (found.length === 0) return reply.code(404).send({ error: `no conversion with event_id ${eventId} was accepted` });
      return { conversions: found };
    },
  });

  const capiOptions = z
    .object({ test_mode: z.boolean().optional(), conversion_token: z.string().min(10).max(4096).nullable().optional() })
    .strict();
  app.put('/v1/ad_accounts/:ad_account_id/conversions-api', {
    onRequest: requireBearer,
    handler: async (request, reply) => {
      const params = adAccountParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid('invalid path', params.error, '(path)'));
      const id = params.data.ad_account_id;
      const body = capiOptions.safeParse(request.body);
      if (!body.success) return reply.code(400).send(invalid('invalid body', body.error, '(body)'));
      if (!(await saveConversionsApiOptions(deps.db, deps.cipher, id, body.data))) {
        return reply.code(404).send({ error: `ad account ${id} is not connected` });
      }
      const row = await deps.db
        .selectFrom('ad_accounts')
        .select(['capi_test_mode', 'conversion_token_encrypted'])
        .where('ad_account_id', '=', id)
        .executeTakeFirstOrThrow();
      // The token itself is never echoed back.
      return { ad_account_id: id, test_mode: row.capi_test_mode, conversion_token: row.conversion_token_encrypted ? 'set' : 'not set' };
    },
  });

  /**
   * A report route: the query (without `format`) parsed by `schema`, answered as JSON
   * `{ request, rows }` or, with `format=csv`, as CSV. 400 names the field at fault.
   */
  function reportRoute<Request, Row>(
    url: string,
    schema: z.ZodType<Request>,
    run: (request: Request) => Promise<Row[]>,
    toCsv: (rows: Row[], request: Request) => string,
  ): void {
    app.get(url, {
      onRequest: requireBearer,
      handler: async (request, reply) => {
        const { format, ...query } = request.query as Record<string, unknown>;
        const parsed = schema.safeParse(query);
        const as = reportFormat.safeParse(format);
        if (!parsed.success) return reply.code(400).send(invalid('invalid query', parsed.error, '(query)'));
        if (!as.success) return reply.code(400).send(invalid('invalid query', as.error, 'format'));
        const rows = await run(parsed.data);
        if (as.data === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(rows, parsed.data));
        return { request: parsed.data, rows };
      },
    });
  }
  reportRoute('/v1/reports/performance', reportRequestSchema, (q) => performanceReport(deps.db, q), (rows) => reportToCsv(rows));
  reportRoute('/v1/reports/slow-burn', slowBurnRequestSchema, (q) => slowBurnReport(deps.db, q), (rows, q) => slowBurnToCsv(rows, q.window));

  app.get('/v1/oauth/start', async (request, reply) => {
    const query = startQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(invalid('invalid query', query.error, '(query)'));
    const { ad_account_id: ids, ...settings } = query.data;
    const url = deps.oauth.authorizationUrl({ adAccountIds: ids === undefined ? undefined : [ids].flat(), settings });
    return reply.redirect(url, 302);
  });

  app.get('/v1/oauth/callback', async (request, reply) => {
    const query = callbackQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(invalid('invalid query', query.error, '(query)'));
    if (query.data.error || !query.data.code) {
      return reply.code(400).send({ error: `Pinterest did not grant access: ${query.data.error ?? 'no code'}` });
    }
    try {
      const connected = await deps.oauth.complete(query.data.code, query.data.state);
      return { connected_ad_account_ids: connected };
    } catch (error) {
      if (error instanceof OAuthError) return reply.code(400).send({ error: error.message });
      // Pinterest busy or down is not our fault nor the advertiser's: say so and how to go on.
      const again = 'start the connection again at /v1/oauth/start';
      if (error instanceof PinterestApiError && error.rateLimited) {
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(error.retryAfterSeconds)));
        return reply.code(503).send({ error: `Pinterest is rate limiting us (${error.message}); ${again} in a minute` });
      }
      if (error instanceof PinterestApiError && error.status >= 500) return reply.code(502).send({ error: `${error.message}; ${again}` });
      if (error instanceof PinterestApiError) return reply.code(400).send({ error: error.message });
      if (isNetworkFailure(error)) return reply.code(504).send({ error: `Pinterest did not answer (${(error as Error).message}); ${again}` });
      throw error;
    }
  });

  return app;
}
