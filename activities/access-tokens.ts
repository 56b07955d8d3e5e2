// Valid access tokens for activities: read from the store, refreshed through Pinterest's OAuth
// endpoint when they expire, one refresh per grant at a time.
import type { Kysely } from 'kysely';
import { PinterestApiError, type PinterestHttp } from '../pinterest/http';
import { refreshAccessToken, type PinterestApp } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import { budgetOwner } from '../pinterest/user-account';
import { loadTokensForAdAccount, withLockedConnectionTokens, type ConnectionTokens } from '../store/connection-tokens-store';
import type { Database } from '../store/database-schema';

/** An access token and the connection (OAuth grant) it belongs to. */
export interface GrantToken {
  access_token: string;
  connection_id: string;
}

/**
 * Pinterest refused to refresh a grant (HTTP 400 or 401 from `POST /v5/oauth/token`): the user
 * revoked the app or the refresh token expired. Names the connection, because the ad account may
 * have been reconnected to a new grant while the refresh was under way.
 */
export class GrantRefusedError extends Error {
  constructor(
    readonly connection_id: string,
    readonly refusal: PinterestApiError,
  ) {
    super(refusal.message);
    this.name = 'GrantRefusedError';
  }
}

/**
 * Hands out a valid access token for an ad account, refreshing it through
 * `POST /v5/oauth/token` when it expires within `refreshMarginSeconds`.
 */
export class AccessTokens {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      cipher: TokenCipher;
      http: PinterestHttp;
      app: PinterestApp;
      now: () => Date;
      refreshMarginSeconds: number;
    },
  ) {}

  /**
   * @throws GrantRefusedError when Pinterest refuses the refresh (400 or 401); PinterestApiError
   * for other failed refreshes; Error when the account is not connected.
   */
  async forAdAccount(adAccountId: string, options: { forceRefresh?: boolean } = {}): Promise<GrantToken> {
    const tokens = await loadTokensForAdAccount(this.deps.db, this.deps.cipher, adAccountId);
    const token = await this.fresh(tokens, options);
    // Every token of the user spends one budget, shared by all workers (a refresh keeps it).
    this.deps.http.assignBudgetOwner(token.access_token, budgetOwner(tokens));
    return token;
  }

  private async fresh(tokens: ConnectionTokens, options: { forceRefresh?: boolean }): Promise<GrantToken> {
    const { db, cipher, http, app, now, refreshMarginSeconds } = this.deps;
    const marginMs = refreshMarginSeconds * 1000;
    if (!options.forceRefresh && tokens.access_token_expires_at.getTime() - now().getTime() > marginMs) {
      return { access_token: tokens.access_token, connection_id: tokens.connection_id };
    }
    // Accounts sharing a grant may refresh at once: the others take the token the first stored.
    return withLockedConnectionTokens(db, cipher, tokens.connection_id, async (stored, save) => {
      const refreshedMeanwhile = stored.access_token !== tokens.access_token && stored.access_token_expires_at.getTime() - now().getTime() > marginMs;
      const grant = (access_token: string) => ({ access_token, connection_id: tokens.connection_id });
      if (refreshedMeanwhile) return grant(stored.access_token);
      const refreshed = await refreshAccessToken(http, app, stored.refresh_token).catch((error: unknown) => {
        if (error instanceof PinterestApiError && (error.status === 400 || error.status === 401)) throw new GrantRefusedError(tokens.connection_id, error);
        throw error;
      });
      await save(stored.refresh_token, refreshed, now());
      return grant(refreshed.access_token);
    });
  }
}
