// A steady stream of small ingress requests to one ad account, on real parts (a dev server told to
// suggest continue-as-new early, a fresh PostgreSQL database, our worker and ingress, the
// emulator): the workflow still continues as new while the stream goes on, 800 requests cost a
// few nudge signals and a small, bounded history, and every accepted record is stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { adAccountWorkflowId } from '../../workflows/shared';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
/** Temporal suggests continue-as-new from this many events of a run on. */
const SUGGEST_AFTER_EVENTS = 20;
/**
 * No run may grow past this: once suggested, a run lets the record pump under way end (it runs
 * 10 seconds at most, however busy) and continues as new. Each touchpoint insert is made slower
 * than the gap between two requests (below), so the pump never finds the inbox empty.
 */
const HISTORY_BOUND = 60;
/** What 800 requests (TICKS) may cost in history, all runs together (a longer stream in proportion): a pump is about 8 events, a nudge 4. */
const STREAM_HISTORY_BOUND = 100;
/** How long PostgreSQL takes for each insert into `touchpoints` during the stream, in seconds. */
const SLOW_INSERT_SECONDS = 0.3;
/**
 * Every tick sends one touchpoint and one conversion request: 40 requests a second, for 20 seconds
 * at least, and on (up to 40 seconds) until a run has continued as new since the stream started: how
 * many events a fresh run has when the pump under way ends decides whether that is at 10 or 20
 * seconds, and the claim is only that it happens while records keep coming.
 */
const TICK_MS = 50;
const TICKS = 400;
const MAX_TICKS = 800;
/** Ticks between two looks at the workflow's runs while the stream goes on past TICKS. */
const LOOK_EVERY_TICKS = 20;

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp(
    { ROUTY_INGRESS_TOKEN: 'test-ingress-token' },
    { temporalExtraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`] },
  );
});

after(() => testApp?.stop());

const touchpoint = (i: number) => ({
  ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(Date.now() - 60_000).toISOString(), click_id: `stream-${i}`, ad_id: '687195905901',
});
const conversion = (i: number) => ({
  event_id: `stream-${i}`, event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: ACCOUNT, click_id: `stream-${i}`, user: { email: `stream-${i}@example.com` },
});

/** Events in one run's history. */
async function historyLength(runId: string): Promise<number> {
  return ((await testApp.app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT), runId).fetchHistory()).events ?? []).length;
}

interface Run {
  runId: string;
  status: string;
  closeTime?: Date;
}

/** Every run of the account's workflow, with when it closed. */
async function runs(): Promise<Run[]> {
  const found: Run[] = [];
  for await (const run of testApp.app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(ACCOUNT)}'` })) {
    found.push({ runId: run.runId, status: run.status.name, closeTime: run.closeTime });
  }
  return found;
}

describe('a steady stream of small requests', { timeout: 300_000 }, () => {
  it('keeps every run of the workflow bounded, stores every record, and costs a few signals', async (t) => {
    const { app } = testApp;
    // Each run's history before the stream: the stream is charged only with what came after.
    const before = new Map<string, number>();
    for (const run of await runs()) before.set(run.runId, await historyLength(run.runId));
    // The test's own database: a statement trigger makes every touchpoint insert slower than the
    // gap between two requests, as a busy database would, so records keep coming while the pump works.
    await sql`CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${sql.lit(SLOW_INSERT_SECONDS)}); RETURN NULL; END $$`.execute(app.db);
    await sql`CREATE TRIGGER test_slow_insert AFTER INSERT ON touchpoints FOR EACH STATEMENT EXECUTE FUNCTION test_slow_insert()`.execute(app.db);
    // A bounded loop at a steady rate: each tick's requests start without waiting for earlier answers.
    const answers: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
    const streamStarted = Date.now();
    const continuedDuringStream = async () => (await runs()).some((r) => r.status === 'CONTINUED_AS_NEW' && r.closeTime && r.closeTime.getTime() >= streamStarted);
    let ticks = 0;
    for (; ticks < MAX_TICKS; ticks += 1) {
      if (ticks >= TICKS && ticks % LOOK_EVERY_TICKS === 0 && (await continuedDuringStream())) break;
      answers.push(postJson(app, '/v1/touchpoints', { touchpoints: [touchpoint(ticks)] }));
      answers.push(postJson(app, '/v1/conversions', { conversions: [conversion(ticks)] }));
      await sleep(Math.max(0, streamStarted + (ticks + 1) * TICK_MS - Date.now()));
    }
    const answered = await Promise.all(answers);
    const streamEnded = Date.now();
    assert.deepEqual(answered.filter((a) => a.status !== 202), [], 'every request answered 202');
    const accepted = answered.reduce((sum, a) => sum + Number(a.body.accepted), 0);
    assert.equal(accepted, 2 * ticks);

    // Every accepted record is stored, whatever run of the workflow took it.
    const stored = await waitFor('every accepted record stored', async () => {
      const [touchpoints, conversions] = await Promise.all([
        app.db.selectFrom('touchpoints').select((eb) => eb.fn.countAll<string>().as('n')).where('click_id', 'like', 'stream-%').executeTakeFirstOrThrow(),
        app.db.selectFrom('conversions').select((eb) => eb.fn.countAll<string>().as('n')).where('event_id', 'like', 'stream-%').executeTakeFirstOrThrow(),
      ]);
      const total = Number(touchpoints.n) + Number(conversions.n);
      return total >= accepted ? { touchpoints: Number(touchpoints.n), conversions: Number(conversions.n) } : undefined;
    }, 120_000);
    assert.deepEqual(stored, { touchpoints: ticks, conversions: ticks });

    // The stream did not keep the workflow from continuing as new.
    const all = await runs();
    const closedDuringStream = all.filter((r) => r.status === 'CONTINUED_AS_NEW' && r.closeTime && r.closeTime.getTime() >= streamStarted && r.closeTime.getTime() <= streamEnded);
    assert.ok(closedDuringStream.length >= 1, `a run continued as new during the stream (runs: ${all.map((r) => r.status).join(', ')})`);

    // No run grew past the bound, the stream cost little history, and a few nudges reached the workflow.
    let nudges = 0;
    let streamEvents = 0;
    const newRuns: number[] = [];
    for (const run of all) {
      const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT), run.runId).fetchHistory();
      const events = history.events ?? [];
      streamEvents += events.length - (before.get(run.runId) ?? 0);
      if (!before.has(run.runId)) newRuns.push(events.length);
      nudges += events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'recordsWaiting').length;
    }
    assert.ok(newRuns.length >= 1 && Math.max(...newRuns) <= HISTORY_BOUND, `every run started during the stream has at most ${HISTORY_BOUND} events: ${newRuns.join(', ')}`);
    assert.ok(streamEvents <= (STREAM_HISTORY_BOUND * ticks) / TICKS, `${answered.length} requests cost ${streamEvents} history events`);
    t.diagnostic(`${ticks} ticks, ${streamEvents} history events, ${nudges} nudges, new runs ${newRuns.join(', ')}`);
    assert.ok(nudges >= 1 && nudges <= 10, `${nudges} nudge signals for ${answered.length} requests`);
  });
});
