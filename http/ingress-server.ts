import type { PayloadCodec } from '@temporalio/common';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger as PinoLogger } from 'pino';
import type { RoutyPinterestClient } from '../client/routy-client';
import type { TokenCipher } from '../secrets/token-cipher';
import type { Database } from '../store/database-schema';
import { addRequestTracing } from './request-tracing';
import { bearerGuard } from './auth-hooks';
import { addJsonBodyParser } from './json-body';
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

/** How long the ingress waits on a client, in milliseconds (from `ROUTY_HTTP_*_TIMEOUT_SECONDS`). */
export interface IngressTimeouts {
  /** The whole request, headers and body, must have arrived (else 408 and the connection closes). */
  requestMs: number;
  /** The headers must have arrived (at most `requestMs`). */
  headersMs: number;
  /** An idle keep-alive connection is closed. */
  keepAliveMs: number;
  /** A connection with no byte moving either way is closed. */
  idleMs: number;
}

/** Fastify and Node server options for `t`; Node checks the request and header limits every `connectionsCheckingInterval`. */
function timeoutOptions(t: IngressTimeouts) {
  const checkEveryMs = Math.max(100, Math.min(1000, Math.floor(t.headersMs / 2)));
  return {
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionTimeout: t.idleMs,
    http: { headersTimeout: t.headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: checkEveryMs },
  };
}

/**
 * Routy's HTTP ingress (Fastify): JSON bodies only (signature, UTF-8 and nesting checked before parsing: json-body.ts),
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
  /** Slow clients are cut off (408, then closed); see {@link IngressTimeouts}. Default: Node's. */
  timeouts?: IngressTimeouts;
}): FastifyInstance {
  const t = deps.timeouts;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger } : { logger: false }),
    // Fastify's own request lines carry the URL with its query (OAuth codes): ours below do not.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL that does not decode (`%ff`) is answered in our error shape, not Fastify's.
    frameworkErrors: (error, _request, reply) => void (reply as FastifyReply).code(400).send({ error: error.message }),
    bodyLimit: MAX_BODY_BYTES,
    ...(t ? timeoutOptions(t) : {}),
    // An event_id may hold 256 characters; percent-encoded in a path, each can take up to 12 (4 UTF-8 bytes as %XX).
    maxParamLength: 256 * 12,
    // Keys named __proto__ / constructor are dropped rather than refusing the whole body.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
  });

  // Signature, UTF-8 and nesting checked before any parse (json-body.ts).
  addJsonBodyParser(app);

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

  addRequestTracing(app);
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
