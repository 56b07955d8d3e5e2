// What reaches an operator is safe: a hostile event_id is printed escaped by the CLI, and with
// encryption keys configured a Temporal client without the codec cannot steer a workflow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { DEFAULT_SCHEDULE } from '../../workflows/ad-account-types';
import { REFUSED_CALL } from '../../workflows/call-guards';
import {
  adAccountWorkflowId,
  connectedSignal,
  conversionsSignal,
  disconnectSignal,
  disconnectUpdate,
  pauseUpdate,
  pullNowSignal,
  recordsWaitingSignal,
  resumeUpdate,
  TASK_QUEUE,
} from '../../workflows/shared';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { runCli } from '../support/cli';
import { getWithToken, postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const TOKEN = 'operator-safety-token';
let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: TOKEN, ROUTY_ENCRYPTION_KEYS: generateEncryptionKeyEntry('k1') });
});
after(() => testApp?.stop());

describe('operator safety', { timeout: 180_000 }, () => {
  it('`conversion <hostile event_id>` prints the id with its escape sequences shown, not run', async () => {
    const { app } = testApp;
    const eventId = 'ord-\x1b]0;owned\x07-\x1b[31mred\r-over\u202Egnp';
    const answer = await postJson(app, '/v1/conversions', {
      conversions: [{ event_id: eventId, event_name: 'checkout', event_time: new Date(Date.now() - 60_000).toISOString(), ad_account_id: testApp.connected[0], click_id: 'nobody-clicked' }],
    });
    assert.ok(answer.status < 500, JSON.stringify(answer.body));
    await waitFor('the conversion (or its refusal) to be explainable', async () => {
      const explained = (await (await getWithToken(app, `/v1/conversions/${encodeURIComponent(eventId)}`)).json()) as { conversions?: unknown[] };
      return explained.conversions?.length ? true : undefined;
    });
    const stdout = await runCli(['conversion', eventId, '--url', app.ingressUrl], app);
    assert.match(stdout, /^conversion ord-\\x1B\]0;owned\\x07-\\x1B\[31mred\\x0D-over\\u202Egnp/);
    assert.doesNotMatch(stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
  });

  it('with keys configured, a plaintext pause from a client without the codec is refused and changes nothing', async () => {
    const { app } = testApp;
    const account = testApp.connected[0]!;
    const connection = await Connection.connect({ address: app.temporalAddress });
    try {
      // A Temporal client that reaches the server but has no keys: its payloads go as plain JSON.
      const plain = new Client({ connection, namespace: app.config.TEMPORAL_NAMESPACE });
      const handle = plain.workflow.getHandle(adAccountWorkflowId(account));
      // Its answer (a rejection, encrypted) is unreadable to it; what counts is that nothing happened.
      await assert.rejects(handle.executeUpdate(pauseUpdate, { args: [{ reason: 'not from Routy' }], updateId: 'plaintext-pause' }));
      // Rejected before it was accepted (the SDK rejects an update whose input does not convert): never in history, no workflow task failed.
      const history = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(account)).fetchHistory();
      const events = history.events ?? [];
      assert.equal(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === 'plaintext-pause').length, 0);
      assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0);
      const status = await app.client.status(account);
      assert.deepEqual([status.paused, status.paused_reason ?? null], [false, null]);
      // The workflow is not damaged: Routy's own client still steers it.
      const paused = await app.client.pause(account, 'budget review');
      assert.deepEqual([paused.paused, paused.paused_reason], [true, 'budget review']);
      assert.equal((await app.client.resume(account)).paused, false);
    } finally {
      await connection.close();
    }
  });

  it('with keys configured, a client without them can neither resume, disconnect, pull nor nudge (calls without a payload), nor start a workflow', async () => {
    const { app } = testApp;
    const account = testApp.connected[0]!;
    const keyed = app.temporalClient.workflow.getHandle(adAccountWorkflowId(account));
    assert.equal((await app.client.pause(account, 'incident')).paused, true);
    const connection = await Connection.connect({ address: app.temporalAddress });
    try {
      const plain = new Client({ connection, namespace: app.config.TEMPORAL_NAMESPACE });
      const handle = plain.workflow.getHandle(adAccountWorkflowId(account));
      // Bare updates carry no payload for the codec to refuse: the workflow asks for their origin.
      await assert.rejects(handle.executeUpdate(resumeUpdate as never, { args: [], updateId: 'bare-resume' }));
      await assert.rejects(handle.executeUpdate(disconnectUpdate as never, { args: [], updateId: 'bare-disconnect' }));
      // An origin written in plain JSON is a plaintext payload: refused too.
      await assert.rejects(handle.executeUpdate(resumeUpdate, { args: [{ by: 'intruder' }], updateId: 'plaintext-resume' }));
      // Signals: dropped and counted, never failing a workflow task (records included).
      await handle.signal(pullNowSignal as never);
      await handle.signal(disconnectSignal as never);
      await handle.signal(connectedSignal as never);
      await handle.signal(recordsWaitingSignal as never);
      await handle.signal(pullNowSignal, { by: 'intruder' });
      await handle.signal(conversionsSignal, [{ event_id: 'plain', event_name: 'checkout' } as never]);
      const status = await waitFor('six refused signals', async () => {
        const s = await app.client.status(account);
        return (s.counters.signals_refused ?? 0) >= 6 ? s : undefined;
      });
      assert.deepEqual(
        [status.counters.signals_refused, status.connection_status, status.paused, status.buffered_conversions],
        [6, 'connected', true, 0],
      );
      const events = (await keyed.fetchHistory()).events ?? [];
      assert.equal(events.filter((e) => e.workflowTaskFailedEventAttributes).length, 0);
      const accepted = events.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId).filter(Boolean);
      assert.deepEqual(accepted.filter((id) => ['bare-resume', 'bare-disconnect', 'plaintext-resume'].includes(id!)), []);

      // A start with a plaintext input fails its run at once, with the refusal, rather than its workflow task forever.
      const startedId = adAccountWorkflowId('plaintext-start');
      await plain.workflow.start('adAccountWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: startedId,
        args: [{ ad_account_id: 'plaintext-start', settings: DEFAULT_ATTRIBUTION_SETTINGS, schedule: DEFAULT_SCHEDULE }],
      });
      const failed = await app.temporalClient.workflow.getHandle(startedId).result().then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(failed instanceof WorkflowFailedError, String(failed));
      assert.deepEqual([(failed.cause as { type?: string }).type, failed.cause?.message], [REFUSED_CALL, 'workflow input: an unencrypted payload is refused (the caller lacks ROUTY_ENCRYPTION_KEYS)']);
    } finally {
      await connection.close();
    }
    // A client with the keys still must say who calls: the refusal names the origin.
    const bare = await keyed.executeUpdate(resumeUpdate as never, { args: [] }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(bare instanceof WorkflowUpdateFailedError);
    assert.equal(bare.cause?.message, 'resume: origin: must be an object like {"by": "routy-client"}: who sends the call');
    const resumed = await app.client.resume(account);
    assert.deepEqual([resumed.paused, resumed.connection_status], [false, 'connected']);
  });

  it("the ingress's codec route refuses to decode an unencrypted payload", async () => {
    const { app } = testApp;
    const payload = defaultPayloadConverter.toPayload({ reason: 'plain' });
    const json = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const response = await fetch(`${app.ingressUrl}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: json(payload.metadata!.encoding!) }, data: json(payload.data!) }] }),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(((await response.json()) as { issues: unknown }).issues, [{ field: 'payloads.0', message: 'is not encrypted' }]);
  });
});
