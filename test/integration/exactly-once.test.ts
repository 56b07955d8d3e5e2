// A Conversions API send killed mid-request, or answered unreadably, is posted again, identical, while fresh.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../activities/index';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { PinterestApiError } from '../../pinterest/http';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { type RunningApp } from '../../service/app';
import { connectThroughOAuth } from '../../service/oauth-connect';
import type { EmulatedPinterest } from '../../demo/emulated-pinterest';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { capiEventsWithId } from '../support/capi-requests';
import { runActivity, storeMatchedConversions } from '../support/matched-conversions';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const keys = generateEncryptionKeyEntry('test1');
let app: RunningApp<EmulatedPinterest>;
let testApp: TestApp;

const run = runActivity;
const postsOf = (eventId: string) => app.pinterest.emulator.capiRequests.flatMap((r) => r.body.data).filter((e) => e.event_id === eventId).length;
const stateOf = async (eventId: string) =>
  (await app.db.selectFrom('conversions').select('capi_state').where('event_id', '=', eventId).executeTakeFirstOrThrow()).capi_state;

const matchedConversions = (prefix: string, n: number) => storeMatchedConversions(app, ACCOUNT, prefix, n);

before(async () => {
  testApp = await startTestApp({ ROUTY_ENCRYPTION_KEYS: keys });
  app = testApp.app;
  await connectThroughOAuth(app);
});

after(() => testApp?.stop());

const attemptsOf = (eventId: string) =>
  app.db.selectFrom('capi_attempts').select(['attempt', 'repost', 'ended_at', 'outcome', 'http_status', 'request_id', 'request_events']).where('event_id', '=', eventId).orderBy('attempt').execute();

describe('Conversions API delivery when the outcome is unknown', { timeout: 120_000 }, () => {
  it('a sender killed after Pinterest received the request is posted again, identical, by the next attempt', async () => {
    const ids = await matchedConversions('killed', 5);
    // Pinterest takes the request but its answer is slow: the kill lands between request and result.
    app.pinterest.emulator.inject({ kind: 'slow', delay_ms: 10_000 }, { pathContains: '/events' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/send-conversions-child.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: testApp.databaseUrl,
        PINTEREST_API_BASE_URL: app.pinterest.emulator.apiBaseUrl(app.pinterest.origin),
        ROUTY_ENCRYPTION_KEYS: keys,
        AD_ACCOUNT_ID: ACCOUNT,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor('Pinterest to receive the request', async () => (ids.every((id) => postsOf(id) === 1) ? true : undefined));
    assert.deepEqual(await Promise.all(ids.map(stateOf)), ids.map(() => 'posting'));
    child.kill('SIGKILL');
    await exited;

    const firstAttempts = await attemptsOf(ids[0]!);
    assert.deepEqual(firstAttempts.map((a) => [a.attempt, a.repost, a.ended_at, a.outcome, a.request_events]), [[1, false, null, null, 5]], 'started, never answered');

    const retried = (await run(createActivities(app.activityDeps).sendMatchedConversions, { ad_account_id: ACCOUNT })) as { sent: number; reposted: number };
    assert.deepEqual([retried.sent, retried.reposted], [5, 5]);
    assert.deepEqual(ids.map(postsOf), [2, 2, 2, 2, 2], 'each event_id posted again once');
    for (const id of ids) {
      const [first, second] = capiEventsWithId(app, id);
      assert.deepEqual(second, first, 'the repost is identical: event_id, event_name, event_time, user_data, custom_data');
    }
    assert.deepEqual(await Promise.all(ids.map(stateOf)), ids.map(() => 'sent'));
    const attempts = await attemptsOf(ids[0]!);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.repost, a.outcome, a.http_status]), [[1, false, null, null], [2, true, 'processed', 200]]);
    assert.notEqual(attempts[0]!.request_id, attempts[1]!.request_id);
  });

  it('rows claimed but never posted by a dead sender are posted once by the next attempt', async () => {
    const ids = await matchedConversions('claimed', 3);
    await app.db.updateTable('conversions').set({ capi_state: 'sending' }).where('event_id', 'in', ids).execute();
    const result = (await run(createActivities(app.activityDeps).sendMatchedConversions, { ad_account_id: ACCOUNT })) as { sent: number };
    assert.equal(result.sent, 3);
    assert.deepEqual(ids.map(postsOf), [1, 1, 1]);
    assert.deepEqual(await Promise.all(ids.map(stateOf)), ['sent', 'sent', 'sent']);
  });

  it("uses the account's conversion token and test mode when configured, and never echoes the token", async () => {
    const token = app.pinterest.emulator.issueConversionToken(ACCOUNT);
    const put = (body: unknown) =>
      fetch(`${app.ingressUrl}/v1/ad_accounts/${ACCOUNT}/conversions-api`, {
        method: 'PUT',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    assert.deepEqual(await put({ test_mode: true, conversion_token: token }), {
      status: 200,
      body: { ad_account_id: ACCOUNT, test_mode: true, conversion_token: 'set' },
    });
    assert.equal((await put({ test_mode: 'yes' })).status, 400);
    const row = await app.db.selectFrom('ad_accounts').select('conversion_token_encrypted').where('ad_account_id', '=', ACCOUNT).executeTakeFirstOrThrow();
    assert.ok(row.conversion_token_encrypted && !row.conversion_token_encrypted.includes(token), 'stored encrypted');

    const ids = await matchedConversions('token', 1);
    await run(createActivities(app.activityDeps).sendMatchedConversions, { ad_account_id: ACCOUNT });
    const request = app.pinterest.emulator.capiRequests.find((r) => r.body.data.some((e) => e.event_id === ids[0]))!;
    assert.equal(request.auth, 'conversion_token');
    assert.equal(request.test, true);
    assert.deepEqual(await put({ test_mode: false, conversion_token: null }), {
      status: 200,
      body: { ad_account_id: ACCOUNT, test_mode: false, conversion_token: 'not set' },
    });
  });

  it('an answer that cannot be read leaves the outcome unknown: the next attempt posts the events again', async () => {
    const ids = await matchedConversions('garbled', 2);
    app.pinterest.emulator.inject({ kind: 'garbled' }, { pathContains: '/events' });
    const activities = createActivities(app.activityDeps);
    await assert.rejects(() => run(activities.sendMatchedConversions, { ad_account_id: ACCOUNT }));
    assert.deepEqual(await Promise.all(ids.map(stateOf)), ['posting', 'posting']);
    const again = (await run(activities.sendMatchedConversions, { ad_account_id: ACCOUNT })) as { sent: number; reposted: number };
    assert.deepEqual([again.sent, again.reposted], [2, 2]);
    // The garbled page came from in front of the emulator's handler (a proxy's page): only the repost reached it.
    assert.deepEqual(ids.map(postsOf), [1, 1]);
    assert.deepEqual((await attemptsOf(ids[0]!)).map((a) => [a.outcome, a.repost]), [['unknown', false], ['processed', true]]);
  });

  it('a 5xx answer is retried with the same event_id, and the events end sent', async () => {
    const ids = await matchedConversions('retry5xx', 2);
    app.pinterest.emulator.inject({ kind: 'server_error' }, { pathContains: '/events' });
    const activities = createActivities(app.activityDeps);
    await assert.rejects(
      () => run(activities.sendMatchedConversions, { ad_account_id: ACCOUNT }),
      (error: unknown) => error instanceof PinterestApiError && error.status === 503,
    );
    assert.deepEqual(await Promise.all(ids.map(stateOf)), ['unsent', 'unsent']);
    await run(activities.sendMatchedConversions, { ad_account_id: ACCOUNT });
    assert.deepEqual(await Promise.all(ids.map(stateOf)), ['sent', 'sent']);
    assert.deepEqual(ids.map(postsOf), [1, 1], 'the 5xx happened before the emulator recorded the request');
    const attempts = await attemptsOf(ids[0]!);
    assert.deepEqual(attempts.map((a) => [a.attempt, a.repost, a.outcome, a.http_status]), [[1, false, 'retry', 503], [2, false, 'processed', 200]], 'posted again later with the same event_id; not a repost');
  });
});
