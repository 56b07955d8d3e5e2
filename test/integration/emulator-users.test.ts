// The emulator's Pinterest users: a consent given by a named user (the scale benchmark's 100
// advertisers) yields tokens of that user, which list only that user's ad accounts, keep the user
// across a refresh, and are counted against that user's per-minute requests.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { EMULATOR_APP, PinterestEmulator } from '../../emulator/pinterest-emulator';
import { buildUsersSeed, seededUserId } from '../../emulator/user-seed';
import { listAdAccounts } from '../../pinterest/entities';
import { PinterestHttp } from '../../pinterest/http';
import { buildAuthorizeUrl, exchangeAuthorizationCode, refreshAccessToken } from '../../pinterest/oauth';
import { getUserAccount } from '../../pinterest/user-account';

const seed = buildUsersSeed({ users: 3, accountsPerUser: 2 });
const app = { ...EMULATOR_APP, redirectUri: 'http://127.0.0.1:9/v1/oauth/callback' };
let emulator: PinterestEmulator;
let origin: string;
let http: PinterestHttp;

before(async () => {
  emulator = new PinterestEmulator({ seed });
  origin = await emulator.listen(0);
  http = new PinterestHttp(emulator.apiBaseUrl(origin));
});

after(async () => {
  await emulator?.close();
});

/** The consent page's answer when `user` (or nobody named) is signed in. */
const consent = (user?: string) => {
  const url = new URL(buildAuthorizeUrl(`${origin}/oauth/`, app, 'state-1'));
  if (user !== undefined) url.searchParams.set('emulator_user_id', user);
  return fetch(url, { redirect: 'manual' });
};

it('seeds users who each own their accounts, with unique ids', () => {
  assert.equal(seed.adAccounts.length, 6);
  assert.deepEqual(seed.adAccounts.map((a) => a.owner.id), [seededUserId(0), seededUserId(0), seededUserId(1), seededUserId(1), seededUserId(2), seededUserId(2)]);
  assert.equal(new Set(seed.ads.map((ad) => ad.id)).size, 12);
  assert.equal(new Set(seed.ads.map((ad) => ad.pin_id)).size, 12);
  assert.ok(seed.ads.every((ad) => ad.pin_id.length === 18));
  assert.throws(() => buildUsersSeed({ users: 0, accountsPerUser: 1 }), /users must be a whole number from 1 to 9999, got 0/);
});

it("a named user's consent gives tokens that list only that user's accounts, also after a refresh, counted per user", async () => {
  const second = seededUserId(1);
  const answer = await consent(second);
  assert.equal(answer.status, 302);
  const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
  const tokens = await exchangeAuthorizationCode(http, app, code);
  const owned = seed.adAccounts.filter((a) => a.owner.id === second).map((a) => a.id);
  assert.deepEqual((await listAdAccounts(http, tokens.access_token)).map((a) => a.id), owned);
  assert.equal((await getUserAccount(http, tokens.access_token)).id, second);

  const refreshed = await refreshAccessToken(http, app, tokens.refresh_token!);
  assert.deepEqual((await listAdAccounts(http, refreshed.access_token)).map((a) => a.id), owned);

  const counted = emulator.requestsPerUserMinute().filter((c) => c.user === second && c.route === 'GET /ad_accounts');
  assert.equal(counted.reduce((n, c) => n + c.requests, 0), 2);

  // Nobody named: the first account's owner consents, as before users were seedable.
  const plain = await consent();
  const plainTokens = await exchangeAuthorizationCode(http, app, new URL(plain.headers.get('location')!).searchParams.get('code')!);
  assert.deepEqual((await listAdAccounts(http, plainTokens.access_token)).map((a) => a.id), seed.adAccounts.filter((a) => a.owner.id === seededUserId(0)).map((a) => a.id));
});

it('refuses a consent by a user who owns no seeded account', async () => {
  const answer = await consent('42');
  assert.equal(answer.status, 400);
  assert.match(await answer.text(), /emulator_user_id: no seeded account has this owner/);
});
