import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PinterestApiError } from '../../activities/pinterest/http';
import { OAuthError, type OAuthFlow } from '../oauth-flow';
import type { BatchResult, RoutyPinterestClient } from '../routy-client';

/** Largest batch in one request. */
export const MAX_BATCH = 5000;

const callbackQuery = z.object({ code: z.string().min(1).optional(), state: z.string().min(1), error: z.string().optional() });
const startQuery = z.object({ ad_account_id: z.union([z.string(), z.array(z.string())]).optional() });

const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));

/**
 * Routy's HTTP ingress (Fastify): `POST /v1/conversions`, `POST /v1/touchpoints`,
 * `GET /v1/oauth/start`, `GET /v1/oauth/callback`, `GET /healthz`. Batches answer 202 only after
 * the accepted records are signalled (durable in Temporal), with rejected ones by index and field.
 */
export function buildIngressServer(deps: {
  client: RoutyPinterestClient;
  oauth: OAuthFlow;
  /** Bearer token Routy must send on /v1/conversions and /v1/touchpoints; unset: open (demo only). */
  ingressToken?: string;
  logger?: boolean;
}): FastifyInstance {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: 10 * 1024 * 1024 });
  const token = deps.ingressToken ? Buffer.from(`Bearer ${deps.ingressToken}`) : undefined;

  const authorized = (header: string | undefined): boolean => {
    if (!token) return true;
    const given = Buffer.from(header ?? '');
    return given.length === token.length && timingSafeEqual(given, token);
  };

  app.get('/healthz', async () => ({ status: 'ok' }));

  /** A batch route: 401 without the token, 400 for a bad envelope, else 202 with per-record refusals. */
  const batchRoute = (route: string, key: 'conversions' | 'touchpoints', record: (batch: unknown[]) => Promise<BatchResult>) => {
    const envelope = z.object({ [key]: z.array(z.unknown()).min(1).max(MAX_BATCH) });
    app.post(route, async (request, reply) => {
      if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'unauthorized' });
      const body = envelope.safeParse(request.body);
      if (!body.success) return reply.code(400).send({ error: 'invalid body', issues: issuesOf(body.error) });
      const result = await record(body.data[key] as unknown[]);
      return reply.code(result.accepted > 0 ? 202 : 400).send(result);
    });
  };
  batchRoute('/v1/conversions', 'conversions', (batch) => deps.client.recordConversions(batch));
  batchRoute('/v1/touchpoints', 'touchpoints', (batch) => deps.client.recordTouchpoints(batch));

  app.get('/v1/oauth/start', async (request, reply) => {
    const query = startQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'invalid query', issues: issuesOf(query.error) });
    const ids = query.data.ad_account_id;
    const url = deps.oauth.authorizationUrl({ adAccountIds: ids === undefined ? undefined : [ids].flat() });
    return reply.redirect(url, 302);
  });

  app.get('/v1/oauth/callback', async (request, reply) => {
    const query = callbackQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'invalid query', issues: issuesOf(query.error) });
    if (query.data.error || !query.data.code) {
      return reply.code(400).send({ error: `Pinterest did not grant access: ${query.data.error ?? 'no code'}` });
    }
    try {
      const connected = await deps.oauth.complete(query.data.code, query.data.state);
      return { connected_ad_account_ids: connected };
    } catch (error) {
      if (error instanceof OAuthError) return reply.code(400).send({ error: error.message });
      if (error instanceof PinterestApiError && error.status < 500) return reply.code(400).send({ error: error.message });
      throw error;
    }
  });

  return app;
}
