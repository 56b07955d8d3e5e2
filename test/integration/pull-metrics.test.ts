// Metrics pulls on real parts (dev server, PostgreSQL) against an emulator with three ad accounts
// (USD, EUR, JPY) of 300 ads each (two pages, two analytics chunks) and injected faults: paging
// and chunking, currencies, rate limits, settings changes, async-report backfills, heartbeats.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/activity';
import { createActivities } from '../../activities/index';
import { parseRetryAfter, PinterestApiError } from '../../pinterest/http';
import { listCampaigns } from '../../pinterest/entities';
import { addDays } from '../../domain/dates';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { startTestApp, type TestApp } from '../support/test-app';
import { connectPicked, currencySeed, JPY, USD } from '../support/currency-accounts';
import { waitFor } from '../support/wait';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';

const spec = sharedFile('pinterest/openapi-v5.yaml');

let testApp: TestApp;

const app = () => testApp.app;
const emulator = () => testApp.app.pinterest.emulator;
const statusOf = (id: string) => testApp.app.client.status(id);
const activities = () => createActivities(testApp.app.activityDeps);

before(async () => {
  testApp = await startTestApp({}, { emulatorSeed: currencySeed });
  assert.deepEqual((await connectPicked(testApp.app, USD, JPY)).body.connected_ad_account_ids, [USD, JPY]);
  for (const id of [USD, JPY]) await waitFor(`first pull of ${id}`, async () => ((await statusOf(id)).counters.pulls >= 1 ? true : undefined));
});

after(() => testApp?.stop());

describe('metrics pulls', { timeout: 300_000 }, () => {
  it('pages through 300 ads with page_size 250 and chunks analytics by 250 ids', async () => {
    const ads = await app().db.selectFrom('ads').select('ad_id').where('ad_account_id', '=', USD).execute();
    assert.equal(ads.length, 300);
    const requests = emulator().exchanges.filter((e) => e.query.page_size !== undefined && e.route.endsWith('/ads'));
    assert.ok(requests.every((e) => e.query.page_size === '250'));
    assert.ok(requests.some((e) => e.query.bookmark), 'the second page was asked for by bookmark');
    const adCalls = emulator().exchanges.filter((e) => e.route.endsWith('/ads/analytics') && e.status === 200);
    assert.ok(adCalls.every((e) => [e.query.ad_ids].flat().length <= 250));
    const levels = await app().db.selectFrom('metrics_daily').select('level').distinct().where('ad_account_id', '=', USD).execute();
    assert.deepEqual(levels.map((l) => l.level).sort(), ['ad', 'ad_group', 'campaign']);
    const pins = await app().db.selectFrom('pins').select(['pin_id', 'title', 'media_type']).where('ad_account_id', '=', USD).execute();
    assert.equal(pins.length, 300);
    assert.ok(pins.every((p) => p.title && p.media_type));
  });

  it('stores spend in micro-units of the account currency and levels reconcile', async () => {
    // Under the connect-time settings, which every level was pulled with (a backfill stores ads only).
    const totals = await app()
      .db.selectFrom('metrics_daily')
      .select(['ad_account_id', 'level', 'currency', (eb) => eb.fn.sum<string>('spend_micro').as('spend')])
      .where('click_window_days', '=', DEFAULT_ATTRIBUTION_SETTINGS.click_window_days)
      .where('view_window_days', '=', DEFAULT_ATTRIBUTION_SETTINGS.view_window_days)
      .groupBy(['ad_account_id', 'level', 'currency'])
      .execute();
    const spend = (account: string, level: string) => totals.find((t) => t.ad_account_id === account && t.level === level)!;
    assert.equal(spend(USD, 'campaign').spend, spend(USD, 'ad').spend);
    assert.equal(spend(USD, 'ad_group').spend, spend(USD, 'ad').spend);
    assert.equal(spend(JPY, 'ad').currency, 'JPY');
    assert.ok(Number(spend(JPY, 'ad').spend) > 100 * Number(spend(USD, 'ad').spend) / 3, 'yen amounts are yen-sized');
    const today = await app().db.selectFrom('metrics_daily').select(['date', 'is_partial']).where('ad_account_id', '=', USD).orderBy('date', 'desc').executeTakeFirstOrThrow();
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
      (error: unknown) => error instanceof ApplicationFailure && error.type === 'PinterestRateLimited' && error.nextRetryDelay === '5 seconds',
    );
  });

  it('rides out a 429 burst, a 5xx and a slow answer inside the workflow, and surfaces a daily cap in status', async () => {
    // The JPY account: the two-hour wait this leaves behind holds up no other test's pulls.
    const analytics = `${JPY}/campaigns/analytics`;
    emulator().inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 1 }, { times: 2, pathContains: analytics });
    emulator().inject({ kind: 'server_error' }, { times: 1, pathContains: analytics });
    emulator().inject({ kind: 'slow', delay_ms: 1500 }, { times: 1, pathContains: analytics });
    const before = (await statusOf(JPY)).counters.pulls;
    await app().client.pullNow(JPY);
    await waitFor('a pull through the faults', async () => ((await statusOf(JPY)).counters.pulls > before ? true : undefined));

    emulator().inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 7200 }, { pathContains: analytics });
    const askedAt = Date.now();
    await app().client.pullNow(JPY);
    const status = await waitFor('the daily cap in status', async () => {
      const s = await statusOf(JPY);
      return s.rate_limited_until ? s : undefined;
    });
    // Two hours from the moment the workflow saw the 429, which lies between the ask and this read.
    const until = Date.parse(status.rate_limited_until!);
    assert.ok(until >= askedAt + 7200 * 1000 && until <= Date.now() + 7200 * 1000, `waits two hours (until ${status.rate_limited_until})`);
    assert.equal(status.next_pull_at, status.rate_limited_until);
  });

  it('changes attribution settings through a validated update and pulls under them', async () => {
    await assert.rejects(() => app().client.updateSettings(USD, { click_window_days: 3 }), /click_window_days: must be one of 0, 1, 7, 14, 30, 60/);
    // A read under way (an entity sync, say) makes the answer say the settings wait for it.
    const { pending, ...settings } = await app().client.updateSettings(USD, { click_window_days: 7, view_window_days: 0 });
    assert.deepEqual(settings, { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 7, view_window_days: 0 });
    if (pending) assert.equal(pending.reason, 'pinterest_read_under_way');
    // The update is accepted at once; the workflow saves it between activities.
    const stored = await waitFor('the settings saved', async () => {
      const row = await app().db.selectFrom('ad_accounts').select(['click_window_days', 'view_window_days']).where('ad_account_id', '=', USD).executeTakeFirstOrThrow();
      return row.click_window_days === 7 ? row : undefined;
    });
    assert.deepEqual(stored, { click_window_days: 7, view_window_days: 0 });
    assert.deepEqual((await statusOf(USD)).settings, settings);
    await waitFor('rows under the new settings', async () => {
      const row = await app()
        .db.selectFrom('metrics_daily')
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

  it('backfills through async reports in 186-day pieces, handling every ending', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await assert.rejects(() => app().client.backfill(USD, { start_date: addDays(today, -1000), end_date: addDays(today, -950) }), /end_date: must not be before .*: Pinterest keeps 914 days of history, nothing to backfill/);
    await assert.rejects(() => app().client.backfill(USD, { start_date: '2026-13-01', end_date: today }), /start_date: must be a YYYY-MM-DD date/);
    await assert.rejects(() => app().client.backfill(USD, { start_date: addDays(today, -10) } as never), /end_date: is required/);

    // The report is asked for under the account's settings of the moment.
    const { settings, counters } = await statusOf(USD);
    const reportsPosted = () => emulator().exchanges.filter((e) => e.route.endsWith('/reports') && e.method === 'POST');
    const postedBefore = reportsPosted().length;
    emulator().nextReportOutcomes('EXPIRED', 'FINISHED', 'FAILED');
    const pieces = await app().client.backfill(USD, { start_date: addDays(today, -400), end_date: addDays(today, -200) });
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
    const days = await app()
      .db.selectFrom('metrics_daily')
      .select('date')
      .distinct()
      .where('ad_account_id', '=', USD)
      .where('level', '=', 'ad')
      .where('click_window_days', '=', settings.click_window_days)
      .where('view_window_days', '=', settings.view_window_days)
      .where('date', '>=', addDays(today, -400))
      .where('date', '<=', addDays(today, -200))
      .orderBy('date')
      .execute();
    assert.equal(days.length, 186, 'the first piece landed whole');
    assert.equal(days[0]!.date, addDays(today, -400));
    const reports = reportsPosted().slice(postedBefore);
    assert.equal(reports.length, 3, 'expired once, asked again, and the failing piece once');
    assert.equal(status.counters.backfill_ranges_done, (counters.backfill_ranges_done ?? 0) + 1);
    assert.ok(reports.every((e) => (e.body as { level: string }).level === 'PIN_PROMOTION'));
  });

  it('resumes a pull from its heartbeat cursor instead of starting over', async () => {
    // A click window no workflow pulls under, so only this test's calls are counted.
    const settings = { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 60 };
    const threeDaysBack = addDays(new Date().toLocaleDateString('en-CA', { timeZone: 'America/New_York' }), -2);
    const count = () =>
      emulator().exchanges.filter((e) => e.route.endsWith('/analytics') && e.query.click_window_days === '60' && e.query.start_date === threeDaysBack).length;
    const start = count();
    const input = { ad_account_id: USD, min_days: 3, backfill_days: 3, settings };
    await new MockActivityEnvironment().run(activities().pullMetrics, input);
    const full = count() - start;
    assert.equal(full, 4, 'campaigns, ad groups, and ads in two chunks');
    const resumed = new MockActivityEnvironment({ heartbeatDetails: { unit: 3, rows: 10 } });
    const result = (await resumed.run(activities().pullMetrics, input)) as { rows: number };
    assert.equal(count() - start - full, 1, 'only the last chunk is asked for again');
    // The last chunk is the archived campaign's ads, silent these days: only the carried count remains.
    assert.equal(result.rows, 10);
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
