import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authenticateBatch, authenticateBearer, signedCorrectly } from '../../http/ingress-auth';

const SECRET = 'test-ingress-secret';
const BODY = '{"touchpoints":[{"ad_account_id":"549755885175"}]}';
const T = 1_700_000_000;
// HMAC-SHA256 of "1700000000.<BODY>" keyed with SECRET, computed outside this code with
// `printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac test-ingress-secret`.
const V1 = '30d2739db141fdcad183f5ced7993a11c114f85abfc34060a3cbfa4191c9c8ce';
const SIGNATURE = `t=${T},v1=${V1}`;
const at = (unixSeconds: number) => new Date(unixSeconds * 1000);
const NOW = at(T + 10);

/** Both phases, as the batch routes call them: headers first, then the raw body. */
function batch(headers: { authorization?: string; 'x-routy-signature'?: string | string[] }, options: { raw?: string; now?: Date; secret?: string } = {}) {
  const secret = 'secret' in options ? options.secret : SECRET;
  const now = options.now ?? NOW;
  return {
    beforeBody: authenticateBatch({ headers, secret, now }),
    withBody: authenticateBatch({ headers, secret, now, body: { raw: 'raw' in options ? options.raw : BODY } }),
  };
}

describe('authenticateBearer', () => {
  it('allows the right token in any scheme case and refuses anything else', () => {
    assert.deepEqual(authenticateBearer(`Bearer ${SECRET}`, SECRET), { kind: 'allowed', by: 'bearer' });
    assert.deepEqual(authenticateBearer(`bearer ${SECRET}  `, SECRET), { kind: 'allowed', by: 'bearer' });
    assert.deepEqual(authenticateBearer(`Bearer ${SECRET}x`, SECRET), { kind: 'refused', error: 'unauthorized' });
    assert.deepEqual(authenticateBearer(`Basic ${SECRET}`, SECRET), { kind: 'refused', error: 'unauthorized' });
    assert.deepEqual(authenticateBearer(undefined, SECRET), { kind: 'refused', error: 'unauthorized' });
  });

  it('is open only when no secret is configured', () => {
    assert.deepEqual(authenticateBearer(undefined, undefined), { kind: 'allowed', by: 'open' });
    assert.deepEqual(authenticateBearer(undefined, ''), { kind: 'allowed', by: 'open' });
  });
});

describe('authenticateBatch', () => {
  it('allows a valid bearer token before the body is read', () => {
    assert.deepEqual(batch({ authorization: `Bearer ${SECRET}` }), {
      beforeBody: { kind: 'allowed', by: 'bearer' },
      withBody: { kind: 'allowed', by: 'bearer' },
    });
  });

  it('refuses a wrong bearer token even beside a valid signature, before the body is read', () => {
    assert.deepEqual(batch({ authorization: 'Bearer not-the-secret', 'x-routy-signature': SIGNATURE }), {
      beforeBody: { kind: 'refused', error: 'unauthorized' },
      withBody: { kind: 'refused', error: 'unauthorized' },
    });
  });

  it('checks a signature once the body is in, and allows a valid one', () => {
    assert.deepEqual(batch({ 'x-routy-signature': SIGNATURE }), { beforeBody: { kind: 'needs-body', claim: { t: T, v1: V1 } }, withBody: { kind: 'allowed', by: 'signature' } });
    // The raw bytes are what is signed.
    assert.deepEqual(authenticateBatch({ headers: { 'x-routy-signature': SIGNATURE }, secret: SECRET, now: NOW, body: { raw: Buffer.from(BODY) } }), { kind: 'allowed', by: 'signature' });
    // Upper-case hex and spaces after the comma are the same signature.
    assert.deepEqual(batch({ 'x-routy-signature': `t=${T}, v1=${V1.toUpperCase()}` }).withBody, { kind: 'allowed', by: 'signature' });
  });

  it('refuses a signature whose t is more than 5 minutes from now, either way', () => {
    const refused = { kind: 'refused', error: 'unauthorized: bad or expired X-Routy-Signature' };
    assert.deepEqual(batch({ 'x-routy-signature': SIGNATURE }, { now: at(T + 300) }).withBody, { kind: 'allowed', by: 'signature' });
    assert.deepEqual(batch({ 'x-routy-signature': SIGNATURE }, { now: at(T + 301) }).withBody, refused);
    assert.deepEqual(batch({ 'x-routy-signature': SIGNATURE }, { now: at(T - 301) }).withBody, refused);
  });

  it('refuses a malformed or stale header before the body is read', () => {
    const refused = { kind: 'refused', error: 'unauthorized: bad or expired X-Routy-Signature' };
    for (const header of [`t=${T},v1=${'zz'.repeat(32)}`, `t=${T},v1=${V1.slice(0, -2)}`, `t=x,v1=${V1}`, `v1=${V1}`, `t=${T}`, 'made up', `t=${T},v1=${V1}${' '.repeat(500)}`]) {
      assert.deepEqual(batch({ 'x-routy-signature': header }), { beforeBody: refused, withBody: refused }, header);
    }
    assert.deepEqual(batch({ 'x-routy-signature': SIGNATURE }, { now: at(T + 301) }).beforeBody, refused, 'outside the time window');
    assert.deepEqual(batch({ 'x-routy-signature': SIGNATURE }, { now: at(T - 301) }).beforeBody, refused, 'from the future');
    // Sent twice, the header is not one signature.
    assert.deepEqual(batch({ 'x-routy-signature': [SIGNATURE, SIGNATURE] }), { beforeBody: refused, withBody: refused });
  });

  it('refuses a signature of another body, and a request with no body', () => {
    const refused = { kind: 'refused', error: 'unauthorized: bad or expired X-Routy-Signature' };
    assert.deepEqual(batch({ 'x-routy-signature': `t=${T},v1=${V1}` }, { raw: `${BODY} ` }).withBody, refused);
    assert.deepEqual(batch({ 'x-routy-signature': `t=${T},v1=${V1}` }, { raw: undefined }).withBody, refused);
  });

  it('refuses a request with neither bearer token nor signature before the body is read', () => {
    assert.deepEqual(batch({}), { beforeBody: { kind: 'refused', error: 'unauthorized' }, withBody: { kind: 'refused', error: 'unauthorized' } });
    assert.deepEqual(batch({ 'x-routy-signature': '' }).beforeBody, { kind: 'refused', error: 'unauthorized' });
  });

  it('lets everything through when no secret is configured', () => {
    assert.deepEqual(batch({}, { secret: undefined }), { beforeBody: { kind: 'allowed', by: 'open' }, withBody: { kind: 'allowed', by: 'open' } });
  });
});

describe('signedCorrectly', () => {
  it('refuses a t that is not a whole number of seconds', () => {
    assert.equal(signedCorrectly(SIGNATURE, BODY, SECRET, NOW), true);
    assert.equal(signedCorrectly(`t=${T}.0x,v1=${V1}`, BODY, SECRET, NOW), false);
    assert.equal(signedCorrectly(`v1=${V1}`, BODY, SECRET, NOW), false);
    assert.equal(signedCorrectly(SIGNATURE, BODY, 'another-secret', NOW), false);
  });
});
