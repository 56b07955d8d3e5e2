// Connections and grants on real parts (dev server, PostgreSQL) against an emulator with three ad
// accounts (USD, EUR, JPY): picking accounts and settings at connect, token refresh ahead of and
// after expiry, a revoked grant, and a refusal racing a reconnect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { PinterestApiError } from '../../pinterest/http';
import { listCampaigns } from '../../pinterest/entities';
import { loadTokensForAdAccount } from '../../store/connection-tokens-store';
import { addDays } from '../../domain/dates';
import { adAccountWorkflowId, CONNECTION_STATUS } from '../../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectPicked, currencySeed, EUR, JPY, USD } from '../support/currency-accounts';
import { connectWithLink } from '../../service/oauth-connect';
import { waitFor } from '../support/wait';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';

const spec = sharedFile('pinterest/openapi-v5.yaml');

let testApp: TestApp;

const app = () => testApp.app;
const emulator = () => testApp.app.pinterest.emulator;
const statusOf = (id: string) => testApp.app.client.status(id);
const activities = () => createActivities(testApp.app.activityDeps);
const connectedIds = async () =>
  (await app().db.selectFrom('ad_accounts').select('ad_account_id').where('connection_status', '=', 'connected').orderBy('ad_account_id').execute()).map((r) => r.ad_account_id);
const firstPullOf = (id: string) => waitFor(`first pull of ${id}`, async () => ((await statusOf(id)).counters.pulls >= 1 ? true : undefined));

/** USD and JPY connected and pulled once: connects them unless a test before this one did. */
async function usdAndJpyConnected(): Promise<void> {
  const connected = await connectedIds();
  if (!connected.includes(USD) || !connected.includes(JPY)) assert.deepEqual((await connectPicked(app(), USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
  for (const id of [USD, JPY]) await firstPullOf(id);
}

before(async () => {
  testApp = await startTestApp({}, { emulatorSeed: currencySeed });
});

after(() => testApp?.stop());

describe('connections and grants', { timeout: 300_000 }, () => {
  it('connects only the ad accounts the user picked, each in its own workflow', async () => {
    const refused = await connectPicked(app(), '123');
    assert.equal(refused.status, 400);
    assert.match(refused.body.error!, /ad_account_id: 123 not reachable/);
    const before = await connectedIds();
    const picked = await connectPicked(app(), USD, JPY);
    assert.deepEqual(picked.body.connected_ad_account_ids, [USD, JPY]);
    assert.deepEqual(await connectedIds(), [...new Set([...before, USD, JPY])].sort(), 'the third account is not connected by this grant');
    const accounts = await app().db.selectFrom('ad_accounts').select(['ad_account_id', 'currency']).where('ad_account_id', 'in', [USD, JPY]).orderBy('ad_account_id').execute();
    assert.deepEqual(accounts, [
      { ad_account_id: USD, currency: 'USD' },
      { ad_account_id: JPY, currency: 'JPY' },
    ]);
    for (const id of [USD, JPY]) {
      await firstPullOf(id);
      const description = await app().temporalClient.workflow.getHandle(adAccountWorkflowId(id)).describe();
      assert.equal(description.status.name, 'RUNNING');
    }
  });

  it('takes attribution settings at connect, validated by name', async () => {
    const bad = await connectWithLink(app(), { adAccountIds: [EUR], settings: { click_window_days: 3 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { error: 'invalid connect link request', issues: [{ field: 'click_window_days', message: 'must be one of 0, 1, 7, 14, 30, 60' }] });
    const response = await connectWithLink(app(), { adAccountIds: [EUR], settings: { click_window_days: 14, view_window_days: 0 } });
    assert.deepEqual(response.body, { connected_ad_account_ids: [EUR] });
    const expected = { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 14, view_window_days: 0 };
    assert.deepEqual((await statusOf(EUR)).settings, expected);
    const row = await app().db.selectFrom('ad_accounts').select(['click_window_days', 'view_window_days', 'currency']).where('ad_account_id', '=', EUR).executeTakeFirstOrThrow();
    assert.deepEqual(row, { click_window_days: 14, view_window_days: 0, currency: 'EUR' });
  });

  it('refreshes a token ahead of its expiry, before Pinterest would refuse it', async () => {
    await usdAndJpyConnected();
    const before = await loadTokensForAdAccount(app().db, app().activityDeps.cipher, JPY);
    await app().db.updateTable('pinterest_connections').set({ access_token_expires_at: new Date(Date.now() + 60_000) }).where('connection_id', '=', before.connection_id).execute();
    const refused = () => emulator().exchanges.filter((e) => e.status === 401).length;
    const refusedBefore = refused();
    await new MockActivityEnvironment().run(activities().syncEntities, { ad_account_id: JPY });
    const after = await loadTokensForAdAccount(app().db, app().activityDeps.cipher, JPY);
    assert.notEqual(after.access_token, before.access_token);
    assert.ok(after.access_token_expires_at.getTime() > Date.now() + 86_400_000);
    assert.equal(refused(), refusedBefore, 'no request was refused on the way');
  });

  it('refreshes an expired access token once and stores the rotated refresh token', async () => {
    await usdAndJpyConnected();
    const before = await loadTokensForAdAccount(app().db, app().activityDeps.cipher, JPY);
    emulator().expireAccessTokens();
    const synced = (await new MockActivityEnvironment().run(activities().syncEntities, { ad_account_id: JPY })) as { ads: number };
    assert.equal(synced.ads, 300);
    const afterRefresh = await loadTokensForAdAccount(app().db, app().activityDeps.cipher, JPY);
    assert.notEqual(afterRefresh.access_token, before.access_token);
    assert.notEqual(afterRefresh.refresh_token, before.refresh_token);
    const stored = await app().db.selectFrom('pinterest_connections').select(['access_token_encrypted', 'refresh_token_encrypted']).execute();
    assert.ok(stored.every((row) => !row.access_token_encrypted.includes(afterRefresh.access_token)), 'tokens are encrypted at rest');
  });

  it('a revoked grant moves the account to needs_reauth; after reconnecting, the missed days are pulled', async () => {
    await usdAndJpyConnected();
    emulator().revokeGrants();
    await app().client.pullNow(JPY);
    await waitFor('needs_reauth', async () => ((await statusOf(JPY)).connection_status === 'needs_reauth' ? true : undefined));
    const handle = app().temporalClient.workflow.getHandle(adAccountWorkflowId(JPY));
    await waitFor('the search attribute', async () =>
      (await handle.describe()).typedSearchAttributes.get(CONNECTION_STATUS) === 'needs_reauth' ? true : undefined,
    );
    const row = await app().db.selectFrom('ad_accounts').select('connection_status').where('ad_account_id', '=', JPY).executeTakeFirstOrThrow();
    assert.equal(row.connection_status, 'needs_reauth');

    // Forty-five days pass without pulls.
    const account = await app().db.selectFrom('ad_accounts').select('last_pulled_through').where('ad_account_id', '=', JPY).executeTakeFirstOrThrow();
    const missedFrom = addDays(account.last_pulled_through!, -44);
    await app().db.updateTable('ad_accounts').set({ last_pulled_through: addDays(missedFrom, -1) }).where('ad_account_id', '=', JPY).execute();
    await app().db.deleteFrom('metrics_daily').where('ad_account_id', '=', JPY).where('date', '>=', missedFrom).execute();

    const pullsBefore = (await statusOf(JPY)).counters.pulls;
    // The revoked grant was the user's: reconnect both accounts it reached.
    assert.deepEqual((await connectPicked(app(), USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
    const status = await waitFor('the catch-up pull', async () => {
      const s = await statusOf(JPY);
      return s.counters.pulls > pullsBefore ? s : undefined;
    });
    assert.equal(status.connection_status, 'connected');
    const dates = await app()
      .db.selectFrom('metrics_daily')
      .select('date')
      .distinct()
      .where('ad_account_id', '=', JPY)
      .where('level', '=', 'ad')
      .where('date', '>=', missedFrom)
      .execute();
    assert.ok(dates.length >= 45, `every missed day is back (${dates.length})`);
  });

  it('a refusal of the grant a reconnect has just replaced leaves the account connected', async () => {
    await usdAndJpyConnected();
    // The user revokes the app; a pull's refresh of the old grant is refused, but the answer is
    // slow, and the user reconnects before it arrives.
    emulator().revokeGrants();
    emulator().inject({ kind: 'slow', delay_ms: 3000 }, { pathContains: '/oauth/token', times: 1 });
    const pullsBefore = (await statusOf(JPY)).counters.pulls;
    const refreshesBefore = emulator().received('/oauth/token');
    await app().client.pullNow(JPY);
    await waitFor('the refresh of the revoked grant', async () => (emulator().received('/oauth/token') > refreshesBefore ? true : undefined));
    assert.deepEqual((await connectPicked(app(), USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
    const status = await waitFor('a pull with the new grant', async () => {
      const s = await statusOf(JPY);
      return s.counters.pulls > pullsBefore ? s : undefined;
    });
    assert.equal(status.connection_status, 'connected');
    const rows = await app().db.selectFrom('ad_accounts').select(['ad_account_id', 'connection_status']).where('ad_account_id', 'in', [USD, JPY]).orderBy('ad_account_id').execute();
    assert.deepEqual(rows, [
      { ad_account_id: USD, connection_status: 'connected' },
      { ad_account_id: JPY, connection_status: 'connected' },
    ]);
  });

  it('every exchange with the emulator, faults included, conforms to openapi-v5.yaml', { skip: spec.skip }, async () => {
    // A refusal of its own, so an error answer is checked even when this test runs alone.
    await assert.rejects(
      () => listCampaigns(app().activityDeps.http, 'not-a-token', USD),
      (error: unknown) => error instanceof PinterestApiError && error.status === 401,
    );
    const checker = new OpenApiChecker(spec.path!);
    assert.deepEqual(emulator().exchanges.flatMap((exchange) => checker.check(exchange)), []);
  });
});
