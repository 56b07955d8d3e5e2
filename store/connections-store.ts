import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TokenResponse } from '../pinterest/oauth';
import type { AdAccount } from '../pinterest/entities';
import type { TokenCipher } from '../secrets/token-cipher';
import type { Database } from './database-schema';
import type { AttributionSettings } from '../domain/attribution-settings';

/**
 * Stores a new OAuth grant with both tokens encrypted, and the Pinterest user who granted it
 * (null: unknown). Returns the new connection id.
 */
export async function insertConnection(
  db: Kysely<Database>,
  cipher: TokenCipher,
  tokens: TokenResponse,
  now: Date,
  pinterestUserId: string | null = null,
): Promise<string> {
  if (!tokens.refresh_token) throw new Error('Pinterest returned no refresh_token for the authorization code');
  const connection_id = randomUUID();
  await db
    .insertInto('pinterest_connections')
    .values({
      connection_id,
      access_token_encrypted: cipher.encrypt(tokens.access_token),
      refresh_token_encrypted: cipher.encrypt(tokens.refresh_token),
      encryption_key_id: cipher.currentKeyId,
      access_token_expires_at: new Date(now.getTime() + tokens.expires_in * 1000),
      refresh_token_expires_at: tokens.refresh_token_expires_in
        ? new Date(now.getTime() + tokens.refresh_token_expires_in * 1000)
        : null,
      scope: tokens.scope,
      pinterest_user_id: pinterestUserId,
    })
    .execute();
  return connection_id;
}

/**
 * Records an ad account with its attribution settings, Routy advertiser and Pinterest creation
 * time (`created_time`, Unix seconds, stored as a timestamp; refreshed at every connect), or re-points a known
 * one at a new connection, unless it is connected to another Routy advertiser (one stored before
 * advertisers were recorded, with none, is taken by the first).
 * @returns false when the account belongs to another advertiser and was left as it was.
 */
export async function upsertAdAccount(
  db: Kysely<Database>,
  connectionId: string,
  account: AdAccount,
  settings: AttributionSettings,
  advertiserId: string,
): Promise<boolean> {
  const values = {
    routy_advertiser_id: advertiserId,
    connection_id: connectionId,
    name: account.name,
    currency: account.currency,
    country: account.country ?? null,
    time_zone: account.time_zone ?? null,
    created_time: account.created_time == null ? null : new Date(account.created_time * 1000),
    connection_status: 'connected',
    ...settings,
  };
  // A reconnect re-points the account at the new grant and keeps the settings the user chose.
  const { click_window_days: _c, engagement_window_days: _e, view_window_days: _v, conversion_report_time: _r, ...reconnect } = values;
  const written = await db
    .insertInto('ad_accounts')
    .values({ ad_account_id: account.id, ...values })
    .onConflict((oc) =>
      oc
        .column('ad_account_id')
        .doUpdateSet(reconnect)
        .where((eb) => eb.or([eb('ad_accounts.routy_advertiser_id', 'is', null), eb('ad_accounts.routy_advertiser_id', '=', advertiserId)])),
    )
    .returning('ad_account_id')
    .execute();
  return written.length === 1;
}

/** The Routy advertiser each known account of `adAccountIds` is connected to (null: stored before advertisers were recorded). */
export async function adAccountAdvertisers(db: Kysely<Database>, adAccountIds: string[]): Promise<Map<string, string | null>> {
  if (adAccountIds.length === 0) return new Map();
  const rows = await db.selectFrom('ad_accounts').select(['ad_account_id', 'routy_advertiser_id']).where('ad_account_id', 'in', adAccountIds).execute();
  return new Map(rows.map((row) => [row.ad_account_id, row.routy_advertiser_id]));
}

/** Marks an OAuth `state` nonce used; false when it was used before (a replay). */
export async function consumeOauthNonce(db: Kysely<Database>, nonce: string): Promise<boolean> {
  // A state expires in 15 minutes: nonces older than a day can never be replayed, so they go.
  await db.deleteFrom('oauth_states').where('used_at', '<', new Date(Date.now() - 86_400_000)).execute();
  const inserted = await db
    .insertInto('oauth_states')
    .values({ nonce })
    .onConflict((oc) => oc.column('nonce').doNothing())
    .returning('nonce')
    .execute();
  return inserted.length === 1;
}

/**
 * Every ad account on a refused connection (the grant is shared) moves to `needs_reauth`.
 * @returns false when `adAccountId` is no longer on that connection: it was reconnected to a new
 * grant while the refused call was under way, so the refusal is stale for it.
 */
export async function markNeedsReauth(db: Kysely<Database>, adAccountId: string, connectionId: string): Promise<boolean> {
  const marked = await db
    .updateTable('ad_accounts')
    .set({ connection_status: 'needs_reauth' })
    .where('connection_id', '=', connectionId)
    .returning('ad_account_id')
    .execute();
  return marked.some((row) => row.ad_account_id === adAccountId);
}

/**
 * Stores new attribution settings and forgets how far the account was pulled, so the next pull
 * backfills under them (metrics rows are keyed by the settings they were pulled under).
 */
export async function saveAttributionSettings(db: Kysely<Database>, adAccountId: string, settings: AttributionSettings): Promise<void> {
  await db
    .updateTable('ad_accounts')
    .set({ ...settings, last_pulled_through: null })
    .where('ad_account_id', '=', adAccountId)
    .execute();
}

/**
 * Records a complete pull: `at` as the last successful pull, `pulledThrough` (`YYYY-MM-DD`, the
 * last whole day read, in the account's time zone) as where the next pull's missed days start,
 * and the account as `connected` again (a pull that got through proves the grant works).
 */
export async function recordSuccessfulPull(db: Kysely<Database>, adAccountId: string, pulledThrough: string, at: Date): Promise<void> {
  await db
    .updateTable('ad_accounts')
    .set({ last_successful_pull_at: at, last_pulled_through: pulledThrough, connection_status: 'connected' })
    .where('ad_account_id', '=', adAccountId)
    .execute();
}

/**
 * Sets an account's Conversions API options: `test_mode` (`?test=true`), and a conversion token
 * (encrypted here; null goes back to the OAuth token). @returns false when the account is unknown.
 */
export async function saveConversionsApiOptions(
  db: Kysely<Database>,
  cipher: TokenCipher,
  adAccountId: string,
  options: { test_mode?: boolean; conversion_token?: string | null },
): Promise<boolean> {
  const set = {
    ...(options.test_mode !== undefined ? { capi_test_mode: options.test_mode } : {}),
    ...(options.conversion_token !== undefined
      ? { conversion_token_encrypted: options.conversion_token === null ? null : cipher.encrypt(options.conversion_token) }
      : {}),
  };
  if (Object.keys(set).length === 0) {
    return Boolean(await db.selectFrom('ad_accounts').select('ad_account_id').where('ad_account_id', '=', adAccountId).executeTakeFirst());
  }
  const updated = await db.updateTable('ad_accounts').set(set).where('ad_account_id', '=', adAccountId).returning('ad_account_id').execute();
  return updated.length === 1;
}

/**
 * An account's Conversions API options as they are stored: `test_mode` and whether a conversion
 * token is set (the token itself never leaves the store here).
 * @throws Error (Kysely's NoResultError) when the account is unknown.
 */
export async function loadConversionsApiOptions(db: Kysely<Database>, adAccountId: string): Promise<{ test_mode: boolean; conversion_token_set: boolean }> {
  const row = await db
    .selectFrom('ad_accounts')
    .select(['capi_test_mode', 'conversion_token_encrypted'])
    .where('ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  return { test_mode: row.capi_test_mode, conversion_token_set: Boolean(row.conversion_token_encrypted) };
}

/**
 * The attribution settings stored for an account (those it was connected with, or set later).
 * @throws Error (Kysely's NoResultError) when the account is unknown.
 */
export async function loadAttributionSettings(db: Kysely<Database>, adAccountId: string): Promise<AttributionSettings> {
  const stored = await db
    .selectFrom('ad_accounts')
    .select(['click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'])
    .where('ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  return { ...stored, conversion_report_time: stored.conversion_report_time as AttributionSettings['conversion_report_time'] };
}

/**
 * Re-encrypts every stored secret (OAuth access and refresh tokens, per-account conversion
 * tokens) under the cipher's newest key, row by row under a row lock so a concurrent token
 * refresh is not overwritten. After it, an old key can leave `ROUTY_ENCRYPTION_KEYS`.
 * @returns how many rows were rewritten.
 * @throws Error when a value was encrypted with a key the cipher no longer lists.
 */
export async function reencryptSecrets(db: Kysely<Database>, cipher: TokenCipher): Promise<{ connections: number; conversion_tokens: number }> {
  const current = cipher.currentKeyId;
  const stale = (value: string) => value.split('.')[1] !== current;
  let connections = 0;
  let conversionTokens = 0;
  const ids = await db.selectFrom('pinterest_connections').select('connection_id').execute();
  for (const { connection_id } of ids) {
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('pinterest_connections').select(['access_token_encrypted', 'refresh_token_encrypted']).where('connection_id', '=', connection_id).forUpdate().executeTakeFirst();
      if (!row || (!stale(row.access_token_encrypted) && !stale(row.refresh_token_encrypted))) return;
      await trx
        .updateTable('pinterest_connections')
        .set({
          access_token_encrypted: cipher.encrypt(cipher.decrypt(row.access_token_encrypted)),
          refresh_token_encrypted: cipher.encrypt(cipher.decrypt(row.refresh_token_encrypted)),
          encryption_key_id: current,
        })
        .where('connection_id', '=', connection_id)
        .execute();
      connections += 1;
    });
  }
  const accounts = await db.selectFrom('ad_accounts').select('ad_account_id').where('conversion_token_encrypted', 'is not', null).execute();
  for (const { ad_account_id } of accounts) {
    await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('ad_accounts').select('conversion_token_encrypted').where('ad_account_id', '=', ad_account_id).forUpdate().executeTakeFirst();
      if (!row?.conversion_token_encrypted || !stale(row.conversion_token_encrypted)) return;
      await trx.updateTable('ad_accounts').set({ conversion_token_encrypted: cipher.encrypt(cipher.decrypt(row.conversion_token_encrypted)) }).where('ad_account_id', '=', ad_account_id).execute();
      conversionTokens += 1;
    });
  }
  return { connections, conversion_tokens: conversionTokens };
}
