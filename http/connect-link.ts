import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CONVERSION_REPORT_TIMES, conversionReportTimeSchema, windowDaysSchema, type AttributionSettings } from '../domain/attribution-settings';
import { pinterestIdSchema } from '../domain/routy-records';

/** How long a connect link stays valid unless asked otherwise, in seconds (7 days). */
export const DEFAULT_LINK_TTL_SECONDS = 7 * 86_400;
/** The longest a connect link may be valid, in seconds (30 days). */
const MAX_LINK_TTL_SECONDS = 30 * 86_400;

/**
 * Body of `POST /v1/connect-links`: the Routy advertiser (1 to 200 characters), optionally the ad
 * accounts to connect (Pinterest ids; omitted: every account the grant reaches) and their
 * attribution settings, and how long the link stays valid (seconds, 60 to 30 days; default 7 days).
 */
export const connectLinkRequestSchema = z
  .object({
    advertiser_id: z.string().trim().min(1).max(200),
    ad_account_ids: z.array(pinterestIdSchema).min(1).max(100).optional(),
    click_window_days: windowDaysSchema.optional(),
    engagement_window_days: windowDaysSchema.optional(),
    view_window_days: windowDaysSchema.optional(),
    conversion_report_time: conversionReportTimeSchema.optional(),
    expires_in_seconds: z.number().int().min(60).max(MAX_LINK_TTL_SECONDS).optional(),
    /** Ask Pinterest for scope `msot:write` (Measurement Source of Truth events) even if no account opted in yet. */
    msot: z.boolean().optional(),
  })
  .strict();

/** What a connect link carries: who connects, which accounts, with which windows, until when. */
export interface ConnectLink {
  /** Routy's advertiser the ad accounts get connected to (1 to 200 characters). */
  advertiserId: string;
  /** Ad accounts to connect; omitted: every account the grant reaches. */
  adAccountIds?: string[];
  /** Attribution settings for newly connected accounts. */
  settings?: Partial<AttributionSettings>;
  /** Expiry, unix seconds. */
  expiresAt: number;
  /** Ask for scope `msot:write` whatever the accounts' opt-in. */
  msot?: boolean;
}

/**
 * The attribution settings a connect link (and the OAuth state it starts) carries for newly
 * connected accounts, as signed: any subset; their values are checked by `settingsProblems`.
 */
export const signedSettingsSchema = z
  .object({
    click_window_days: z.number().int(),
    engagement_window_days: z.number().int(),
    view_window_days: z.number().int(),
    conversion_report_time: z.enum(CONVERSION_REPORT_TIMES),
  })
  .partial();

const linkPayloadSchema = z.object({
  v: z.string().min(1).max(200),
  a: z.array(z.string().regex(/^\d+$/)).optional(),
  s: signedSettingsSchema.optional(),
  exp: z.number().int(),
  m: z.literal(true).optional(),
});

/** Refusal of a connect link: `status` 400 (missing, malformed) or 401 (bad signature, expired). */
export class ConnectLinkError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401,
  ) {
    super(message);
    this.name = 'ConnectLinkError';
  }
}

/**
 * The HMAC key of connect links. With `ROUTY_INGRESS_TOKEN` set it is the token's UTF-8 bytes, so
 * Routy can sign links itself; without one (demo) it derives from the newest encryption key
 * (SHA-256 of `connect-link:` and the key), which the demo keeps in its data folder: links survive a restart.
 */
export function connectLinkSecret(ingressToken: string | undefined, newestEncryptionKey: Buffer): Buffer {
  if (ingressToken) return Buffer.from(ingressToken, 'utf8');
  return createHash('sha256').update('connect-link:').update(newestEncryptionKey).digest();
}

const sign = (secret: Buffer, payload: string) => createHmac('sha256', secret).update(`connect-link.${payload}`).digest('base64url');

/**
 * The `link` query value of `GET /v1/oauth/start`: `<payload>.<signature>`, the payload base64url
 * JSON `{v: advertiser_id, a?: ad_account_ids, s?: settings, exp: unix seconds, m?: true (ask for msot:write)}`, the signature
 * base64url HMAC-SHA256 of `connect-link.<payload>` under {@link connectLinkSecret}.
 */
export function signConnectLink(secret: Buffer, link: ConnectLink): string {
  const body = {
    v: link.advertiserId,
    ...(link.adAccountIds?.length ? { a: link.adAccountIds } : {}),
    ...(link.settings && Object.keys(link.settings).length ? { s: link.settings } : {}),
    exp: link.expiresAt,
    ...(link.msot ? { m: true } : {}),
  };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/**
 * Checks a `link` value: signature first (constant time), then shape, then expiry against `now`.
 * @throws ConnectLinkError naming the problem (400 missing or malformed, 401 bad signature or expired).
 */
export function verifyConnectLink(secret: Buffer, value: string | undefined, now: Date): ConnectLink {
  if (!value) throw new ConnectLinkError('link: required; ask Routy for a connect link (POST /v1/connect-links)', 400);
  const [payload, signature, extra] = value.split('.');
  if (!payload || !signature || extra !== undefined) throw new ConnectLinkError('link: malformed (expected <payload>.<signature>)', 400);
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new ConnectLinkError('link: bad signature', 401);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new ConnectLinkError('link: malformed payload', 400);
  }
  const parsed = linkPayloadSchema.safeParse(decoded);
  if (!parsed.success) throw new ConnectLinkError('link: malformed payload', 400);
  const { v, a, s, exp, m } = parsed.data;
  if (exp * 1000 <= now.getTime()) throw new ConnectLinkError(`link: expired at ${new Date(exp * 1000).toISOString()}; ask Routy for a new one`, 401);
  return { advertiserId: v, ...(a ? { adAccountIds: a } : {}), ...(s ? { settings: s } : {}), expiresAt: exp, ...(m ? { msot: true } : {}) };
}
