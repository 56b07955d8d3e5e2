// What reaches an operator is safe: a hostile event_id is printed escaped by the CLI, and with
// encryption keys configured a Temporal client without the codec cannot steer a workflow.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { adAccountWorkflowId, pauseUpdate } from '../../workflows/shared';
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
