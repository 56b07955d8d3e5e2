// A status query, then updates that wake the workflow's main loop (its wait for the next pull is
// cancelled in the update's workflow task): the history must replay as it ran. Temporal's
// OpenTelemetry interceptors instrument updates under an SDK flag that a query marks as used
// without recording it in any workflow task, so a replay (after a restart) ran the updates without
// the span's yields and failed with "Update machine does not handle this event: TimerCanceled";
// workflows/tracing-interceptors.ts leaves queries and updates to the workflow's own handlers.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { replayWorkerOptions } from '../../worker/create-worker';
import { adAccountWorkflowId } from '../../workflows/shared';
import { decryptedHistory } from '../support/recorded-history';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
let testApp: TestApp;

before(async () => {
  testApp = await startTestApp();
});
after(async () => {
  await testApp.stop();
});

it('replays a run whose updates came after a status query and woke its wait for the next pull', { timeout: 200_000 }, async () => {
  const { app } = testApp;
  await connectThroughOAuth(app);
  // Queried until the first round is over: the main loop then waits on a timer for the next pull.
  await waitFor('the first round to end', async () => {
    const status = await app.client.status(ACCOUNT);
    return status.counters.pulls >= 1 && !status.current_read ? true : undefined;
  });
  await assert.rejects(app.client.resume(ACCOUNT), /not paused/);
  await app.client.pause(ACCOUNT, 'a');
  await app.client.pause(ACCOUNT, 'b');
  await app.client.updateSettings(ACCOUNT, { click_window_days: 7 });
  await app.client.resume(ACCOUNT);
  const status = await app.client.status(ACCOUNT);
  assert.deepEqual([status.paused, status.connection_status], [false, 'connected']);
  const handle = app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT));
  const history = await decryptedHistory(await handle.fetchHistory(), app.dataConverter.payloadCodecs![0]!);
  const types = history.events.map((e) => e.eventType);
  assert.ok(types.includes('EVENT_TYPE_TIMER_CANCELED') && types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED').length >= 4, 'the updates and a cancelled wait are in the history');
  await Worker.runReplayHistory(replayWorkerOptions(), historyFromJSON(history), 'updates-after-a-query');
});
