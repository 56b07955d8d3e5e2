import { isUtf8 } from 'node:buffer';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger as PinoLogger } from 'pino';
import type { RoutyPinterestClient } from '../client/routy-client';
import type { TokenCipher } from '../secrets/token-cipher';
import type { Database } from '../store/database-schema';
import { bearerGuard } from './auth-hooks';
import type { OAuthFlow } from './oauth-flow';
import { adminRoutes } from './routes/admin-routes';
import { codecRoutes } from './routes/codec-routes';
import { conversionRoutes } from './routes/conversion-routes';
import { exchangeRateRoutes } from './routes/exchange-rate-routes';
import { ingestRoutes } from './routes/ingest-routes';
import { oauthRoutes } from './routes/oauth-routes';
import { reportPageRoutes } from './routes/report-page-routes';
import { reportRoutes } from './routes/report-routes';

/** Largest request body, in bytes. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Routy's HTTP ingress (Fastify): JSON bodies only (raw body kept for signatures, UTF-8 checked),
 * every error as `{ error, issues? }`, one log line per answered request, and the route modules
 * under `routes/`: ingest, OAuth, reports and the report page, exchange rates, conversions, admin and metrics,
 * and (with `codec`) the Temporal codec endpoint.
 */
export function buildIngressServer(deps: {
  client: RoutyPinterestClient;
  db: Kysely<Database>;
  /** Encrypts conversion tokens before they are stored. */
  cipher: TokenCipher;
  oauth: OAuthFlow;
  /** Bearer token (and signature key) Routy must send; unset: open (demo only). */
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
    // An event_id may hold 256 characters; percent-encoded in a path, each can take up to 12 (4 UTF-8 bytes as %XX).
    maxParamLength: 256 * 12,
    // Keys named __proto__ / constructor are dropped rather than refusing the whole body.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
  });

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
    void parseJson(request, text, done);
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

  const guard = bearerGuard(deps.ingressToken);
  adminRoutes(app, { db: deps.db, guard, sdkMetricsUrl: deps.sdkMetricsUrl });
  void app.register(reportPageRoutes);
  if (deps.codec) codecRoutes(app, { codec: deps.codec, guard, uiOrigins: deps.temporalUiOrigins ?? [] });
  ingestRoutes(app, { client: deps.client, db: deps.db, ingressToken: deps.ingressToken });
  conversionRoutes(app, { db: deps.db, cipher: deps.cipher, guard });
  reportRoutes(app, { db: deps.db, guard });
  exchangeRateRoutes(app, { db: deps.db, guard });
  oauthRoutes(app, { oauth: deps.oauth, guard });

  return app;
}
