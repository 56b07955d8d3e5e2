import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listAdAccounts } from '../pinterest/entities';
import type { PinterestHttp } from '../pinterest/http';
import { buildAuthorizeUrl, exchangeAuthorizationCode, type PinterestApp } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import { consumeOauthNonce, insertConnection, loadAttributionSettings, upsertAdAccount } from '../store/connections-store';
import type { Database } from '../store/database-schema';
import { CONVERSION_REPORT_TIMES, DEFAULT_ATTRIBUTION_SETTINGS, settingsProblems, type AttributionSettings } from '../domain/attribution-settings';
import type { RoutyPinterestClient } from '../client/routy-client';

/** How long a consent link stays valid, in seconds. */
const STATE_TTL_SECONDS = 15 * 60;

const statePayloadSchema = z.object({
  n: z.string().min(16),
  exp: z.number().int(),
  /** Ad accounts the user picked; omitted: every account the grant reaches. */
  a: z.array(z.string().regex(/^\d+$/)).optional(),
  /** Attribution settings chosen at connect for newly connected accounts. */
  s: z
    .object({
      click_window_days: z.number().int(),
      engagement_window_days: z.number().int(),
      view_window_days: z.number().int(),
      conversion_report_time: z.enum(CONVERSION_REPORT_TIMES),
    })
    .partial()
    .optional(),
});

/** Refusal of an OAuth callback: a bad, expired or replayed `state`, or a refused code. */
export class OAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OAuthError';
  }
}

/**
 * Pinterest's OAuth authorization-code flow: a signed, single-use, expiring `state`; code exchange
 * at `POST /v5/oauth/token`; tokens encrypted at rest; one workflow started per ad account.
 */
export class OAuthFlow {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      cipher: TokenCipher;
      http: PinterestHttp;
      app: PinterestApp;
      authorizeUrl: string;
      /** HMAC key for `state`. */
      stateSecret: Buffer;
      client: RoutyPinterestClient;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.deps.stateSecret).update(payload).digest('base64url');
  }

  /**
   * The consent URL to send the user to; `adAccountIds` limits which accounts get connected and
   * `settings` sets their attribution windows (Pinterest's defaults otherwise).
   * @throws OAuthError naming the setting when a value is not allowed.
   */
  authorizationUrl(options: { adAccountIds?: string[]; settings?: Partial<AttributionSettings> } = {}): string {
    const problems = settingsProblems(options.settings ?? {});
    if (problems.length > 0) throw new OAuthError(problems.join('; '));
    const payload = Buffer.from(
      JSON.stringify({
        n: randomBytes(16).toString('hex'),
        exp: Math.floor(this.now().getTime() / 1000) + STATE_TTL_SECONDS,
        ...(options.adAccountIds?.length ? { a: options.adAccountIds } : {}),
        ...(options.settings && Object.keys(options.settings).length ? { s: options.settings } : {}),
      }),
    ).toString('base64url');
    return buildAuthorizeUrl(this.deps.authorizeUrl, this.deps.app, `${payload}.${this.sign(payload)}`);
  }

  /**
   * Handles the redirect back from Pinterest: checks `state`, exchanges `code`, stores the
   * encrypted tokens and the ad accounts, and starts each account's workflow.
   * @throws OAuthError for a forged, expired or replayed state; PinterestApiError when Pinterest refuses the code.
   * @returns the ad account ids connected.
   */
  async complete(code: string, state: string): Promise<string[]> {
    const [payload, signature] = state.split('.');
    if (!payload || !signature) throw new OAuthError('state: malformed');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new OAuthError('state: bad signature');
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw new OAuthError('state: malformed');
    }
    const parsed = statePayloadSchema.safeParse(decoded);
    if (!parsed.success) throw new OAuthError('state: malformed');
    if (parsed.data.exp * 1000 < this.now().getTime()) throw new OAuthError('state: expired; start the connection again');
    if (!(await consumeOauthNonce(this.deps.db, parsed.data.n))) throw new OAuthError('state: already used');

    const tokens = await exchangeAuthorizationCode(this.deps.http, this.deps.app, code);
    const reachable = await listAdAccounts(this.deps.http, tokens.access_token);
    const wanted = parsed.data.a;
    const missing = wanted?.filter((id) => !reachable.some((account) => account.id === id)) ?? [];
    if (missing.length > 0) throw new OAuthError(`ad_account_id: ${missing.join(', ')} not reachable with this Pinterest grant`);
    const picked = wanted ? reachable.filter((account) => wanted.includes(account.id)) : reachable;
    if (picked.length === 0) throw new OAuthError('this Pinterest grant reaches no ad account');
    const connectionId = await insertConnection(this.deps.db, this.deps.cipher, tokens, this.now());
    const chosen = { ...DEFAULT_ATTRIBUTION_SETTINGS, ...parsed.data.s };
    for (const account of picked) {
      // A known account keeps its stored settings; a new one takes those chosen at connect. The
      // workflow starts (if it is not running) with what is stored, so the two never disagree.
      await upsertAdAccount(this.deps.db, connectionId, account, chosen);
      const settings = await loadAttributionSettings(this.deps.db, account.id);
      await this.deps.client.connectAdAccount({ ad_account_id: account.id, settings });
    }
    return picked.map((account) => account.id);
  }
}
