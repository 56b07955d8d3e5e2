// How far back an ad account's metrics go, on real parts (a Temporal dev server, PostgreSQL, our
// worker, the emulator with an account Pinterest created 200 days ago): the first pull asks for
// every day the synchronous endpoints serve; nothing before the account's creation is asked for;
// a backfill reaching before it is clamped and says so; days the automatic path leaves out show
// in status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addDays, dateInTimeZone } from '../../domain/dates';
import { buildSeed, DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const TIME_ZONE = 'America/New_York';
const CREATED_AT = new Date(Date.now() - 200 * 86_400_000);
const CREATED_TIME = Math.floor(CREATED_AT.getTime() / 1000);
const createdDate = dateInTimeZone(new Date(CREATED_TIME * 1000), TIME_ZONE);

let testApp: TestApp;
const app = () => testApp.app;
const emulator = () => testApp.app.pinterest.emulator;
const statusOf = () => app().client.status(ACCOUNT);

before(async () => {
  const seed = buildSeed({ accounts: [{ id: ACCOUNT, currency: 'USD', time_zone: TIME_ZONE, created_time: CREATED_TIME }] });
  testApp = await startTestApp({}, { emulatorSeed: seed });
  assert.deepEqual(await connectThroughOAuth(app()), [ACCOUNT]);
  await waitFor('the first pull', async () => ((await statusOf()).counters.pulls >= 1 ? true : undefined));
});

after(() => testApp?.stop());

describe('history bounds', { timeout: 300_000 }, () => {
  it('stores the account\'s created_time at connect and learns its creation date', async () => {
    const row = await app().db.selectFrom('ad_accounts').select('created_time').where('ad_account_id', '=', ACCOUNT).executeTakeFirstOrThrow();
    assert.equal(row.created_time?.getTime(), CREATED_TIME * 1000);
    assert.equal((await statusOf()).account_created_date, createdDate);
  });

  it('the first pull asks for today and the 90 days before it, the oldest day the synchronous endpoints serve', () => {
    const first = emulator().exchanges.filter((e) => e.route.endsWith('/analytics'))[0]!;
    const utcToday = new Date().toISOString().slice(0, 10);
    const localToday = dateInTimeZone(new Date(), TIME_ZONE);
    const oldestServed = [addDays(utcToday, -90), addDays(localToday, -90)].sort()[1];
    assert.equal(first.query.start_date, oldestServed);
    assert.equal(first.status, 200, 'Pinterest serves that day');
    assert.equal((Date.parse(String(first.query.end_date)) - Date.parse(String(first.query.start_date))) / 86_400_000 <= 90, true);
  });

  it('clamps a backfill reaching before the account\'s creation, says so, and asks for nothing older', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const pieces = await app().client.backfill(ACCOUNT, { start_date: addDays(today, -400), end_date: addDays(today, -150) });
    const clampedDays = Math.round((Date.parse(createdDate) - Date.parse(addDays(today, -400))) / 86_400_000);
    assert.deepEqual(pieces, [
      { start_date: createdDate, end_date: addDays(today, -150), requested_start_date: addDays(today, -400), clamped_by: 'account_created', clamped_days: clampedDays },
    ]);
    await waitFor('the clamped backfill collected', async () => ((await statusOf()).backfill_queue.length === 0 && (await statusOf()).counters.backfill_ranges_done === 1 ? true : undefined), 120_000);
    const reports = emulator().exchanges.filter((e) => e.route.endsWith('/reports') && e.method === 'POST');
    assert.deepEqual(reports.map((e) => [(e.body as { start_date: string }).start_date, (e.body as { end_date: string }).end_date]), [[createdDate, addDays(today, -150)]]);
  });

  it('refuses a backfill wholly before the account\'s creation, naming the field', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await assert.rejects(
      () => app().client.backfill(ACCOUNT, { start_date: addDays(today, -400), end_date: addDays(today, -300) }),
      new RegExp(`end_date: must not be before ${createdDate}: the ad account was created on ${createdDate}, nothing to backfill`),
    );
  });

  it('shows in status the missed days before the account\'s creation the automatic path left out', async () => {
    // As if the account had last been pulled 300 days ago (a long pause): the missed days reach before its creation.
    const lastPulled = addDays(dateInTimeZone(new Date(), TIME_ZONE), -300);
    await app().db.updateTable('ad_accounts').set({ last_pulled_through: lastPulled }).where('ad_account_id', '=', ACCOUNT).execute();
    const pulls = (await statusOf()).counters.pulls;
    await app().client.pullNow(ACCOUNT);
    const status = await waitFor('the pull after the pause', async () => {
      const s = await statusOf();
      return s.counters.pulls > pulls ? s : undefined;
    });
    const droppedEnd = addDays(createdDate, -1);
    assert.deepEqual(status.history_dropped, {
      start_date: lastPulled,
      end_date: droppedEnd,
      days: Math.round((Date.parse(droppedEnd) - Date.parse(lastPulled)) / 86_400_000) + 1,
      reason: 'account_created',
    });
    const analyticsStarts = emulator().exchanges.filter((e) => e.route.endsWith('/analytics')).map((e) => String(e.query.start_date));
    const reportStarts = emulator().exchanges.filter((e) => e.route.endsWith('/reports') && e.method === 'POST').map((e) => (e.body as { start_date: string }).start_date);
    const oldest = [...analyticsStarts, ...reportStarts].sort()[0]!;
    assert.ok(oldest >= createdDate, `nothing asked for before ${createdDate}, the oldest start_date was ${oldest}`);
  });
});
