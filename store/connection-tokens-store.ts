// The OAuth tokens of a connection (grant): read for a call, and refreshed under a row lock.
import type { Kysely } from 'kysely';
import type { TokenResponse } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import type { Database } from './database-schema';

/** Decrypted tokens of one Pinterest connection; never logged, never put in Temporal history. */
export interface ConnectionTokens {
  connection_id: string;
  /** The Pinterest user who granted it (null: connected before users were recorded). */
  pinterest_user_id: string | null;
  access_token: string;
  refresh_token: string;
  access_token_expires_at: Date;
}

/** Saves refreshed tokens; Pinterest rotates the refresh token, so the new one always replaces the old. */
async function updateConnectionTokens(
  db: Kysely<Database>,
  cipher: TokenCipher,
  connectionId: string,
  previousRefreshToken: string,
  tokens: TokenResponse,
  now: Date,
): Promise<void> {
  await db
    .updateTable('pinterest_connections')
    .set({
      access_token_encrypted: cipher.encrypt(tokens.access_token),
      refresh_token_encrypted: cipher.encrypt(tokens.refresh_token ?? previousRefreshToken),
      encryption_key_id: cipher.currentKeyId,
      access_token_expires_at: new Date(now.getTime() + tokens.expires_in * 1000),
      ...(tokens.refresh_token_expires_in
        ? { refresh_token_expires_at: new Date(now.getTime() + tokens.refresh_token_expires_in * 1000) }
        : {}),
      scope: tokens.scope,
      updated_at: now,
    })
    .where('connection_id', '=', connectionId)
    .execute();
}

/**
 * Loads and decrypts the tokens of the connection that reaches an ad account.
 * @throws Error when the ad account is not connected.
 */
export async function loadTokensForAdAccount(
  db: Kysely<Database>,
  cipher: TokenCipher,
  adAccountId: string,
): Promise<ConnectionTokens> {
  const row = await db
    .selectFrom('ad_accounts')
    .innerJoin('pinterest_connections', 'pinterest_connections.connection_id', 'ad_accounts.connection_id')
    .select([
      'pinterest_connections.connection_id',
      'pinterest_connections.pinterest_user_id',
      'access_token_encrypted',
      'refresh_token_encrypted',
      'access_token_expires_at',
    ])
    .where('ad_accounts.ad_account_id', '=', adAccountId)
    .executeTakeFirst();
  if (!row) throw new Error(`ad account ${adAccountId} is not connected`);
  return {
    connection_id: row.connection_id,
    pinterest_user_id: row.pinterest_user_id,
    access_token: cipher.decrypt(row.access_token_encrypted),
    refresh_token: cipher.decrypt(row.refresh_token_encrypted),
    access_token_expires_at: row.access_token_expires_at,
  };
}

/**
 * Runs `work` with the connection's tokens as they are stored now, under a row lock held until it
 * returns: accounts sharing a grant may refresh at once, and Pinterest rotates the refresh token,
 * so one refresh per grant at a time. `work` may store refreshed tokens through `save` (same
 * transaction). @throws Kysely's NoResultError when the connection is unknown.
 */
export async function withLockedConnectionTokens<T>(
  db: Kysely<Database>,
  cipher: TokenCipher,
  connectionId: string,
  work: (
    stored: { access_token: string; refresh_token: string; access_token_expires_at: Date },
    save: (previousRefreshToken: string, tokens: TokenResponse, now: Date) => Promise<void>,
  ) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('pinterest_connections')
      .select(['access_token_encrypted', 'refresh_token_encrypted', 'access_token_expires_at'])
      .where('connection_id', '=', connectionId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const stored = {
      access_token: cipher.decrypt(row.access_token_encrypted),
      refresh_token: cipher.decrypt(row.refresh_token_encrypted),
      access_token_expires_at: row.access_token_expires_at,
    };
    return work(stored, (previous, tokens, now) => updateConnectionTokens(trx, cipher, connectionId, previous, tokens, now));
  });
}
