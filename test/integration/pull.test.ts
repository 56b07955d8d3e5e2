// The pull side on real parts (dev server, PostgreSQL) against an emulator with three ad accounts
// (USD, EUR, JPY), 300 ads in the first (two pages, two analytics chunks) and injected faults.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/activity';
import { createActivities } from '../../activities/index';
import { parseRetryAfter } from '../../pinterest/http';
import { loadTokensForAdAccount } from '../../store/connections-store';
import { addDays } from '../../domain/dates';
import { buildSeed } from '../../emulator/seed';
import { adAccountWorkflowId, CONNECTION_STATUS } from '../../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import type { RunningApp } from '../../service/app';
import type { EmulatedPinterest } from '../../demo/emulated-pinterest';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';

const spec = sharedFile('pinterest/openapi-v5.yaml');

const USD = '549764105221';
const EUR = '549764105300';
const JPY = '549764105400';
const seed = buildSeed({
  accounts: [
    { id: USD, currency: 'USD' },
    { id: EUR, currency: 'EUR' },
    { id: JPY, currency: 'JPY' },
  ],
  adsPerGroup: 50,
});

let app: RunningApp<EmulatedPinterest>;
let testApp: TestApp;

const emulator = () => app.pinterest.emulator;
const connect = async (...ids: string[]) => {
  const query = ids.map((id) => `ad_account_id=${id}`).join('&');
  const response = await fetch(`${app.ingressUrl}/v1/oauth/start?${query}`, { redirect: 'follow' });
  return { status: response.status, body: (await response.json()) as { connected_ad_account_ids?: string[]; error?: string } };
};
const statusOf = (id: string) => app.client.status(id);
const activities = () => createActivities(app.activityDeps);

before(async () => {
  testApp = await startTestApp({}, { emulatorSeed: seed });
  app = testApp.app;
});

after(() => testApp?.stop());

describe('pull', { timeout: 300_000 }, () => {
  it('connects only the ad accounts the user picked, each in its own workflow', async () => {
    const refused = await connect('123');
    assert.equal(refused.status, 400);
    assert.match(refused.body.error!, /ad_account_id: 123 not reachable/);
    const picked = await connect(USD, JPY);
    assert.deepEqual(picked.body.connected_ad_account_ids, [USD, JPY]);
    const accounts = await app.db.selectFrom('ad_accounts').select(['ad_account_id', 'currency']).orderBy('ad_account_id').execute();
    assert.deepEqual(accounts, [
      { ad_account_id: USD, currency: 'USD' },
      { ad_account_id: JPY, currency: 'JPY' },
    ]);
    for (const id of [USD, JPY]) await waitFor(`first pull of ${id}`, async () => ((await statusOf(id)).counters.pulls >= 1 ? true : undefined));
  });

  it('takes attribution settings at connect, validated by name', async () => {
    const bad = await fetch(`${app.ingressUrl}/v1/oauth/start?ad_account_id=${EUR}&click_window_days=3`, { redirect: 'manual' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'invalid query', issues: [{ field: 'click_window_days', message: 'must be one of 0, 1, 7, 14, 30, 60' }] });
    const response = await fetch(`${app.ingressUrl}/v1/oauth/start?ad_account_id=${EUR}&click_window_days=14&view_window_days=0`, { redirect: 'follow' });
    assert.deepEqual(await response.json(), { connected_ad_account_ids: [EUR] });
    const expected = { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 14, view_window_days: 0 };
    assert.deepEqual((await statusOf(EUR)).settings, expected);
    const row = await app.db.selectFrom('ad_accounts').select(['click_window_days', 'view_window_days', 'currency']).where('ad_account_id', '=', EUR).executeTakeFirstOrThrow();
    assert.deepEqual(row, { click_window_days: 14, view_window_days: 0, currency: 'EUR' });
  });

  it('pages through 300 ads with page_size 250 and chunks analytics by 250 ids', async () => {
    const ads = await app.db.selectFrom('ads').select('ad_id').where('ad_account_id', '=', USD).execute();
    assert.equal(ads.length, 300);
    const requests = emulator().exchanges.filter((e) => e.query.page_size !== undefined && e.route.endsWith('/ads'));
    assert.ok(requests.every((e) => e.query.page_size === '250'));
    assert.ok(requests.some((e) => e.query.bookmark), 'the second page was asked for by bookmark');
    const adCalls = emulator().exchanges.filter((e) => e.route.endsWith('/ads/analytics') && e.status === 200);
    assert.ok(adCalls.every((e) => [e.query.ad_ids].flat().length <= 250));
    const levels = await app.db.selectFrom('metrics_daily').select('level').distinct().where('ad_account_id', '=', USD).execute();
    assert.deepEqual(levels.map((l) => l.level).sort(), ['ad', 'ad_group', 'campaign']);
    const pins = await app.db.selectFrom('pins').select(['pin_id', 'title', 'media_type']).where('ad_account_id', '=', USD).execute();
    assert.equal(pins.length, 300);
    assert.ok(pins.every((p) => p.title && p.media_type));
  });

  it('stores spend in micro-units of the account currency and levels reconcile', async () => {
    const totals = await app.db
      .selectFrom('metrics_daily')
      .select(['ad_account_id', 'level', 'currency', (eb) => eb.fn.sum<string>('spend_micro').as('spend')])
      .groupBy(['ad_account_id', 'level', 'currency'])
      .execute();
    const spend = (account: string, level: string) => totals.find((t) => t.ad_account_id === account && t.level === level)!;
    assert.equal(spend(USD, 'campaign').spend, spend(USD, 'ad').spend);
    assert.equal(spend(USD, 'ad_group').spend, spend(USD, 'ad').spend);
    assert.equal(spend(JPY, 'ad').currency, 'JPY');
    assert.ok(Number(spend(JPY, 'ad').spend) > 100 * Number(spend(USD, 'ad').spend) / 3, 'yen amounts are yen-sized');
    const today = await app.db.selectFrom('metrics_daily').select(['date', 'is_partial']).where('ad_account_id', '=', USD).orderBy('date', 'desc').executeTakeFirstOrThrow();
    assert.equal(today.is_partial, true, "today's incomplete day is marked partial");
  });

  it('retries a 429 after the hint Pinterest gives, in the header or the message', async () => {
    assert.equal(parseRetryAfter('3', '', 0), 3);
    assert.equal(parseRetryAfter(null, 'Rate limit exceeded. Please retry after 12 seconds.', 0), 12);
    assert.equal(parseRetryAfter('1700000060', '', 1_700_000_000_000), 60);
    emulator().inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 2 }, { pathContains: `${USD}/campaigns/analytics` });
    const input = { ad_account_id: USD, min_days: 7, backfill_days: 7, settings: DEFAULT_ATTRIBUTION_SETTINGS };
    await assert.rejects(
      () => new MockActivityEnvironment().run(activities().pullMetrics, input),
      (error: unknown) =>
        error instanceof ApplicationFailure && error.type === 'PinterestRateLimited' && error.nextRetryDelay === '2 seconds',
    );
    emulator().inject({ kind: 'rate_limit', hint: 'message', retry_after_seconds: 5 }, { pathContains: `${USD}/campaigns/analytics` });
    await assert.rejects(
      () => new MockActivityEnvironment().run(activities().pullMetrics, input),
      (error: unknown) => error instanceof ApplicationFailure && error.nextRetryDelay === '5 seconds',
    );
  });

  it('rides out a 429 burst, a 5xx and a slow answer inside the workflow, and surfaces a daily cap in status', async () => {
    emulator().inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 1 }, { times: 2, pathContains: `${USD}/campaigns/analytics` });
    emulator().inject({ kind: 'server_error' }, { times: 1, pathContains: `${USD}/campaigns/analytics` });
    emulator().inject({ kind: 'slow', delay_ms: 1500 }, { times: 1, pathContains: `${USD}/campaigns/analytics` });
    const before = (await statusOf(USD)).counters.pulls;
    await app.client.pullNow(USD);
    await waitFor('a pull through the faults', async () => ((await statusOf(USD)).counters.pulls > before ? true : undefined));

    emulator().inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 7200 }, { pathContains: `${USD}/campaigns/analytics` });
    await app.client.pullNow(USD);
    const status = await waitFor('the daily cap in status', async () => {
      const s = await statusOf(USD);
      return s.rate_limited_until ? s : undefined;
    });
    const waitMs = Date.parse(status.rate_limited_until!) - Date.now();
    assert.ok(waitMs > 7000 * 1000 && waitMs <= 7200 * 1000, `waits about two hours (${waitMs} ms)`);
    assert.equal(status.next_pull_at, status.rate_limited_until);
  });

  it('refreshes a token ahead of its expiry, before Pinterest would refuse it', async () => {
    const before = await loadTokensForAdAccount(app.db, app.activityDeps.cipher, JPY);
    await app.db.updateTable('pinterest_connections').set({ access_token_expires_at: new Date(Date.now() + 60_000) }).where('connection_id', '=', before.connection_id).execute();
    const refused = () => emulator().exchanges.filter((e) => e.status === 401).length;
    const refusedBefore = refused();
    await new MockActivityEnvironment().run(activities().syncEntities, { ad_account_id: JPY });
    const after = await loadTokensForAdAccount(app.db, app.activityDeps.cipher, JPY);
    assert.notEqual(after.access_token, before.access_token);
    assert.ok(after.access_token_expires_at.getTime() > Date.now() + 86_400_000);
    assert.equal(refused(), refusedBefore, 'no request was refused on the way');
  });

  it('refreshes an expired access token once and stores the rotated refresh token', async () => {
    const before = await loadTokensForAdAccount(app.db, app.activityDeps.cipher, JPY);
    emulator().expireAccessTokens();
    const synced = (await new MockActivityEnvironment().run(activities().syncEntities, { ad_account_id: JPY })) as { ads: number };
    assert.equal(synced.ads, 300);
    const afterRefresh = await loadTokensForAdAccount(app.db, app.activityDeps.cipher, JPY);
    assert.notEqual(afterRefresh.access_token, before.access_token);
    assert.notEqual(afterRefresh.refresh_token, before.refresh_token);
    const stored = await app.db.selectFrom('pinterest_connections').select(['access_token_encrypted', 'refresh_token_encrypted']).execute();
    assert.ok(stored.every((row) => !row.access_token_encrypted.includes(afterRefresh.access_token)), 'tokens are encrypted at rest');
  });

  it('a revoked grant moves the account to needs_reauth; after reconnecting, the missed days are pulled', async () => {
    emulator().revokeGrants();
    await app.client.pullNow(JPY);
    await waitFor('needs_reauth', async () => ((await statusOf(JPY)).connection_status === 'needs_reauth' ? true : undefined));
    const handle = app.temporalClient.workflow.getHandle(adAccountWorkflowId(JPY));
    await waitFor('the search attribute', async () =>
      (await handle.describe()).typedSearchAttributes.get(CONNECTION_STATUS) === 'needs_reauth' ? true : undefined,
    );
    const row = await app.db.selectFrom('ad_accounts').select('connection_status').where('ad_account_id', '=', JPY).executeTakeFirstOrThrow();
    assert.equal(row.connection_status, 'needs_reauth');

    // Forty-five days pass without pulls.
    const account = await app.db.selectFrom('ad_accounts').select('last_pulled_through').where('ad_account_id', '=', JPY).executeTakeFirstOrThrow();
    const missedFrom = addDays(account.last_pulled_through!, -44);
    await app.db.updateTable('ad_accounts').set({ last_pulled_through: addDays(missedFrom, -1) }).where('ad_account_id', '=', JPY).execute();
    await app.db.deleteFrom('metrics_daily').where('ad_account_id', '=', JPY).where('date', '>=', missedFrom).execute();

    const pullsBefore = (await statusOf(JPY)).counters.pulls;
    // The revoked grant was the user's: reconnect both accounts it reached.
    assert.deepEqual((await connect(USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
    const status = await waitFor('the catch-up pull', async () => {
      const s = await statusOf(JPY);
      return s.counters.pulls > pullsBefore ? s : undefined;
    });
    assert.equal(status.connection_status, 'connected');
    const dates = await app.db
      .selectFrom('metrics_daily')
      .select('date')
      .distinct()
      .where('ad_account_id', '=', JPY)
      .where('level', '=', 'ad')
      .where('date', '>=', missedFrom)
      .execute();
    assert.ok(dates.length >= 45, `every missed day is back (${dates.length})`);
  });

  it('a refusal of the grant a reconnect has just replaced leaves the account connected', async () => {
    // The user revokes the app; a pull's refresh of the old grant is refused, but the answer is
    // slow, and the user reconnects before it arrives.
    emulator().revokeGrants();
    emulator().inject({ kind: 'slow', delay_ms: 3000 }, { pathContains: '/oauth/token', times: 1 });
    const pullsBefore = (await statusOf(JPY)).counters.pulls;
    await app.client.pullNow(JPY);
    await waitFor('the refresh of the revoked grant', async () => (emulator().inFlight('/oauth/token') > 0 ? true : undefined));
    assert.deepEqual((await connect(USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
    const status = await waitFor('a pull with the new grant', async () => {
      const s = await statusOf(JPY);
      return s.counters.pulls > pullsBefore ? s : undefined;
    });
    assert.equal(status.connection_status, 'connected');
    const rows = await app.db.selectFrom('ad_accounts').select(['ad_account_id', 'connection_status']).where('ad_account_id', 'in', [USD, JPY]).orderBy('ad_account_id').execute();
    assert.deepEqual(rows, [
      { ad_account_id: USD, connection_status: 'connected' },
      { ad_account_id: JPY, connection_status: 'connected' },
    ]);
  });

  it('changes attribution settings through a validated update and pulls under them', async () => {
    await assert.rejects(() => app.client.updateSettings(USD, { click_window_days: 3 }), /click_window_days: must be one of 0, 1, 7, 14, 30, 60/);
    // Clear the long rate-limit wait from the earlier test: the next update pulls at once.
    const settings = await app.client.updateSettings(USD, { click_window_days: 7, view_window_days: 0 });
    assert.deepEqual(settings, { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 7, view_window_days: 0 });
    // The update is accepted at once; the workflow saves it between activities.
    const stored = await waitFor('the settings saved', async () => {
      const row = await app.db.selectFrom('ad_accounts').select(['click_window_days', 'view_window_days']).where('ad_account_id', '=', USD).executeTakeFirstOrThrow();
      return row.click_window_days === 7 ? row : undefined;
    });
    assert.deepEqual(stored, { click_window_days: 7, view_window_days: 0 });
    assert.deepEqual((await statusOf(USD)).settings, settings);
    await waitFor('rows under the new settings', async () => {
      const row = await app.db
        .selectFrom('metrics_daily')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('ad_account_id', '=', USD)
        .where('click_window_days', '=', 7)
        .where('view_window_days', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(row.n) > 0 ? true : undefined;
    });
    const sent = emulator().exchanges.filter((e) => e.route.endsWith('/analytics') && e.query.click_window_days === '7');
    assert.ok(sent.length > 0 && sent.every((e) => e.query.view_window_days === '0' && e.query.engagement_window_days === '30'));
  });

  it('backfills up to 914 days back through async reports in 186-day pieces, handling every ending', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await assert.rejects(() => app.client.backfill(USD, { start_date: addDays(today, -1000), end_date: addDays(today, -95) }), /start_date: Pinterest keeps at most 914 days/);
    await assert.rejects(() => app.client.backfill(USD, { start_date: '2026-13-01', end_date: today }), /start_date: must be a YYYY-MM-DD date/);
    await assert.rejects(() => app.client.backfill(USD, { start_date: addDays(today, -10) } as never), /end_date: is required/);

    emulator().nextReportOutcomes('EXPIRED', 'FINISHED', 'FAILED');
    const pieces = await app.client.backfill(USD, { start_date: addDays(today, -400), end_date: addDays(today, -200) });
    assert.deepEqual(pieces, [
      { start_date: addDays(today, -400), end_date: addDays(today, -215) },
      { start_date: addDays(today, -214), end_date: addDays(today, -200) },
    ]);
    // First piece: EXPIRED, asked for again, then FINISHED. Second piece: FAILED, reported in status.
    const status = await waitFor('both pieces handled', async () => {
      const s = await statusOf(USD);
      return s.backfill_queue.length === 0 && s.last_error?.includes('FAILED') ? s : undefined;
    }, 120_000);
    assert.match(status.last_error!, new RegExp(`backfill ${addDays(today, -214)}..${addDays(today, -200)}: the report ended FAILED`));
    const days = await app.db
      .selectFrom('metrics_daily')
      .select('date')
      .distinct()
      .where('ad_account_id', '=', USD)
      .where('level', '=', 'ad')
      .where('click_window_days', '=', 7)
      .where('date', '>=', addDays(today, -400))
      .where('date', '<=', addDays(today, -200))
      .orderBy('date')
      .execute();
    assert.equal(days.length, 186, 'the first piece landed whole');
    assert.equal(days[0]!.date, addDays(today, -400));
    const reports = emulator().exchanges.filter((e) => e.route.endsWith('/reports') && e.method === 'POST');
    assert.equal(reports.length, 3, 'expired once, asked again, and the failing piece once');
    assert.equal(status.counters.backfill_ranges_done, 1);
    assert.ok(reports.every((e) => (e.body as { level: string }).level === 'PIN_PROMOTION'));
  });

  it('every exchange with the emulator, faults included, conforms to openapi-v5.yaml', { skip: spec.skip }, () => {
    const checker = new OpenApiChecker(spec.path!);
    assert.deepEqual(emulator().exchanges.flatMap((exchange) => checker.check(exchange)), []);
  });

  it('resumes a pull from its heartbeat cursor instead of starting over', async () => {
    // Only this test's calls: the workflow now pulls under a 7-day click window, these under 30.
    const count = () =>
      emulator().exchanges.filter((e) => e.route.endsWith('/analytics') && e.query.click_window_days === '30' && e.query.start_date === threeDaysBack).length;
    const threeDaysBack = addDays(new Date().toLocaleDateString('en-CA', { timeZone: 'America/New_York' }), -2);
    const start = count();
    const input = { ad_account_id: USD, min_days: 3, backfill_days: 3, settings: DEFAULT_ATTRIBUTION_SETTINGS };
    await new MockActivityEnvironment().run(activities().pullMetrics, input);
    const full = count() - start;
    assert.equal(full, 4, 'campaigns, ad groups, and ads in two chunks');
    const resumed = new MockActivityEnvironment({ heartbeatDetails: { unit: 3, rows: 10 } });
    const result = (await resumed.run(activities().pullMetrics, input)) as { rows: number };
    assert.equal(count() - start - full, 1, 'only the last chunk is asked for again');
    // The last chunk is the archived campaign's ads, silent these days: only the carried count remains.
    assert.equal(result.rows, 10);
  });
});
