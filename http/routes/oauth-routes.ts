import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PinterestApiError } from '../../pinterest/http';
import type { AuthHook } from '../auth-hooks';
import { ConnectLinkError, connectLinkRequestSchema, DEFAULT_LINK_TTL_SECONDS, signConnectLink, verifyConnectLink } from '../connect-link';
import { OAuthError, type OAuthFlow } from '../oauth-flow';
import { invalid } from './invalid-answer';

/** fetch gave up: a timeout (AbortSignal.timeout), an abort, or no connection at all. */
const isNetworkFailure = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError' || (error instanceof TypeError && error.message === 'fetch failed'));

const callbackQuery = z.object({ code: z.string().min(1).optional(), state: z.string().min(1), error: z.string().optional() });
const startQuery = z.object({ link: z.string().max(8192).optional() }).strict();

/**
 * Connecting ad accounts through Pinterest's OAuth. `POST /v1/connect-links` (bearer token)
 * `{advertiser_id, ad_account_ids?, click_window_days?, engagement_window_days?, view_window_days?,
 * conversion_report_time?, expires_in_seconds?}` answers `{url, expires_at}`: a signed link for
 * one Routy advertiser. `GET /v1/oauth/start?link=` checks it (400 missing or malformed, 401 bad
 * signature or expired) and answers 302 to the consent page with a cookie binding the flow to the
 * browser. `GET /v1/oauth/callback` (`code`, `state`, the cookie) answers `{connected_ad_account_ids}`,
 * 400 for a refused state or code, 403 without the cookie or for an account of another advertiser
 * (both before Pinterest is called), 503 / 502 / 504 when Pinterest is rate limiting, failing or silent.
 */
export function oauthRoutes(app: FastifyInstance, deps: { oauth: OAuthFlow; guard: AuthHook }): void {
  app.post('/v1/connect-links', { onRequest: deps.guard }, async (request, reply) => {
    const body = connectLinkRequestSchema.safeParse(request.body);
    if (!body.success) return reply.code(400).send(invalid('invalid connect link request', body.error, '(body)'));
    const { advertiser_id, ad_account_ids, expires_in_seconds, msot, ...settings } = body.data;
    const expiresAt = Math.floor(Date.now() / 1000) + (expires_in_seconds ?? DEFAULT_LINK_TTL_SECONDS);
    const link = signConnectLink(deps.oauth.linkSecret, { advertiserId: advertiser_id, adAccountIds: ad_account_ids, settings, expiresAt, msot });
    const url = new URL(deps.oauth.startUrl);
    url.searchParams.set('link', link);
    return reply.code(201).send({ url: url.toString(), expires_at: new Date(expiresAt * 1000).toISOString() });
  });

  app.get('/v1/oauth/start', async (request, reply) => {
    const query = startQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(invalid('invalid query', query.error, '(query)'));
    try {
      const link = verifyConnectLink(deps.oauth.linkSecret, query.data.link, new Date());
      const { url, setCookie } = deps.oauth.start(link, await deps.oauth.wantsMsot(link));
      return reply.header('set-cookie', setCookie).redirect(url, 302);
    } catch (error) {
      if (error instanceof ConnectLinkError) return reply.code(error.status).send({ error: error.message, issues: [{ field: 'link', message: error.message }] });
      if (error instanceof OAuthError) return reply.code(error.status).send({ error: error.message });
      throw error;
    }
  });

  app.get('/v1/oauth/callback', async (request, reply) => {
    const query = callbackQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send(invalid('invalid query', query.error, '(query)'));
    const clear = deps.oauth.clearCookie(query.data.state);
    if (query.data.error || !query.data.code) {
      return reply.code(400).send({ error: `Pinterest did not grant access: ${query.data.error ?? 'no code'}` });
    }
    try {
      const connected = await deps.oauth.complete(query.data.code, query.data.state, request.headers.cookie);
      if (clear) reply.header('set-cookie', clear);
      return { connected_ad_account_ids: connected };
    } catch (error) {
      if (error instanceof OAuthError) return reply.code(error.status).send({ error: error.message });
      // Pinterest busy or down is not our fault nor the advertiser's: say so and how to go on.
      const again = 'start the connection again from the connect link';
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
}
