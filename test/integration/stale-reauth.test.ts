// The workflow's side of a reconnect racing a refused grant: a refusal reported after the
// `connected` signal was the old grant's and must not park the account; one reported with no
// reconnect in between must. Activities here are stand-ins that hold the pull until the test
// lets it fail, because the order of the two events is what is under test (the activity side
// of the race, against the emulator, is in pull-grants.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startLocalTemporal } from '../../temporal/dev-server';
import { workflowsPath } from '../../worker/create-worker';
import { connectedSignal, statusQuery } from '../../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { DEFAULT_SCHEDULE, type AdAccountWorkflowInput } from '../../workflows/ad-account-types';
import type { adAccountWorkflow } from '../../workflows/ad-account-workflow';
import { waitFor } from '../support/wait';

const TASK_QUEUE = 'stale-reauth-test';
const RECONNECTED = '549764105901';
const REVOKED = '549764105902';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const pullCalls = new Map<string, number>();
let releaseFirstPull: () => void;
const firstPullHeld = new Promise<void>((resolve) => (releaseFirstPull = resolve));

const refused = () => ApplicationFailure.nonRetryable('Pinterest refused the grant; reconnect the account: HTTP 401', 'PinterestReauthRequired');

const activities = {
  async syncEntities() {
    return { campaigns: 0, ad_groups: 0, ads: 0, pins: 0 };
  },
  async pullMetrics(input: { ad_account_id: string }) {
    const call = (pullCalls.get(input.ad_account_id) ?? 0) + 1;
    pullCalls.set(input.ad_account_id, call);
    if (input.ad_account_id === REVOKED) throw refused();
    if (call === 1) {
      await firstPullHeld;
      throw refused();
    }
    return { rows: 7, start_date: '2026-11-01', end_date: '2026-11-29' };
  },
};

const input = (ad_account_id: string): AdAccountWorkflowInput => ({ ad_account_id, settings: DEFAULT_ATTRIBUTION_SETTINGS, schedule: DEFAULT_SCHEDULE });

before(async () => {
  env = await startLocalTemporal();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowsPath, activities });
  running = worker.run();
});

after(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

describe('a refused grant racing a reconnect', { timeout: 120_000 }, () => {
  it('is ignored when the reconnect came while the call ran, and the account pulls again', async () => {
    const handle = await env.client.workflow.start<typeof adAccountWorkflow>('adAccountWorkflow', {
      workflowId: `stale-reauth-${RECONNECTED}`,
      taskQueue: TASK_QUEUE,
      args: [input(RECONNECTED)],
    });
    await waitFor('the first pull', async () => (pullCalls.get(RECONNECTED) === 1 ? true : undefined));
    await handle.signal(connectedSignal, { call: 'connected', by: 'test' });
    // The signal is in the history and a workflow task has applied it before the pull fails.
    await waitFor('the signal applied', async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const signaled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
      return signaled >= 0 && events.slice(signaled).some((e) => e.workflowTaskCompletedEventAttributes) ? true : undefined;
    });
    releaseFirstPull();
    const status = await waitFor('the pull after the stale refusal', async () => {
      const s = await handle.query(statusQuery);
      return s.counters.pulls === 1 ? s : undefined;
    });
    assert.equal(status.connection_status, 'connected');
    assert.equal(status.counters.metric_rows_upserted, 7);
    assert.equal(pullCalls.get(RECONNECTED), 2);
    await handle.terminate('test over');
  });

  it('parks the account when no reconnect came during the call', async () => {
    const handle = await env.client.workflow.start<typeof adAccountWorkflow>('adAccountWorkflow', {
      workflowId: `stale-reauth-${REVOKED}`,
      taskQueue: TASK_QUEUE,
      args: [input(REVOKED)],
    });
    const status = await waitFor('needs_reauth', async () => {
      const s = await handle.query(statusQuery);
      return s.connection_status === 'needs_reauth' ? s : undefined;
    });
    assert.match(status.last_error ?? '', /^Pinterest refused the grant/);
    assert.equal(status.counters.pulls, 0);
    assert.equal(pullCalls.get(REVOKED), 1);
    await handle.terminate('test over');
  });
});
