// Connecting is authorized: a connect link signed with Routy's secret, for one Routy advertiser,
// expiring; the OAuth state bound to the browser that started the flow (a cookie); an ad account
// connected to one advertiser not moved to another. Anonymous or forged attempts cost no call to
// Pinterest's token endpoint (the emulator counts every request it receives).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signConnectLink } from '../../http/connect-link';
import { connectWithLink } from '../../service/oauth-connect';
import { startTestApp, type TestApp } from '../support/test-app';
import { currencySeed, EUR, USD } from '../support/currency-accounts';

const TOKEN = 'connect-links-test-token';
let testApp: TestApp;
const app = () => testApp.app;
const tokenCalls = () => app().pinterest.emulator.received('/v5/oauth/token');

/** Asks the ingress for a connect link with the bearer token. */
async function linkFor(body: Record<string, unknown>, token = TOKEN): Promise<{ status: number; body: { url?: string; expires_at?: string; error?: string } }> {
  const response = await fetch(`${app().ingressUrl}/v1/connect-links`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { url?: string; error?: string } };
}

/** Opens a link and gives consent: the callback URL Pinterest sends the browser back to, and the flow's cookie. */
async function consented(url: string): Promise<{ callback: URL; cookie: string }> {
  const start = await fetch(url, { redirect: 'manual' });
  assert.equal(start.status, 302, await start.clone().text());
  const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  return { callback: new URL(consent.headers.get('location')!), cookie: start.headers.get('set-cookie')!.split(';')[0]! };
}

const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as { error?: string; connected_ad_account_ids?: string[] } });

before(async () => {
  testApp = await startTestApp({ ROUTY_INGRESS_TOKEN: TOKEN }, { emulatorSeed: currencySeed });
});
after(async () => testApp?.stop());

describe('connect links', { timeout: 120_000 }, () => {
  it('are issued only with the bearer token, and signed, expiring, for one advertiser', async () => {
    assert.equal((await linkFor({ advertiser_id: 'adv-a' }, 'wrong')).status, 401);
    const missing = await linkFor({});
    assert.equal(missing.status, 400);
    assert.match(JSON.stringify(missing.body), /advertiser_id/);
    const issued = await linkFor({ advertiser_id: 'adv-a', ad_account_ids: [USD], expires_in_seconds: 3600 });
    assert.equal(issued.status, 201);
    const url = new URL(issued.body.url!);
    assert.equal(url.pathname, '/v1/oauth/start');
    assert.ok(Math.abs(Date.parse(issued.body.expires_at!) - (Date.now() + 3600_000)) < 60_000, issued.body.expires_at);
  });

  it('no link, a forged or an expired link: refused at start, naming the problem, no Pinterest call', async () => {
    const before = tokenCalls();
    const none = await answer(await fetch(`${app().ingressUrl}/v1/oauth/start`, { redirect: 'manual' }));
    assert.equal(none.status, 400);
    assert.match(none.body.error!, /^link: required/);
    const forged = signConnectLink(Buffer.from('not-the-secret'), { advertiserId: 'adv-a', expiresAt: Math.floor(Date.now() / 1000) + 600 });
    const bad = await answer(await fetch(`${app().ingressUrl}/v1/oauth/start?link=${forged}`, { redirect: 'manual' }));
    assert.deepEqual(bad, { status: 401, body: { error: 'link: bad signature', issues: [{ field: 'link', message: 'link: bad signature' }] } });
    const expired = signConnectLink(Buffer.from(TOKEN), { advertiserId: 'adv-a', expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const late = await answer(await fetch(`${app().ingressUrl}/v1/oauth/start?link=${expired}`, { redirect: 'manual' }));
    assert.equal(late.status, 401);
    assert.match(late.body.error!, /^link: expired at .*ask Routy for a new one/);
    // Routy may sign links itself with the token: such a link starts a flow.
    const own = signConnectLink(Buffer.from(TOKEN), { advertiserId: 'adv-a', expiresAt: Math.floor(Date.now() / 1000) + 600 });
    assert.equal((await fetch(`${app().ingressUrl}/v1/oauth/start?link=${own}`, { redirect: 'manual' })).status, 302);
    assert.equal(tokenCalls(), before);
  });

  it('a state without its cookie (another browser) is refused before the code is spent; with it, it connects', async () => {
    const { body } = await linkFor({ advertiser_id: 'adv-a', ad_account_ids: [USD] });
    const { callback, cookie } = await consented(body.url!);
    const start = await fetch(body.url!, { redirect: 'manual' });
    assert.match(start.headers.get('set-cookie')!, /HttpOnly; SameSite=Lax/);
    assert.doesNotMatch(start.headers.get('set-cookie')!, /Secure/, 'the demo redirect URI is http');
    const before = tokenCalls();
    const elsewhere = await answer(await fetch(callback));
    assert.equal(elsewhere.status, 403);
    assert.match(elsewhere.body.error!, /this browser did not start the connection/);
    const otherFlow = await answer(await fetch(callback, { headers: { cookie: (await consented(body.url!)).cookie } }));
    assert.equal(otherFlow.status, 403, 'the cookie of another flow does not fit');
    assert.equal(tokenCalls(), before);
    assert.deepEqual(await answer(await fetch(callback, { headers: { cookie } })), { status: 200, body: { connected_ad_account_ids: [USD] } });
    assert.equal(tokenCalls(), before + 1);
    const row = await app().db.selectFrom('ad_accounts').select('routy_advertiser_id').where('ad_account_id', '=', USD).executeTakeFirstOrThrow();
    assert.equal(row.routy_advertiser_id, 'adv-a');
  });

  it('20 anonymous callbacks with made-up codes make no call to the token endpoint', async () => {
    const before = tokenCalls();
    const { callback } = await consented((await linkFor({ advertiser_id: 'adv-a' })).body.url!);
    for (let i = 0; i < 20; i++) {
      const guess = new URL(callback);
      guess.searchParams.set('code', `made-up-${i}`);
      if (i % 2 === 1) guess.searchParams.set('state', `e30.${'A'.repeat(43)}`);
      const refused = await fetch(guess);
      assert.ok(refused.status === 400 || refused.status === 403, String(refused.status));
    }
    assert.equal(tokenCalls(), before);
  });

  it("an account of advertiser A is not moved by advertiser B's link; A's own link reconnects it", async () => {
    const grantOf = async () => (await app().db.selectFrom('ad_accounts').select(['connection_id', 'routy_advertiser_id']).where('ad_account_id', '=', USD).executeTakeFirstOrThrow());
    const before = await grantOf();
    assert.equal(before.routy_advertiser_id, 'adv-a');
    // Named in B's link: refused before the code is spent.
    const calls = tokenCalls();
    const named = await connectWithLink(app(), { advertiserId: 'adv-b', adAccountIds: [USD] });
    assert.equal(named.status, 403);
    assert.match(named.body.error!, new RegExp(`ad_account_id: ${USD} is connected to another Routy advertiser`));
    assert.equal(tokenCalls(), calls);
    // Reached by B's grant without being named: refused once the grant shows it, nothing stored.
    const reached = await connectWithLink(app(), { advertiserId: 'adv-b' });
    assert.equal(reached.status, 403);
    assert.match(reached.body.error!, /is connected to another Routy advertiser/);
    assert.deepEqual(await grantOf(), before);
    assert.equal((await app().db.selectFrom('ad_accounts').select('ad_account_id').where('ad_account_id', '=', EUR).execute()).length, 0);
    // B may connect an account nobody has.
    assert.deepEqual(await connectWithLink(app(), { advertiserId: 'adv-b', adAccountIds: [EUR] }), { status: 200, body: { connected_ad_account_ids: [EUR] } });
    // A's own link reconnects USD to a new grant.
    assert.deepEqual(await connectWithLink(app(), { advertiserId: 'adv-a', adAccountIds: [USD] }), { status: 200, body: { connected_ad_account_ids: [USD] } });
    const after = await grantOf();
    assert.equal(after.routy_advertiser_id, 'adv-a');
    assert.notEqual(after.connection_id, before.connection_id);
  });
});
