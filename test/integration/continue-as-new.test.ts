// Continue-as-new on real parts (a Temporal dev server told to suggest it early, a fresh
// PostgreSQL database, our worker and ingress, the Pinterest emulator): what a run carries into
// the next, where in the loop it continues, and a replay of a closed run's history.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { Worker } from '@temporalio/worker';
import { addDays } from '../../domain/dates';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { adAccountWorkflowId } from '../../workflows/shared';
import { replayWorkerOptions } from '../../worker/create-worker';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { postJson } from '../support/ingress-requests';
import { continuedAsNewInputs, workflowRuns } from '../support/workflow-runs';
import { waitFor } from '../support/wait';
import { decryptedHistory } from '../support/recorded-history';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp(
    { ROUTY_INGRESS_TOKEN: 'test-ingress-token' },
    // A low threshold makes Temporal suggest continue-as-new within a few dozen signals.
    { temporalExtraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'] },
  );
});

after(() => testApp?.stop());

/**
 * Sends `count` touchpoints, one a request, with click ids `<prefix>-0`, `<prefix>-1`, ..., in
 * bursts of five: after each burst the record pump is let to end, so each burst costs the history
 * a nudge and a pump (about ten events) and Temporal soon suggests continue-as-new.
 */
async function signalTouchpoints(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const touchpoint = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date().toISOString(), click_id: `${prefix}-${i}`, ad_id: '687195905901' };
    assert.equal((await postJson(testApp.app, '/v1/touchpoints', { touchpoints: [touchpoint] })).status, 202);
    if (i % 5 === 4) await waitFor('the record pump to end', async () => ((await testApp.app.client.status(ACCOUNT)).records_waiting ? undefined : true));
  }
}

const hasContinuedAsNew = async () => ((await workflowRuns(testApp.app, ACCOUNT)).some((r) => r.status === 'CONTINUED_AS_NEW') ? true : undefined);

describe('continue-as-new', { timeout: 300_000 }, () => {
  it('continues-as-new when Temporal suggests it, carrying counters and schedule', async () => {
    const { app } = testApp;
    const before = await app.client.status(ACCOUNT);
    const running = (await workflowRuns(app, ACCOUNT)).find((r) => r.status === 'RUNNING')!;
    await signalTouchpoints('epik-can', 30);
    await waitFor('the running run to continue-as-new into a new one', async () => {
      const runs = await workflowRuns(app, ACCOUNT);
      return runs.some((r) => r.runId === running.runId && r.status === 'CONTINUED_AS_NEW') && runs.some((r) => r.status === 'RUNNING') ? true : undefined;
    });
    const after = await waitFor('the new run to take every touchpoint', async () => {
      const s = await app.client.status(ACCOUNT);
      return s.counters.touchpoints_received === before.counters.touchpoints_received + 30 ? s : undefined;
    });
    assert.equal(after.counters.pulls, before.counters.pulls, 'no new backfill after continue-as-new');
    assert.equal(after.last_pull_at, before.last_pull_at);
    const stored = await waitFor('every touchpoint stored', async () => {
      const rows = await app.db.selectFrom('touchpoints').select('click_id').where('click_id', 'like', 'epik-can-%').execute();
      return rows.length === 30 ? rows : undefined;
    });
    assert.equal(new Set(stored.map((r) => r.click_id)).size, 30);
  });

  it('continues-as-new between backfill reports, not only once the whole queue is done', async () => {
    const { app } = testApp;
    const doneBefore = (await app.client.status(ACCOUNT)).counters.backfill_ranges_done ?? 0;
    const today = new Date().toISOString().slice(0, 10);
    const pieces = await app.client.backfill(ACCOUNT, { start_date: addDays(today, -800), end_date: addDays(today, -100) });
    assert.equal(pieces.length, 4);
    // A burst of touchpoints while the first report runs makes Temporal suggest continue-as-new;
    // then the loop only wakes when a report ends, and that is where it must continue.
    await signalTouchpoints('epik-backfill', 15);
    const done = await waitFor('the four reports collected', async () => {
      const count = (await app.client.status(ACCOUNT)).counters.backfill_ranges_done ?? 0;
      return count >= doneBefore + 4 ? count : undefined;
    }, 180_000);
    assert.equal(done, doneBefore + 4);
    // What each closed run handed on is in its history, however briefly the queue was non-empty.
    const carriedQueues = (await continuedAsNewInputs(app, ACCOUNT)).map((input) => input.carried?.backfill_queue ?? []);
    const isPiece = (range: { start_date: string; end_date: string }) => pieces.some((p) => p.start_date === range.start_date && p.end_date === range.end_date);
    assert.ok(carriedQueues.some((queue) => queue.length > 0 && queue.every(isPiece)), 'a run continued-as-new while reports were still queued');
  });

  it('replays a complete run of its own history deterministically', async () => {
    const { app } = testApp;
    // A run closed by continue-as-new is a complete history, not one cut mid-task.
    if (!(await hasContinuedAsNew())) await signalTouchpoints('epik-replay', 30);
    await waitFor('a continued-as-new run', hasContinuedAsNew);
    // The smallest: a run that took large batches can be past gRPC's 4 MB message size.
    const closed = (await workflowRuns(app, ACCOUNT)).filter((r) => r.status === 'CONTINUED_AS_NEW').sort((a, b) => a.historySize - b.historySize);
    const closedRunId = closed[0]?.runId;
    assert.ok(closedRunId);
    const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT), closedRunId).fetchHistory();
    await Worker.runReplayHistory(replayWorkerOptions(app.dataConverter), history, adAccountWorkflowId(ACCOUNT));
    // RECORD_HISTORY=1 npm test refreshes the fixture that test/integration/replay.test.ts replays.
    // Its payloads decrypted: the replay test has no key.
    if (process.env.RECORD_HISTORY === '1') {
      const plain = await decryptedHistory(history, app.dataConverter.payloadCodecs![0]!);
      await writeFile(new URL('../fixtures/ad-account-workflow-history.json', import.meta.url), JSON.stringify(plain, null, 2));
    }
  });
});
