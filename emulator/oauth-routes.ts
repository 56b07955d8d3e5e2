import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import { sendError } from './route-helpers';

/** The emulator's demo Pinterest app (used when no PINTEREST_APP_* is configured). */
export const EMULATOR_APP = { appId: '1500001', appSecret: 'emulator-app-secret' };

/**
 * The OAuth routes: the consent page `GET /oauth/` (auto-approved: redirects at once with a code;
 * `emulator_user_id`, not Pinterest's, names the signed-in user who consents, one of the seed's
 * account owners, default the first account's)
 * and `POST /v5/oauth/token` (grant types `authorization_code` and `refresh_token`, the app's
 * credentials in HTTP Basic).
 */
export function registerOAuthRoutes(server: FastifyInstance, { grants, seed }: EmulatorContext): void {
  server.get('/oauth/', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    if (q.client_id !== EMULATOR_APP.appId) return sendError(reply, 400, 1, 'Unknown client_id.');
    if (!q.redirect_uri || q.response_type !== 'code') return sendError(reply, 400, 1, 'redirect_uri and response_type=code are required.');
    // The browser's Pinterest session: who is signed in and consents.
    if (q.emulator_user_id !== undefined && !seed.adAccounts.some((account) => account.owner.id === q.emulator_user_id)) return sendError(reply, 400, 1, 'emulator_user_id: no seeded account has this owner.');
    const code = grants.issueCode(q.redirect_uri, q.scope ?? 'ads:read', q.emulator_user_id);
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code);
    if (q.state) target.searchParams.set('state', q.state);
    return reply.redirect(target.toString(), 302);
  });

  server.post('/v5/oauth/token', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${EMULATOR_APP.appId}:${EMULATOR_APP.appSecret}`).toString('base64')}`;
    if (header !== expected) return sendError(reply, 401, 2, 'Authentication failed.');
    const form = (request.body ?? {}) as Record<string, string>;
    if (form.grant_type === 'authorization_code') {
      const grant = grants.redeemCode(form.code, form.redirect_uri);
      if (grant === undefined) return sendError(reply, 400, 1, 'Invalid authorization code.');
      return grants.issueTokens(grant.scope, 'authorization_code', grant.userId);
    }
    if (form.grant_type === 'refresh_token') {
      const grant = grants.redeemRefreshToken(form.refresh_token);
      if (grant === undefined) return sendError(reply, 400, 1, 'Invalid refresh token.');
      return grants.issueTokens(grant.scope, 'refresh_token', grant.userId);
    }
    return sendError(reply, 400, 1, 'Unsupported grant_type.');
  });
}
