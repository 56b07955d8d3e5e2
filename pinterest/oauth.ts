import { z } from 'zod';
import type { PinterestHttp } from './http';

/** Scopes the connector asks for: read ads and reports, write conversions. */
const OAUTH_SCOPES = ['ads:read', 'ads:write', 'user_accounts:read'] as const;

/** The Pinterest app's credentials (PINTEREST_APP_ID / _SECRET / _REDIRECT_URI). */
export interface PinterestApp {
  appId: string;
  appSecret: string;
  redirectUri: string;
}

/** OauthAccessTokenResponseCode / ...Refresh: token lifetimes are in seconds. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  token_type: z.string(),
  expires_in: z.number().int().positive(),
  refresh_token_expires_in: z.number().int().positive().optional(),
  scope: z.string(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/**
 * URL the user is sent to for consent (Pinterest's `https://www.pinterest.com/oauth/`), asking for
 * `OAUTH_SCOPES` plus `extraScopes` (`msot:write` for an account opted in to MSOT events).
 */
export function buildAuthorizeUrl(authorizeUrl: string, app: PinterestApp, state: string, extraScopes: readonly string[] = []): string {
  const url = new URL(authorizeUrl);
  url.searchParams.set('client_id', app.appId);
  url.searchParams.set('redirect_uri', app.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', [...OAUTH_SCOPES, ...extraScopes].join(','));
  url.searchParams.set('state', state);
  return url.toString();
}

/**
 * Exchanges an authorization code for tokens. `POST /v5/oauth/token` (operationId
 * `oauth/token`), HTTP Basic client auth, form body `grant_type=authorization_code`.
 * @throws PinterestApiError when Pinterest refuses the code.
 */
export function exchangeAuthorizationCode(http: PinterestHttp, app: PinterestApp, code: string): Promise<TokenResponse> {
  return http.request({
    method: 'POST',
    path: '/oauth/token',
    category: 'oauth',
    basicAuth: { username: app.appId, password: app.appSecret },
    form: { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri },
    schema: tokenResponseSchema,
  });
}

/**
 * Gets a new access token (and, as Pinterest rotates them, a new refresh token).
 * `POST /v5/oauth/token` with `grant_type=refresh_token`, `continuous_refresh=true`.
 * @throws PinterestApiError (400/401) when the grant is invalid or revoked.
 */
export function refreshAccessToken(http: PinterestHttp, app: PinterestApp, refreshToken: string): Promise<TokenResponse> {
  return http.request({
    method: 'POST',
    path: '/oauth/token',
    category: 'oauth',
    basicAuth: { username: app.appId, password: app.appSecret },
    form: { grant_type: 'refresh_token', refresh_token: refreshToken, continuous_refresh: 'true' },
    schema: tokenResponseSchema,
  });
}
