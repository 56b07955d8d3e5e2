import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './route-helpers';

const ACCESS_TOKEN_SECONDS = 30 * 86_400;
const REFRESH_TOKEN_SECONDS = 60 * 86_400;

interface TokenGrant {
  /** Epoch milliseconds. */
  expiresAt: number;
  scope: string;
  /** The Pinterest user who granted it (their rate budgets are per user). */
  userId: string;
}

/** The token pair Pinterest answers `POST /v5/oauth/token` with (OauthAccessTokenResponseCode / ...Refresh). */
export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  response_type: 'authorization_code' | 'refresh_token';
  token_type: 'bearer';
  /** Seconds. */
  expires_in: number;
  /** Seconds. */
  refresh_token_expires_in: number;
  scope: string;
}

/** The emulator's OAuth state: authorization codes, access and refresh tokens, conversion tokens. */
export class OAuthGrants {
  /** Every OAuth access and refresh token issued (tests look for them where they must not be). */
  readonly issuedTokens: string[] = [];
  private readonly codes = new Map<string, { redirectUri: string; scope: string; userId: string }>();
  private readonly accessTokens = new Map<string, TokenGrant>();
  private readonly refreshTokens = new Map<string, TokenGrant>();
  /** Conversion access tokens (Ads Manager → Conversions) by token: the ad account each serves. */
  private readonly conversionTokens = new Map<string, string>();

  /** @param userId the emulator's default user, who approves a consent that names no other (the seed's first account owner). */
  constructor(
    private readonly now: () => Date,
    private readonly userId: string,
  ) {}

  /** A new authorization code, redeemable once with the same `redirectUri`, granted by `userId` (default: the emulator's user). */
  issueCode(redirectUri: string, scope: string, userId = this.userId): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { redirectUri, scope, userId });
    return code;
  }

  /** Spends an authorization code. @returns its scope and user, or undefined when unknown or issued for another redirect URI. */
  redeemCode(code: string | undefined, redirectUri: string | undefined): { scope: string; userId: string } | undefined {
    const grant = code ? this.codes.get(code) : undefined;
    if (!grant || grant.redirectUri !== redirectUri) return undefined;
    this.codes.delete(code!);
    return { scope: grant.scope, userId: grant.userId };
  }

  /** Spends a refresh token. @returns its scope and user, or undefined when unknown or expired. */
  redeemRefreshToken(token: string | undefined): { scope: string; userId: string } | undefined {
    const grant = token ? this.refreshTokens.get(token) : undefined;
    if (!grant || grant.expiresAt <= this.now().getTime()) return undefined;
    // Continuous refresh: the old refresh token is replaced by a new one.
    this.refreshTokens.delete(token!);
    return { scope: grant.scope, userId: grant.userId };
  }

  /** The user whose OAuth access token an `Authorization` header carries, or undefined for any other credential. */
  userOf(authorization: string | undefined): string | undefined {
    return authorization?.startsWith('Bearer ') ? this.accessTokens.get(authorization.slice(7))?.userId : undefined;
  }

  /** A new token pair of `userId` (default: the emulator's user) in the OauthAccessTokenResponseCode / ...Refresh shape. */
  issueTokens(scope: string, responseType: 'authorization_code' | 'refresh_token', userId = this.userId): IssuedTokens {
    const access = `pina_${randomBytes(24).toString('base64url')}`;
    const refresh = `pinr_${randomBytes(24).toString('base64url')}`;
    const nowMs = this.now().getTime();
    this.accessTokens.set(access, { expiresAt: nowMs + ACCESS_TOKEN_SECONDS * 1000, scope, userId });
    this.refreshTokens.set(refresh, { expiresAt: nowMs + REFRESH_TOKEN_SECONDS * 1000, scope, userId });
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
  authorize(request: FastifyRequest, reply: FastifyReply): boolean {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const grant = this.accessTokens.get(token);
    if (!grant || grant.expiresAt <= this.now().getTime()) {
      sendError(reply, 401, 2, 'Authentication failed.');
      return false;
    }
    return true;
  }

  /**
   * Whether the request's OAuth access token was granted `scope` (Pinterest's comma-separated
   * scope list); answers 401 with Pinterest's code 3 when it was not. Call after `authorize`.
   */
  authorizeScope(request: FastifyRequest, reply: FastifyReply, scope: string): boolean {
    const header = request.headers.authorization ?? '';
    const grant = this.accessTokens.get(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (grant?.scope.split(/[,\s]+/).includes(scope)) return true;
    sendError(reply, 401, 3, 'Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.');
    return false;
  }

  /** A conversion access token for one ad account, valid only on its events endpoint. */
  issueConversionToken(adAccountId: string): string {
    const token = `pinc_${randomBytes(24).toString('base64url')}`;
    this.conversionTokens.set(token, adAccountId);
    return token;
  }

  /** The ad account a conversion access token serves, or undefined for any other token. */
  conversionTokenAccount(token: string): string | undefined {
    return this.conversionTokens.get(token);
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
}
