// One ad account workflow on real parts (dev server, PostgreSQL, emulator) through every update
// (pause and resume, settings, backfill), a refused grant and a reconnect, Routy's records, and a
// continue-as-new: the second history that test/integration/replay.test.ts replays.
// `RECORD_HISTORY=1` writes the run that continued as new to
// test/fixtures/ad-account-workflow-history-updates.json, its payloads decrypted so the replay
// needs no key. Where the order of two events is what the history must show, the test holds an
// activity on a PostgreSQL lock and waits until it is blocked, so no step depends on timing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { addDays } from '../../domain/dates';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { replayWorkerOptions } from '../../worker/create-worker';
import type { AdAccountStatus } from '../../workflows/ad-account-types';
import { adAccountWorkflowId, connectedSignal, recordsWaitingSignal } from '../../workflows/shared';
import { capiEventsWithId } from '../support/capi-requests';
import { decryptedHistory, type JSONEvent } from '../support/recorded-history';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const PIN = '987654321012345603';
/** Temporal suggests continue-as-new from this many events on: the steps before the last write about 175. */
const SUGGEST_AFTER_EVENTS = 320;

let testApp: TestApp;
let app: TestApp['app'];

const handle = (runId?: string) => app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT), runId);
const statusOf = () => app.client.status(ACCOUNT);
/** Polls the status until `done` holds; every `done` below is a state that stays true once reached. */
const until = (what: string, done: (s: AdAccountStatus) => boolean, timeoutMs?: number) =>
  waitFor(what, async () => {
    const status = await statusOf();
    return done(status) ? status : undefined;
  }, timeoutMs);

async function post(path: string, body: unknown): Promise<number> {
  const response = await fetch(`${app.ingressUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${app.ingressToken}` },
    body: JSON.stringify(body),
  });
  return response.status;
}
const click = (clickId: string) => ({ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(Date.now() - 86_400_000).toISOString(), click_id: clickId, pin_id: PIN });
const checkout = (eventId: string, clickId: string) => ({
  event_id: eventId, event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: ACCOUNT, click_id: clickId, user: { email: `${eventId}@example.com` },
});

/** Runs `statement` in a transaction left open, so activities that need its locks wait until `release`. */
async function holdLocks(statement: string, params: unknown[] = []): Promise<{ release: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: testApp.databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(statement, params);
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Waits until a query on `table` waits for a lock (it stays waiting until the lock is released). */
const blockedOn = (table: string) =>
  waitFor(`an activity blocked on ${table}`, async () => {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE ${`%${table}%`}`.execute(app.db);
    return Number(rows[0]!.n) > 0 ? true : undefined;
  });

const historyOf = async (runId?: string) => decryptedHistory(await handle(runId).fetchHistory(), app.dataConverter.payloadCodecs![0]!);
const attributes = (event: JSONEvent, name: string) => event[`${name}EventAttributes`] as Record<string, any> | undefined;
/** Ids of the `patched` markers in a history, in order. */
const patchIds = (history: { events: JSONEvent[] }) =>
  history.events
    .map((e) => attributes(e, 'markerRecorded')?.details?.['patch-data']?.payloads?.[0]?.data as string | undefined)
    .filter((data) => data !== undefined)
    .map((data) => (JSON.parse(Buffer.from(data, 'base64').toString()) as { id: string }).id);
/** Temporal has suggested continue-as-new to the current run. */
const suggested = async () => (await historyOf()).events.some((e) => attributes(e, 'workflowTaskStarted')?.suggestContinueAsNew === true);

before(async () => {
  testApp = await startTestApp(
    { ROUTY_INGRESS_TOKEN: 'test-ingress-token' },
    { temporalExtraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`] },
  );
  app = testApp.app;
});

after(() => testApp?.stop());

describe('an ad account history through every update, a refused grant and a continue-as-new', { timeout: 300_000 }, () => {
  it('connects through OAuth, pulls, and sends a conversion matched to its click', async () => {
    assert.deepEqual(await connectThroughOAuth(app), [ACCOUNT]);
    await until('the first pull', (s) => s.counters.pulls === 1);
    assert.equal(await post('/v1/touchpoints', { touchpoints: [click('epik-a'), click('epik-b')] }), 202);
    assert.equal(await post('/v1/conversions', { conversions: [checkout('order-a', 'epik-a')] }), 202);
    const status = await until('the conversion sent', (s) => s.counters.conversions_sent === 1);
    assert.equal(status.connection_status, 'connected');
    assert.deepEqual([status.counters.touchpoints_received, status.counters.conversions_received, status.counters.conversions_matched], [2, 1, 1]);
    assert.equal(capiEventsWithId(app, 'order-a').length, 1);
  });

  it('a pause keeps matches unsent; resume pulls and sends them', async () => {
    const paused = await app.client.pause(ACCOUNT, 'budget review');
    assert.deepEqual([paused.paused, paused.paused_reason], [true, 'budget review']);
    assert.equal(await post('/v1/conversions', { conversions: [checkout('order-b', 'epik-b')] }), 202);
    const waiting = await until('the match while paused', (s) => s.counters.conversions_matched === 2);
    assert.equal(waiting.counters.conversions_sent, 1);
    const resumed = await app.client.resume(ACCOUNT);
    assert.equal(resumed.paused, false);
    await until('the pull and the send after resume', (s) => s.counters.pulls === waiting.counters.pulls + 1 && s.counters.conversions_sent === 2);
    assert.equal(capiEventsWithId(app, 'order-b').length, 1);
  });

  it('applies a settings update between activities and pulls under it', async () => {
    const pulls = (await statusOf()).counters.pulls;
    // The pull the resume started may still be under way: the answer then says the settings wait for it.
    const { pending, ...settings } = await app.client.updateSettings(ACCOUNT, { click_window_days: 7 });
    assert.deepEqual(settings, { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 7 });
    if (pending) assert.equal(pending.reason, 'pinterest_read_under_way');
    const status = await until('the pull under the new settings', (s) => s.settings.click_window_days === 7 && s.counters.pulls === pulls + 1);
    assert.deepEqual(status.settings, settings);
    const row = await app.db.selectFrom('ad_accounts').select('click_window_days').where('ad_account_id', '=', ACCOUNT).executeTakeFirstOrThrow();
    assert.equal(row.click_window_days, 7);
  });

  it('backfills a short range through one async report', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const range = { start_date: addDays(today, -130), end_date: addDays(today, -121) };
    assert.deepEqual(await app.client.backfill(ACCOUNT, range), [range]);
    const status = await until('the report collected', (s) => s.counters.backfill_ranges_done === 1 && s.backfill_queue.length === 0, 120_000);
    assert.equal(status.last_error, undefined);
    const days = await app.db
      .selectFrom('metrics_daily')
      .select('date')
      .distinct()
      .where('ad_account_id', '=', ACCOUNT)
      .where('level', '=', 'ad')
      .where('click_window_days', '=', 7)
      .where('date', '>=', range.start_date)
      .where('date', '<=', range.end_date)
      .execute();
    assert.equal(days.length, 10);
  });

  it('ignores a refusal that reports after a reconnect signal, and parks the account on the next one', async () => {
    const before = await statusOf();
    app.pinterest.emulator.revokeGrants();
    // The pull's token refresh waits on this row lock: the `connected` signal is applied while the
    // refused call is still under way, the workflow's side of a reconnect racing a refusal.
    const lock = await holdLocks(
      'SELECT 1 FROM pinterest_connections WHERE connection_id = (SELECT connection_id FROM ad_accounts WHERE ad_account_id = $1) FOR UPDATE',
      [ACCOUNT],
    );
    try {
      await app.client.pullNow(ACCOUNT);
      await blockedOn('pinterest_connections');
      await handle().signal(connectedSignal, { call: 'connected', by: 'test' });
      await waitFor('the connected signal applied', async () => {
        const events = (await historyOf()).events;
        const signaled = events.map((e) => attributes(e, 'workflowExecutionSignaled')?.signalName).lastIndexOf('connected');
        return events.slice(signaled).some((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') ? true : undefined;
      });
    } finally {
      await lock.release();
    }
    // The stale refusal left the account connected; the entity sync the signal asked for is refused next.
    const parked = await until('needs_reauth', (s) => s.connection_status === 'needs_reauth');
    assert.match(parked.last_error ?? '', /^Pinterest refused the grant; reconnect the account/);
    assert.equal(parked.counters.pulls, before.counters.pulls);
    assert.ok(patchIds(await historyOf()).includes('stale-reauth-ignored'), 'the first refusal was taken as stale');
  });

  it('a reconnect through OAuth resumes pulls', async () => {
    const pulls = (await statusOf()).counters.pulls;
    assert.deepEqual(await connectThroughOAuth(app), [ACCOUNT]);
    const status = await until('the pull after the reconnect', (s) => s.connection_status === 'connected' && s.counters.pulls === pulls + 1);
    assert.equal(status.last_error, undefined);
  });

  it('continues-as-new when suggested, carrying a settings change that came during the round', async () => {
    const before = await statusOf();
    const firstRunId = (await handle().describe()).runId;
    assert.equal(await suggested(), false, `the steps above must stay under ${SUGGEST_AFTER_EVENTS} events (raise it if they grew)`);
    // Touchpoints wait on this lock: the record pump stays in its insert while signals grow the
    // history past the threshold and the settings change comes, so the pump ends with it pending.
    const lock = await holdLocks('LOCK TABLE touchpoints IN EXCLUSIVE MODE');
    const posted = 1;
    try {
      assert.equal(await post('/v1/touchpoints', { touchpoints: [click('epik-can-0')] }), 202);
      await blockedOn('touchpoints');
      let nudges = 0;
      do {
        assert.ok(nudges < 100, 'Temporal suggests continue-as-new within 100 signals');
        await handle().signal(recordsWaitingSignal, { call: 'recordsWaiting', by: 'test' });
        nudges += 1;
      } while (!(await suggested()));
      const { pending: _pending, ...answer } = await app.client.updateSettings(ACCOUNT, { click_window_days: 30 });
      assert.deepEqual(answer, DEFAULT_ATTRIBUTION_SETTINGS);
    } finally {
      await lock.release();
    }
    await waitFor('the run continued as new', async () => ((await handle(firstRunId).describe()).status.name === 'CONTINUED_AS_NEW' ? true : undefined));
    const after = await until('the new run to save the carried settings and pull', (s) => s.settings.click_window_days === 30 && s.counters.pulls === before.counters.pulls + 1);
    assert.notEqual((await handle().describe()).runId, firstRunId);
    assert.equal(after.counters.touchpoints_received, before.counters.touchpoints_received + posted);
    const stored = await app.db.selectFrom('touchpoints').select('click_id').where('click_id', 'like', 'epik-can-%').execute();
    assert.equal(stored.length, posted);

    const history = await historyOf(firstRunId);
    assert.equal(history.events.at(-1)?.eventType, 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    const updates = history.events.map((e) => attributes(e, 'workflowExecutionUpdateAccepted')?.acceptedRequest?.input?.name).filter(Boolean);
    assert.deepEqual(updates, ['pause', 'resume', 'updateSettings', 'backfill', 'updateSettings']);
    const patches = patchIds(history);
    // New runs take bounded rounds and decide continue-as-new by the carry limit alone: the
    // recorded fixture (older code) still holds the `continue-as-new-with-small-buffers` marker.
    for (const id of ['pinterest-reads-beside-records', 'bounded-rounds', 'stale-reauth-ignored', 'records-pump', 'pinterest-read-health']) assert.ok(patches.includes(id), id);
    const replayable = historyFromJSON(history);
    await Worker.runReplayHistory(replayWorkerOptions(), replayable, adAccountWorkflowId(ACCOUNT));
    if (process.env.RECORD_HISTORY === '1') {
      await writeFile(new URL('../fixtures/ad-account-workflow-history-updates.json', import.meta.url), historyToJSON(replayable));
    }
  });
});
