import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { conversionReportTimeSchema, WINDOW_DAYS, windowDaysSchema } from '../../domain/attribution-settings';
import { pinterestIdSchema } from '../../domain/routy-records';
import { PinterestApiError } from '../../pinterest/http';
import { OAuthError, type OAuthFlow } from '../oauth-flow';
import { invalid } from './invalid-answer';

/** fetch gave up: a timeout (AbortSignal.timeout), an abort, or no connection at all. */
const isNetworkFailure = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError' || (error instanceof TypeError && error.message === 'fetch failed'));

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
 * Connecting ad accounts through Pinterest's OAuth: `GET /v1/oauth/start` (optional
 * `ad_account_id`, repeatable, and attribution windows) answers 302 to the consent page;
 * `GET /v1/oauth/callback` (`code`, `state`) answers `{connected_ad_account_ids}`, 400 for a
 * refusal, 503 / 502 / 504 when Pinterest is rate limiting, failing or silent.
 */
export function oauthRoutes(app: FastifyInstance, deps: { oauth: OAuthFlow }): void {
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
}
