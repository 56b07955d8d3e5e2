import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listAdAccounts } from '../pinterest/entities';
import type { PinterestHttp } from '../pinterest/http';
import { buildAuthorizeUrl, exchangeAuthorizationCode, type PinterestApp } from '../pinterest/oauth';
import { getUserAccount, userBudgetOwner } from '../pinterest/user-account';
import type { TokenCipher } from '../secrets/token-cipher';
import { adAccountAdvertisers, consumeOauthNonce, insertConnection, loadAttributionSettings, upsertAdAccount } from '../store/connections-store';
import type { Database } from '../store/database-schema';
import { DEFAULT_ATTRIBUTION_SETTINGS, settingsProblems } from '../domain/attribution-settings';
import type { RoutyPinterestClient } from '../client/routy-client';
import { signedSettingsSchema, type ConnectLink } from './connect-link';
import { MSOT_SCOPE } from '../domain/msot-event';
import { msotOptedIn } from '../store/msot-store';

/** How long a consent link stays valid, in seconds. */
const STATE_TTL_SECONDS = 15 * 60;

const statePayloadSchema = z.object({
  n: z.string().regex(/^[0-9a-f]{32}$/),
  exp: z.number().int(),
  /** The Routy advertiser of the connect link the flow started from. */
  r: z.string().min(1).max(200),
  /** SHA-256 (base64url) of the browser cookie's value: the state is good only with that cookie. */
  b: z.string().min(1),
  /** Ad accounts the user picked; omitted: every account the grant reaches. */
  a: z.array(z.string().regex(/^\d+$/)).optional(),
  /** Attribution settings chosen at connect for newly connected accounts. */
  s: signedSettingsSchema.optional(),
});

/**
 * Refusal of an OAuth callback: `status` 400 for a bad, expired or replayed `state` or a refused
 * code; 403 when the browser did not start the flow (no matching cookie) or an ad account belongs
 * to another Routy advertiser.
 */
export class OAuthError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 = 400,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

/** The cookie binding one flow to its browser: `routy_oauth_<state nonce>`. */
const cookieName = (nonce: string) => `routy_oauth_${nonce}`;

/** The value of cookie `name` in a `Cookie` header, if present. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

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
      /** HMAC key for connect links (connectLinkSecret). */
      linkSecret: Buffer;
      client: RoutyPinterestClient;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The connect links' HMAC key, for the routes that issue and check them. */
  get linkSecret(): Buffer {
    return this.deps.linkSecret;
  }

  /** Where connect links point: `/v1/oauth/start` on the redirect URI's origin. */
  get startUrl(): string {
    return new URL('/v1/oauth/start', this.deps.app.redirectUri).toString();
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.deps.stateSecret).update(payload).digest('base64url');
  }

  /**
   * Starts a flow from a verified connect link: the consent URL to send the browser to, and the
   * `Set-Cookie` value binding the flow to that browser (HttpOnly, SameSite=Lax, path of the
   * redirect URI, 15 minutes; Secure when the redirect URI is https). The link's ad accounts,
   * settings and advertiser go into the signed `state`. With `msot` (see {@link wantsMsot}) it
   * asks for scope `msot:write` too.
   * @throws OAuthError naming the setting when a value is not allowed.
   */
  start(link: ConnectLink, msot = false): { url: string; setCookie: string } {
    const problems = settingsProblems(link.settings ?? {});
    if (problems.length > 0) throw new OAuthError(problems.join('; '));
    const nonce = randomBytes(16).toString('hex');
    const browserKey = randomBytes(32).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({
        n: nonce,
        exp: Math.floor(this.now().getTime() / 1000) + STATE_TTL_SECONDS,
        r: link.advertiserId,
        b: digest(browserKey),
        ...(link.adAccountIds?.length ? { a: link.adAccountIds } : {}),
        ...(link.settings && Object.keys(link.settings).length ? { s: link.settings } : {}),
      }),
    ).toString('base64url');
    const redirect = new URL(this.deps.app.redirectUri);
    const attributes = [`Path=${redirect.pathname}`, `Max-Age=${STATE_TTL_SECONDS}`, 'HttpOnly', 'SameSite=Lax', ...(redirect.protocol === 'https:' ? ['Secure'] : [])];
    return {
      url: buildAuthorizeUrl(this.deps.authorizeUrl, this.deps.app, `${payload}.${this.sign(payload)}`, msot ? [MSOT_SCOPE] : []),
      setCookie: `${cookieName(nonce)}=${browserKey}; ${attributes.join('; ')}`,
    };
  }

  /**
   * Whether the consent asks for scope `msot:write` (Measurement Source of Truth events): the link
   * asks (`msot`), or one of its accounts (all the advertiser's, when it names none) opted in.
   */
  async wantsMsot(link: ConnectLink): Promise<boolean> {
    return link.msot === true || msotOptedIn(this.deps.db, link.adAccountIds, link.advertiserId);
  }

  /** The `Set-Cookie` value that removes the cookie of the flow `state` belongs to (none for a malformed state). */
  clearCookie(state: string): string | undefined {
    const payload = this.decodeState(state);
    if (!payload) return undefined;
    return `${cookieName(payload.n)}=; Path=${new URL(this.deps.app.redirectUri).pathname}; Max-Age=0; HttpOnly; SameSite=Lax`;
  }

  /** The state's payload when it is signed by us and well formed; undefined otherwise. */
  private decodeState(state: string): z.infer<typeof statePayloadSchema> | undefined {
    const [payload, signature] = state.split('.');
    if (!payload || !signature) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const parsed = statePayloadSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Handles the redirect back from Pinterest: checks `state` and that `cookieHeader` holds the
   * cookie {@link start} set in this browser, and only then exchanges `code`; refuses accounts
   * connected to another Routy advertiser; stores the encrypted tokens and the ad accounts (with
   * the link's advertiser), and starts each account's workflow.
   * @throws OAuthError for a forged, expired or replayed state (400), a browser that did not start
   * the flow or an account of another advertiser (403); PinterestApiError when Pinterest refuses the code.
   * @returns the ad account ids connected.
   */
  async complete(code: string, state: string, cookieHeader: string | undefined): Promise<string[]> {
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
    const browserKey = cookieValue(cookieHeader, cookieName(parsed.data.n));
    const bound = Buffer.from(digest(browserKey ?? ''));
    const promised = Buffer.from(parsed.data.b);
    if (!browserKey || bound.length !== promised.length || !timingSafeEqual(bound, promised)) {
      throw new OAuthError('state: this browser did not start the connection (no matching cookie); open the connect link again in the browser that gives consent', 403);
    }
    const advertiser = parsed.data.r;
    // Accounts named in the link are checked before the code is spent: a refusal costs no Pinterest call.
    if (parsed.data.a) await this.refuseOtherAdvertisers(parsed.data.a, advertiser);
    if (!(await consumeOauthNonce(this.deps.db, parsed.data.n))) throw new OAuthError('state: already used');

    const tokens = await exchangeAuthorizationCode(this.deps.http, this.deps.app, code);
    // Whose grant it is: Pinterest's rate budgets are per user, so every worker spends theirs.
    const userId = (await getUserAccount(this.deps.http, tokens.access_token)).id ?? null;
    if (userId) this.deps.http.assignBudgetOwner(tokens.access_token, userBudgetOwner(userId));
    const reachable = await listAdAccounts(this.deps.http, tokens.access_token);
    const wanted = parsed.data.a;
    const missing = wanted?.filter((id) => !reachable.some((account) => account.id === id)) ?? [];
    if (missing.length > 0) throw new OAuthError(`ad_account_id: ${missing.join(', ')} not reachable with this Pinterest grant`);
    const picked = wanted ? reachable.filter((account) => wanted.includes(account.id)) : reachable;
    if (picked.length === 0) throw new OAuthError('this Pinterest grant reaches no ad account');
    await this.refuseOtherAdvertisers(picked.map((account) => account.id), advertiser);
    const connectionId = await insertConnection(this.deps.db, this.deps.cipher, tokens, this.now(), userId);
    const chosen = { ...DEFAULT_ATTRIBUTION_SETTINGS, ...parsed.data.s };
    for (const account of picked) {
      // A known account keeps its stored settings; a new one takes those chosen at connect. The
      // workflow starts (if it is not running) with what is stored, so the two never disagree.
      if (!(await upsertAdAccount(this.deps.db, connectionId, account, chosen, advertiser))) await this.refuseOtherAdvertisers([account.id], advertiser);
      const settings = await loadAttributionSettings(this.deps.db, account.id);
      await this.deps.client.connectAdAccount({ ad_account_id: account.id, settings });
    }
    return picked.map((account) => account.id);
  }

  /** @throws OAuthError (403) naming each account already connected to another Routy advertiser. */
  private async refuseOtherAdvertisers(adAccountIds: string[], advertiser: string): Promise<void> {
    const owners = await adAccountAdvertisers(this.deps.db, adAccountIds);
    const taken = adAccountIds.filter((id) => (owners.get(id) ?? advertiser) !== advertiser);
    if (taken.length > 0) {
      throw new OAuthError(`ad_account_id: ${taken.join(', ')} is connected to another Routy advertiser; only that advertiser's connect link can reconnect it`, 403);
    }
  }
}
