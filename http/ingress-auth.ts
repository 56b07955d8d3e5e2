import { timingSafeEqual } from 'node:crypto';
import { routySignatureHex } from '../domain/routy-signature';

/** How far a signature's timestamp may be from now, in seconds. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The request headers authentication reads (Node's header object fits as it is). */
export interface IngressAuthHeaders {
  authorization?: string;
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`; an array when the header was sent twice. */
  'x-routy-signature'?: string | string[];
}

/** A signature header that has the right shape and a time within the window: what the body is checked against. */
export interface SignatureClaim {
  /** Unix seconds, as sent. */
  t: number;
  /** 64 lower-case hex digits. */
  v1: string;
}

/**
 * What to do with a request: `allowed` (and how), `refused` with the error to answer 401 with,
 * or `needs-body`: a well-formed, current signature stands in for the bearer token and is checked
 * against the raw body's bytes once they are in (before they are parsed).
 */
export type AuthVerdict =
  | { kind: 'allowed'; by: 'bearer' | 'signature' | 'open' }
  | { kind: 'refused'; error: string }
  | { kind: 'needs-body'; claim: SignatureClaim };

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
 * The header alone: comma-separated `t=<unix seconds>` and `v1=<64 hex digits>` (any order, spaces
 * around parts allowed, other parts ignored), with t within SIGNATURE_TOLERANCE_SECONDS of `now`.
 * Undefined for anything else (malformed, over 500 characters, sent twice, stale, from the
 * future), so such a request is refused before its body is read.
 */
function signatureClaim(header: string | undefined, now: Date): SignatureClaim | undefined {
  if (header === undefined || header.length > 500) return undefined;
  const parts = new Map(header.split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  }));
  const t = /^\d{1,12}$/.test(parts.get('t') ?? '') ? Number(parts.get('t')) : Number.NaN;
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/i.test(v1)) return undefined;
  if (Math.abs(now.getTime() / 1000 - t) > SIGNATURE_TOLERANCE_SECONDS) return undefined;
  return { t, v1: v1.toLowerCase() };
}

/**
 * The body against a claim: HMAC-SHA256 keyed with the secret over `"<t>."` followed by the raw
 * body's bytes, compared in constant time. One pass over the bytes; nothing is decoded or parsed.
 */
export function bodyMatchesClaim(claim: SignatureClaim, rawBody: Buffer, secret: string): boolean {
  const expected = routySignatureHex(claim.t, rawBody, secret);
  return sameBytes(Buffer.from(claim.v1), Buffer.from(expected));
}

/**
 * `X-Routy-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, keyed with the
 * secret, t within SIGNATURE_TOLERANCE_SECONDS of `now`. False for anything malformed.
 */
export function signedCorrectly(header: string | undefined, rawBody: string | Buffer | undefined, secret: string, now: Date): boolean {
  const claim = signatureClaim(header, now);
  if (!claim || rawBody === undefined) return false;
  return bodyMatchesClaim(claim, typeof rawBody === 'string' ? Buffer.from(rawBody) : rawBody, secret);
}

/**
 * The batch routes' check (README "Routy's side"): a bearer token, or, with no Authorization
 * header at all, a signature of the raw body. A bearer token that is present but wrong is refused
 * even beside a valid signature. Called first with the headers only (`body` omitted): a request
 * without either, or whose signature header is malformed or outside the time window, is refused
 * before its body is read; a good-looking one gets `needs-body` with its claim. Called again with
 * `body.raw` (the raw bytes, undefined when the request brought no JSON body) it checks the HMAC.
 */
export function authenticateBatch(input: {
  headers: IngressAuthHeaders;
  /** ROUTY_INGRESS_TOKEN; undefined or empty: the ingress is open (demo only). */
  secret: string | undefined;
  now: Date;
  body?: { raw: string | Buffer | undefined };
}): AuthVerdict {
  const { headers, secret } = input;
  if (headers.authorization !== undefined || !secret) return authenticateBearer(headers.authorization, secret);
  const signature = headers['x-routy-signature'];
  if (!signature) return UNAUTHORIZED;
  const claim = signatureClaim(typeof signature === 'string' ? signature : undefined, input.now);
  if (!claim) return BAD_SIGNATURE;
  if (!input.body) return { kind: 'needs-body', claim };
  const raw = input.body.raw;
  if (raw === undefined) return BAD_SIGNATURE;
  return bodyMatchesClaim(claim, typeof raw === 'string' ? Buffer.from(raw) : raw, secret) ? { kind: 'allowed', by: 'signature' } : BAD_SIGNATURE;
}
