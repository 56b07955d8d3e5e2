import type { Kysely } from 'kysely';
import type { Database } from '../store/database-schema';
import { loadTokensForAdAccount, updateConnectionTokens } from '../store/connections-store';
import type { TokenCipher } from '../secrets/token-cipher';
import type { PinterestHttp } from './http';
import { refreshAccessToken, type PinterestApp } from './oauth';

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

  /** @throws PinterestApiError when the refresh is refused; Error when the account is not connected. */
  async forAdAccount(adAccountId: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const { db, cipher, http, app, now, refreshMarginSeconds } = this.deps;
    const tokens = await loadTokensForAdAccount(db, cipher, adAccountId);
    const marginMs = refreshMarginSeconds * 1000;
    if (!options.forceRefresh && tokens.access_token_expires_at.getTime() - now().getTime() > marginMs) {
      return tokens.access_token;
    }
    // Accounts sharing a grant may refresh at once, and Pinterest rotates the refresh token: one
    // refresh per grant, under a row lock; the others take the token it stored.
    return db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('pinterest_connections')
        .select(['access_token_encrypted', 'refresh_token_encrypted', 'access_token_expires_at'])
        .where('connection_id', '=', tokens.connection_id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const current = cipher.decrypt(row.access_token_encrypted);
      const refreshedMeanwhile = current !== tokens.access_token && row.access_token_expires_at.getTime() - now().getTime() > marginMs;
      if (refreshedMeanwhile) return current;
      const refreshToken = cipher.decrypt(row.refresh_token_encrypted);
      const refreshed = await refreshAccessToken(http, app, refreshToken);
      await updateConnectionTokens(trx, cipher, tokens.connection_id, refreshToken, refreshed, now());
      return refreshed.access_token;
    });
  }
}
