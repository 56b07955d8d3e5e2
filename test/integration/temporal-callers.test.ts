// With encryption keys configured, a Temporal client without them cannot steer a workflow: its
// plaintext calls, its bare calls, its forged ciphertext and ciphertext it copied from history
// (as another call, or to another account) are refused, and none fails a workflow task.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { KEY_ID_METADATA } from '../../temporal/payload-codec';
import { DEFAULT_SCHEDULE, type AdAccountStatus } from '../../workflows/ad-account-types';
import { REFUSED_CALL } from '../../workflows/call-guards';
import { REFUSAL_REASONS } from '../../workflows/refused-payload';
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
  statusQuery,
  TASK_QUEUE,
} from '../../workflows/shared';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { waitFor } from '../support/wait';

const TOKEN = 'temporal-callers-token';
let testApp: ConnectedTestApp;
let connection: Connection;
/** A Temporal client that reaches the server but has no keys: its payloads go as plain JSON. */
let plain: Client;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: TOKEN, ROUTY_ENCRYPTION_KEYS: generateEncryptionKeyEntry('k1') });
  connection = await Connection.connect({ address: testApp.app.temporalAddress });
  plain = new Client({ connection, namespace: testApp.app.config.TEMPORAL_NAMESPACE });
});
after(async () => {
  await connection?.close();
  await testApp?.stop();
});

/** A client without the keys that sends `payload` verbatim as the argument of every call (ciphertext copied from a history, or forged). */
const sending = (payload: Payload) =>
  new Client({ connection, namespace: testApp.app.config.TEMPORAL_NAMESPACE, dataConverter: { payloadCodecs: [{ encode: async () => [payload], decode: async (p) => p }] } });

const keyed = (workflowId: string) => testApp.app.temporalClient.workflow.getHandle(workflowId);
const events = async (handle: WorkflowHandle) => (await handle.fetchHistory()).events ?? [];
const failedTasks = async (handle: WorkflowHandle) => (await events(handle)).filter((e) => e.workflowTaskFailedEventAttributes).length;
const acceptedUpdates = async (handle: WorkflowHandle) => (await events(handle)).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId).filter(Boolean);
const statusOf = (workflowId: string): Promise<AdAccountStatus> => keyed(workflowId).query(statusQuery);
const refusedSignals = (workflowId: string, count: number) =>
  waitFor(`${count} refused signals`, async () => {
    const status = await statusOf(workflowId);
    return (status.counters.signals_refused ?? 0) >= count ? status : undefined;
  });
const reasonOf = (error: unknown) => (error instanceof WorkflowUpdateFailedError ? error.cause?.message : `not an update failure: ${String(error)}`);

describe('Temporal callers without the payload keys', { timeout: 240_000 }, () => {
  it('a plaintext pause is refused before it is accepted and changes nothing', async () => {
    const account = testApp.connected[0]!;
    // The connect's own `connected` signal, sent with the start (before the first workflow task), was taken, not refused.
    assert.equal((await statusOf(adAccountWorkflowId(account))).counters.signals_refused ?? 0, 0);
    const handle = plain.workflow.getHandle(adAccountWorkflowId(account));
    // Its answer (a rejection, encrypted) is unreadable to it; what counts is that nothing happened.
    await assert.rejects(handle.executeUpdate(pauseUpdate, { args: [{ reason: 'not from Routy' }], updateId: 'plaintext-pause' }));
    const workflow = keyed(adAccountWorkflowId(account));
    assert.deepEqual(await acceptedUpdates(workflow), []);
    assert.equal(await failedTasks(workflow), 0);
    const status = await testApp.app.client.status(account);
    assert.deepEqual([status.paused, status.paused_reason ?? null], [false, null]);
    // The workflow is not damaged: Routy's own client still steers it.
    const paused = await testApp.app.client.pause(account, 'budget review');
    assert.deepEqual([paused.paused, paused.paused_reason], [true, 'budget review']);
    assert.equal((await testApp.app.client.resume(account)).paused, false);
  });

  it('cannot resume, disconnect, pull, nudge or start a workflow, with or without arguments', async () => {
    const { app } = testApp;
    const account = testApp.connected[0]!;
    const workflowId = adAccountWorkflowId(account);
    const before = (await statusOf(workflowId)).counters.signals_refused ?? 0;
    assert.equal((await app.client.pause(account, 'incident')).paused, true);
    const handle = plain.workflow.getHandle(workflowId);
    // Bare updates carry no payload for the codec to refuse: the workflow asks for their origin.
    await assert.rejects(handle.executeUpdate(resumeUpdate as never, { args: [], updateId: 'bare-resume' }));
    await assert.rejects(handle.executeUpdate(disconnectUpdate as never, { args: [], updateId: 'bare-disconnect' }));
    // An origin written in plain JSON is a plaintext payload: refused too.
    await assert.rejects(handle.executeUpdate(resumeUpdate, { args: [{ call: 'resume', by: 'intruder' }], updateId: 'plaintext-resume' }));
    // Signals: dropped and counted, never failing a workflow task (records included, and names no handler takes).
    await handle.signal(pullNowSignal as never);
    await handle.signal(disconnectSignal as never);
    await handle.signal(connectedSignal as never);
    await handle.signal(recordsWaitingSignal as never);
    await handle.signal(pullNowSignal, { call: 'pullNow', by: 'intruder' });
    await handle.signal(conversionsSignal, [{ event_id: 'plain', event_name: 'checkout' } as never]);
    await handle.signal('resume');
    const status = await refusedSignals(workflowId, before + 7);
    assert.deepEqual([status.counters.signals_refused, status.connection_status, status.paused, status.buffered_conversions], [before + 7, 'connected', true, 0]);
    const workflow = keyed(workflowId);
    assert.equal(await failedTasks(workflow), 0);
    assert.deepEqual((await acceptedUpdates(workflow)).filter((id) => ['bare-resume', 'bare-disconnect', 'plaintext-resume'].includes(id!)), []);

    // A start with a plaintext input, or with none, fails its run at once rather than its workflow task forever.
    for (const [id, args] of [
      ['plaintext-start', [{ ad_account_id: 'plaintext-start', settings: DEFAULT_ATTRIBUTION_SETTINGS, schedule: DEFAULT_SCHEDULE }]],
      ['bare-start', []],
    ] as const) {
      await plain.workflow.start('adAccountWorkflow', { taskQueue: TASK_QUEUE, workflowId: adAccountWorkflowId(id), args: [...args] });
      const failed = await keyed(adAccountWorkflowId(id))
        .result()
        .then(() => undefined, (error: unknown) => error);
      assert.ok(failed instanceof WorkflowFailedError, String(failed));
      assert.equal((failed.cause as { type?: string }).type, REFUSED_CALL);
      assert.match(failed.cause!.message, id === 'bare-start' ? /^workflow input: must be an object/ : /^workflow input: an unencrypted payload is refused/);
    }

    // A client with the keys still must say which call and who: the refusal names the origin.
    const bare = await workflow.executeUpdate(resumeUpdate as never, { args: [] }).then(() => undefined, (error: unknown) => error);
    assert.equal(reasonOf(bare), 'resume: origin: must be an object like {"call": "resume", "by": "ops: Ana"}: the call and who sends it');
    const resumed = await app.client.resume(account);
    assert.deepEqual([resumed.paused, resumed.connection_status], [false, 'connected']);
  });

  it('cannot send ciphertext copied from history as another call or to another account, nor forged ciphertext', async () => {
    const { app } = testApp;
    const account = testApp.connected[0]!;
    const workflowId = adAccountWorkflowId(account);
    const workflow = keyed(workflowId);
    await app.client.pause(account, 'copy me');
    await app.client.resume(account);
    await app.client.pullNow(account);
    const history = await events(workflow);
    const resumeOrigin = history.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest).filter((r) => r?.input?.name === 'resume').at(-1)!.input!.args!.payloads![0]!;
    const pullNowOrigin = history.map((e) => e.workflowExecutionSignaledEventAttributes).filter((a) => a?.signalName === 'pullNow').at(-1)!.input!.payloads![0]!;
    const before = (await statusOf(workflowId)).counters.signals_refused ?? 0;

    // The operator's `resume` origin, sent again as a disconnect: refused, the account still runs.
    const replay = sending(resumeOrigin as Payload).workflow.getHandle(workflowId);
    await assert.rejects(replay.executeUpdate(disconnectUpdate, { args: [{ call: 'disconnect', by: 'ignored' }], updateId: 'replayed-disconnect' }));
    await replay.signal(disconnectSignal, { call: 'disconnect', by: 'ignored' });
    // Forged ciphertext under the real key id, and ciphertext under a key id nobody has.
    const forged: Payload = { metadata: { ...resumeOrigin.metadata, [KEY_ID_METADATA]: Buffer.from('k1') }, data: Buffer.from('random bytes that claim to be ciphertext, long enough') };
    await sending(forged).workflow.getHandle(workflowId).signal(pullNowSignal, { call: 'pullNow', by: 'ignored' });
    await sending({ ...forged, metadata: { ...forged.metadata, [KEY_ID_METADATA]: Buffer.from('zz') } }).workflow.getHandle(workflowId).signal(pullNowSignal, { call: 'pullNow', by: 'ignored' });
    await assert.rejects(sending(forged).workflow.getHandle(workflowId).executeUpdate(pauseUpdate, { args: [{}], updateId: 'forged-pause' }));
    const status = await refusedSignals(workflowId, before + 3);
    assert.deepEqual([status.counters.signals_refused, status.connection_status, status.paused], [before + 3, 'connected', false]);
    assert.equal(await failedTasks(workflow), 0);
    assert.deepEqual((await acceptedUpdates(workflow)).filter((id) => ['replayed-disconnect', 'forged-pause'].includes(id!)), []);

    // The account's `pullNow` origin sent to another account's workflow: refused there, as bound to the first.
    const otherId = adAccountWorkflowId('replay-target');
    await app.temporalClient.workflow.start('adAccountWorkflow', {
      taskQueue: TASK_QUEUE,
      workflowId: otherId,
      args: [{ ad_account_id: 'replay-target', settings: DEFAULT_ATTRIBUTION_SETTINGS, schedule: DEFAULT_SCHEDULE }],
    });
    try {
      await sending(pullNowOrigin as Payload).workflow.getHandle(otherId).signal(pullNowSignal, { call: 'pullNow', by: 'ignored' });
      const other = await refusedSignals(otherId, 1);
      assert.equal(other.counters.signals_refused, 1);
      assert.equal(await failedTasks(keyed(otherId)), 0);
    } finally {
      await keyed(otherId).terminate('test over');
    }
  });

  it("the ingress's codec route shows a payload it refuses as the refusal, not as an error that hides the history", async () => {
    const { app } = testApp;
    const payload = defaultPayloadConverter.toPayload({ reason: 'plain' });
    const json = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const response = await fetch(`${app.ingressUrl}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: json(payload.metadata!.encoding!) }, data: json(payload.data!) }] }),
    });
    assert.equal(response.status, 200);
    const [decoded] = ((await response.json()) as { payloads: Array<{ data: string }> }).payloads;
    assert.deepEqual(JSON.parse(Buffer.from(decoded!.data, 'base64').toString()), { routy_refused_payload: REFUSAL_REASONS.unencrypted });
  });
});
