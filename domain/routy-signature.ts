// The `X-Routy-Signature` scheme, both ways: the ingress checks Routy's requests with it
// (http/ingress-auth.ts) and the CPA alert webhook signs its posts with it. Pure (node:crypto only).
import { createHmac } from 'node:crypto';

/** Hex HMAC-SHA256 keyed with `secret` over `"<t>."` followed by the body's bytes; `t` in Unix seconds. */
export function routySignatureHex(t: number, body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** The header value for a body sent at `now`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function routySignatureHeader(body: string, secret: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${routySignatureHex(t, body, secret)}`;
}
