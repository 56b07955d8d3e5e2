import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a signature's timestamp may be from now, in seconds. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The request headers authentication reads (Node's header object fits as it is). */
export interface IngressAuthHeaders {
  authorization?: string;
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`; an array when the header was sent twice. */
  'x-routy-signature'?: string | string[];
}

/**
 * What to do with a request: `allowed` (and how), `refused` with the error to answer 401 with,
 * or `needs-body`: a signature stands in for the bearer token and is checked once the raw body is in.
 */
export type AuthVerdict =
  | { kind: 'allowed'; by: 'bearer' | 'signature' | 'open' }
  | { kind: 'refused'; error: string }
  | { kind: 'needs-body' };

const UNAUTHORIZED: AuthVerdict = { kind: 'refused', error: 'unauthorized' };
const BAD_SIGNATURE: AuthVerdict = { kind: 'refused', error: 'unauthorized: bad or expired X-Routy-Signature' };

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/**
 * The read routes' check: `Authorization: Bearer <secret>` (scheme in any case). With no secret
 * the ingress is open (demo only) and everything is allowed.
 */
export function authenticateBearer(authorization: string | undefined, secret: string | undefined): AuthVerdict {
  if (!secret) return { kind: 'allowed', by: 'open' };
  const match = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return sameBytes(Buffer.from(match?.[1] ?? ''), Buffer.from(secret)) ? { kind: 'allowed', by: 'bearer' } : UNAUTHORIZED;
}

/**
 * `X-Routy-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, keyed with the
 * secret, t within SIGNATURE_TOLERANCE_SECONDS of `now`. False for anything malformed.
 */
export function signedCorrectly(header: string | undefined, rawBody: string | undefined, secret: string, now: Date): boolean {
  if (!header || rawBody === undefined) return false;
  const parts = Object.fromEntries(header.split(',').map((part) => part.trim().split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return sameBytes(Buffer.from((parts.v1 ?? '').toLowerCase()), Buffer.from(expected));
}

/**
 * The batch routes' check (README "Routy's side"): a bearer token, or, with no Authorization
 * header at all, a signature of the raw body. A bearer token that is present but wrong is refused
 * even beside a valid signature. Called first with the headers only (`body` omitted), so a request
 * without either is refused before its body is read; then, when that said `needs-body`, with
 * `body.raw` (undefined when the request brought no JSON body).
 */
export function authenticateBatch(input: {
  headers: IngressAuthHeaders;
  /** ROUTY_INGRESS_TOKEN; undefined or empty: the ingress is open (demo only). */
  secret: string | undefined;
  now: Date;
  body?: { raw: string | undefined };
}): AuthVerdict {
  const { headers, secret } = input;
  if (headers.authorization !== undefined || !secret) return authenticateBearer(headers.authorization, secret);
  const signature = headers['x-routy-signature'];
  if (!signature) return UNAUTHORIZED;
  if (!input.body) return { kind: 'needs-body' };
  const header = typeof signature === 'string' ? signature : undefined;
  return signedCorrectly(header, input.body.raw, secret, input.now) ? { kind: 'allowed', by: 'signature' } : BAD_SIGNATURE;
}
