// The token and re-authorization policy of every Pinterest call an activity makes: which token, when
// to refresh it, and what a refusal means for the account.
import { ApplicationFailure } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { AccessTokens, GrantRefusedError } from './access-tokens';
import { PinterestApiError, type PinterestHttp } from '../pinterest/http';
import type { PinterestApp } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import { markNeedsReauth } from '../store/connections-store';
import type { Database } from '../store/database-schema';
import { FAILURE_TYPES } from '../workflows/shared';
import { accountRateLimited } from '../observability/metrics';
import { asActivityFailure } from './activity-failures';

/** Counts the account in `routy_pinterest_rate_limited_accounts` when Pinterest rate-limited the call (429 or code 8). */
function noteRateLimit(adAccountId: string, error: unknown): void {
  if (error instanceof PinterestApiError && error.rateLimited) accountRateLimited(adAccountId, error.retryAfterSeconds);
}

/** How activities reach Pinterest with a token; errors leave as Temporal failures (see `asActivityFailure`). */
export interface PinterestGrant {
  /**
   * Runs a Pinterest call with a valid OAuth token; a 401 refreshes the token once and retries. A
   * refused refresh, or a 401 right after one, means the grant is gone: the accounts on it move
   * to `needs_reauth` and the failure is non-retryable (`PinterestReauthRequired`). When the
   * account was reconnected to a new grant meanwhile, the refusal is stale: the failure is
   * retryable (`PinterestGrantReplaced`), and the next attempt uses the new grant.
   */
  withToken: <T>(adAccountId: string, call: (accessToken: string) => Promise<T>) => Promise<T>;
  /**
   * Runs a Conversions API call with the account's conversion token when one is configured (it
   * does not expire and has no refresh: a 401 is a non-retryable `PinterestApiError` with
   * `{status: 401}`), else with the OAuth token through `withToken`.
   */
  withCapiToken: <T>(adAccountId: string, account: { conversion_token_encrypted: string | null }, call: (token: string) => Promise<T>) => Promise<T>;
}

/** Builds the grant policy over stored connections; `refreshMarginSeconds` refreshes tokens that long before they expire. */
export function createPinterestGrant(deps: {
  db: Kysely<Database>;
  http: PinterestHttp;
  app: PinterestApp;
  cipher: TokenCipher;
  now: () => Date;
  refreshMarginSeconds: number;
}): PinterestGrant {
  const tokens = new AccessTokens({
    db: deps.db,
    cipher: deps.cipher,
    http: deps.http,
    app: deps.app,
    now: deps.now,
    refreshMarginSeconds: deps.refreshMarginSeconds,
  });

  async function withToken<T>(adAccountId: string, call: (accessToken: string) => Promise<T>): Promise<T> {
    const reauth = async (connectionId: string, error: PinterestApiError) => {
      if (!(await markNeedsReauth(deps.db, adAccountId, connectionId))) {
        return ApplicationFailure.retryable(`the account was reconnected during the call; retrying with the new grant (${error.message})`, FAILURE_TYPES.grantReplaced);
      }
      return ApplicationFailure.nonRetryable(`Pinterest refused the grant; reconnect the account: ${error.message}`, FAILURE_TYPES.reauth);
    };
    const token = async (forceRefresh: boolean) => {
      try {
        return await tokens.forAdAccount(adAccountId, { forceRefresh });
      } catch (error) {
        if (error instanceof GrantRefusedError) throw await reauth(error.connection_id, error.refusal);
        throw error;
      }
    };
    try {
      try {
        return await call((await token(false)).access_token);
      } catch (error) {
        if (!(error instanceof PinterestApiError) || error.status !== 401) throw error;
      }
      const refreshed = await token(true);
      try {
        return await call(refreshed.access_token);
      } catch (error) {
        if (error instanceof PinterestApiError && error.status === 401) throw await reauth(refreshed.connection_id, error);
        throw error;
      }
    } catch (error) {
      noteRateLimit(adAccountId, error);
      throw asActivityFailure(error);
    }
  }

  async function withCapiToken<T>(
    adAccountId: string,
    account: { conversion_token_encrypted: string | null },
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    if (!account.conversion_token_encrypted) return withToken(adAccountId, call);
    try {
      return await call(deps.cipher.decrypt(account.conversion_token_encrypted));
    } catch (error) {
      // A refused conversion token has no refresh: retrying cannot help until an operator replaces it.
      if (error instanceof PinterestApiError && error.status === 401) {
        throw ApplicationFailure.nonRetryable(`the account's conversion token was refused: ${error.message}`, FAILURE_TYPES.api, { status: 401 });
      }
      noteRateLimit(adAccountId, error);
      throw asActivityFailure(error);
    }
  }

  return { withToken, withCapiToken };
}
