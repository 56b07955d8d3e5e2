// A steady stream of small ingress requests to one ad account, on real parts (a dev server told to
// suggest continue-as-new early, a fresh PostgreSQL database, our worker and ingress, the
// emulator): the workflow still continues as new while the stream goes on, no run's history
// grows past a bound, every accepted record is stored, and close requests share signals.
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
const SUGGEST_AFTER_EVENTS = 200;
/**
 * No run may grow past this: once suggested, a run finishes the round under way (at most four
 * batches of each kind, a send, an expiry) and continues as new. The margin covers that round and
 * the signals that land meanwhile. A loop that drained the buffers for as long as signals came
 * would not stop here: each touchpoint insert is made to take longer than the gap between two
 * touchpoint signals (below), so its drain would last as long as the stream.
 */
const HISTORY_BOUND = SUGGEST_AFTER_EVENTS + 250;
/** How long PostgreSQL takes for each insert into `touchpoints` during the stream, in seconds. */
const SLOW_INSERT_SECONDS = 0.3;
/** Records to one account within this window share a signal: about four requests of each kind here. */
const SIGNAL_BATCH_MS = 200;
/** Every tick sends one touchpoint and one conversion request: 40 requests a second, for 20 seconds. */
const TICK_MS = 50;
const TICKS = 400;

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp(
    { ROUTY_INGRESS_TOKEN: 'test-ingress-token', ROUTY_SIGNAL_BATCH_MS: String(SIGNAL_BATCH_MS) },
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
  it('keeps every run of the workflow bounded, stores every record, and coalesces the signals', async () => {
    const { app } = testApp;
    // The test's own database: a statement trigger makes every touchpoint insert slower than the
    // gap between two touchpoint signals, as a busy database would, so signals keep coming during
    // every store activity.
    await sql`CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${sql.lit(SLOW_INSERT_SECONDS)}); RETURN NULL; END $$`.execute(app.db);
    await sql`CREATE TRIGGER test_slow_insert AFTER INSERT ON touchpoints FOR EACH STATEMENT EXECUTE FUNCTION test_slow_insert()`.execute(app.db);
    // A bounded loop at a steady rate: each tick's requests start without waiting for earlier answers.
    const answers: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
    const streamStarted = Date.now();
    for (let i = 0; i < TICKS; i += 1) {
      answers.push(postJson(app, '/v1/touchpoints', { touchpoints: [touchpoint(i)] }));
      answers.push(postJson(app, '/v1/conversions', { conversions: [conversion(i)] }));
      await sleep(Math.max(0, streamStarted + (i + 1) * TICK_MS - Date.now()));
    }
    const answered = await Promise.all(answers);
    const streamEnded = Date.now();
    assert.deepEqual(answered.filter((a) => a.status !== 202), [], 'every request answered 202');
    const accepted = answered.reduce((sum, a) => sum + Number(a.body.accepted), 0);
    assert.equal(accepted, 2 * TICKS);

    // Every accepted record is stored, whatever run of the workflow took it.
    const stored = await waitFor('every accepted record stored', async () => {
      const [touchpoints, conversions] = await Promise.all([
        app.db.selectFrom('touchpoints').select((eb) => eb.fn.countAll<string>().as('n')).where('click_id', 'like', 'stream-%').executeTakeFirstOrThrow(),
        app.db.selectFrom('conversions').select((eb) => eb.fn.countAll<string>().as('n')).where('event_id', 'like', 'stream-%').executeTakeFirstOrThrow(),
      ]);
      const total = Number(touchpoints.n) + Number(conversions.n);
      return total >= accepted ? { touchpoints: Number(touchpoints.n), conversions: Number(conversions.n) } : undefined;
    }, 120_000);
    assert.deepEqual(stored, { touchpoints: TICKS, conversions: TICKS });

    // The stream did not keep the workflow from continuing as new.
    const all = await runs();
    const closedDuringStream = all.filter((r) => r.status === 'CONTINUED_AS_NEW' && r.closeTime && r.closeTime.getTime() >= streamStarted && r.closeTime.getTime() <= streamEnded);
    assert.ok(closedDuringStream.length >= 1, `a run continued as new during the stream (runs: ${all.map((r) => r.status).join(', ')})`);

    // No run grew past the bound, and far fewer signals than requests reached the workflow.
    let signals = 0;
    const lengths: number[] = [];
    for (const run of all) {
      const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT), run.runId).fetchHistory();
      const events = history.events ?? [];
      lengths.push(events.length);
      signals += events.filter((e) => ['conversions', 'touchpoints'].includes(e.workflowExecutionSignaledEventAttributes?.signalName ?? '')).length;
    }
    assert.ok(Math.max(...lengths) <= HISTORY_BOUND, `every run's history is at most ${HISTORY_BOUND} events: ${lengths.join(', ')}`);
    assert.ok(signals > 0 && signals <= answered.length / 3, `${signals} record signals for ${answered.length} requests`);
  });
});
