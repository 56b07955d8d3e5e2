import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConnectLinkError, connectLinkSecret, signConnectLink, verifyConnectLink } from '../../http/connect-link';
import { OAuthFlow } from '../../http/oauth-flow';

const secret = connectLinkSecret('a-token', Buffer.alloc(32, 1));
const now = new Date('2026-12-03T10:00:00Z');
const expiresAt = now.getTime() / 1000 + 600;
const link = { advertiserId: 'adv-1', adAccountIds: ['549764105221'], settings: { click_window_days: 7 as const }, expiresAt };

const refusal = (value: string | undefined, at = now) => {
  try {
    verifyConnectLink(secret, value, at);
  } catch (error) {
    assert.ok(error instanceof ConnectLinkError);
    return { status: error.status, message: error.message };
  }
  assert.fail('accepted');
};

it('a signed link verifies to what was signed', () => {
  assert.deepEqual(verifyConnectLink(secret, signConnectLink(secret, link), now), link);
  assert.deepEqual(verifyConnectLink(secret, signConnectLink(secret, { advertiserId: 'adv-2', expiresAt }), now), { advertiserId: 'adv-2', expiresAt });
});

it('the key is the ingress token when there is one, else derived from the encryption key', () => {
  assert.deepEqual(connectLinkSecret('a-token', Buffer.alloc(32, 1)), Buffer.from('a-token'));
  const derived = connectLinkSecret(undefined, Buffer.alloc(32, 1));
  assert.equal(derived.length, 32);
  assert.notDeepEqual(derived, Buffer.alloc(32, 1));
  assert.notDeepEqual(derived, connectLinkSecret(undefined, Buffer.alloc(32, 2)));
});

it('refuses a missing, malformed, altered, foreign or expired link, naming the problem', () => {
  const good = signConnectLink(secret, link);
  const signature = good.split('.')[1]!;
  assert.deepEqual(refusal(undefined), { status: 400, message: 'link: required; ask Routy for a connect link (POST /v1/connect-links)' });
  assert.equal(refusal('nodot').status, 400);
  assert.equal(refusal(`${good}.extra`).status, 400);
  const other = Buffer.from(JSON.stringify({ v: 'adv-evil', exp: expiresAt })).toString('base64url');
  assert.deepEqual(refusal(`${other}.${signature}`), { status: 401, message: 'link: bad signature' });
  assert.deepEqual(refusal(signConnectLink(Buffer.from('other'), link)), { status: 401, message: 'link: bad signature' });
  assert.deepEqual(refusal(good, new Date(expiresAt * 1000)), { status: 401, message: 'link: expired at 2026-12-03T10:10:00.000Z; ask Routy for a new one' });
});

it("a flow's cookie is HttpOnly, SameSite=Lax, scoped to the callback, and Secure when the redirect URI is https", () => {
  const flowFor = (redirectUri: string) =>
    new OAuthFlow({ app: { appId: '1', appSecret: 's', redirectUri }, authorizeUrl: 'https://www.pinterest.com/oauth/', stateSecret: Buffer.alloc(32), linkSecret: secret } as unknown as ConstructorParameters<typeof OAuthFlow>[0]);
  const https = flowFor('https://routy.example/pinterest/v1/oauth/callback').start(link);
  assert.match(https.setCookie, /^routy_oauth_[0-9a-f]{32}=[\w-]{43}; Path=\/pinterest\/v1\/oauth\/callback; Max-Age=900; HttpOnly; SameSite=Lax; Secure$/);
  const state = new URL(https.url).searchParams.get('state')!;
  // The state carries only the cookie's hash, never the value itself.
  assert.ok(!Buffer.from(state.split('.')[0]!, 'base64url').toString().includes(https.setCookie.split(';')[0]!.split('=')[1]!));
  assert.doesNotMatch(flowFor('http://127.0.0.1:8080/v1/oauth/callback').start(link).setCookie, /Secure/);
});
