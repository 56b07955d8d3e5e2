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
    const refreshed = await refreshAccessToken(http, app, tokens.refresh_token);
    await updateConnectionTokens(db, cipher, tokens.connection_id, tokens.refresh_token, refreshed, now());
    return refreshed.access_token;
  }
}
