// Two copies of `npm start`'s service on one machine at once (in-process, as service/start.ts runs
// it: its dev server with state in the data folder, the UI, the ingress), both asked for the same
// ports, which something else already holds: each default gives way to a free port of its own.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulatedPinterest, type EmulatedPinterest } from '../../demo/emulated-pinterest';
import { startApp, type RunningApp } from '../../service/app';
import { loadConfig, PORT_VARIABLES } from '../../service/config';
import { createTestDatabase } from '../support/postgres';

/** Listeners standing in for another program on the ports both copies ask for. */
const taken: net.Server[] = [];
const takenPorts: Record<string, string> = {};
const copies: Array<{ app: RunningApp<EmulatedPinterest>; stop: () => Promise<void> }> = [];

async function occupy(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  taken.push(server);
  return (server.address() as AddressInfo).port;
}

/** One copy the way `npm start` starts it with these port variables unset (so free to move). */
async function startCopy(): Promise<{ app: RunningApp<EmulatedPinterest>; stop: () => Promise<void> }> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-side-by-side-'));
  const config = loadConfig({ DATABASE_URL: database.url, ROUTY_DATA_DIR: dataDir, ROUTY_LOG_LEVEL: 'ERROR', ROUTY_SDK_METRICS_PORT: '0', ...takenPorts });
  const app = await startApp(config, {
    log: () => {},
    pinterest: await startEmulatedPinterest(config),
    persistTemporal: true,
    movablePorts: PORT_VARIABLES,
  });
  return {
    app,
    stop: async () => {
      await app.shutdown();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe('two copies side by side', { timeout: 300_000 }, () => {
  before(async () => {
    for (const name of ['ROUTY_HTTP_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_HTTP_PORT', 'TEMPORAL_METRICS_PORT']) takenPorts[name] = String(await occupy());
    const started = await Promise.allSettled([startCopy(), startCopy()]);
    for (const result of started) if (result.status === 'fulfilled') copies.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  });

  after(async () => {
    for (const copy of copies) await copy.stop();
    for (const server of taken) server.close();
  });

  it('both come up on ports of their own, none of them the taken defaults', async () => {
    const [a, b] = copies.map((copy) => copy.app);
    for (const app of [a!, b!]) {
      const health = await fetch(`${app.ingressUrl}/healthz`);
      assert.equal(health.status, 200, `${app.ingressUrl}/healthz`);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.ok(app.temporalUiUrl, 'the UI is served');
      const ui = await fetch(app.temporalUiUrl);
      assert.equal(ui.status, 200, `${app.temporalUiUrl}`);
      // The HTTP API and the metrics answer on the ports chosen for this copy's dev server.
      const namespace = await fetch(`http://127.0.0.1:${app.temporalPorts!.http}/api/v1/namespaces/default`);
      assert.equal(namespace.status, 200);
      assert.equal(((await namespace.json()) as { namespaceInfo: { name: string } }).namespaceInfo.name, 'default');
      const metrics = await fetch(`http://127.0.0.1:${app.temporalPorts!.metrics}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^# (HELP|TYPE) /m);
    }
    const portsOf = (app: RunningApp) => [Number(new URL(app.ingressUrl).port), app.temporalPorts!.grpc, app.temporalPorts!.http, app.temporalPorts!.metrics, app.temporalPorts!.ui!];
    const all = [...portsOf(a!), ...portsOf(b!)];
    assert.equal(new Set(all).size, all.length, `every port differs: ${all.join(', ')}`);
    for (const port of Object.values(takenPorts)) assert.ok(!all.includes(Number(port)), `taken port ${port} not used`);
    assert.notEqual(a!.temporalAddress, b!.temporalAddress);
    assert.equal(a!.temporalAddress, `127.0.0.1:${a!.temporalPorts!.grpc}`);
  });

  it('each copy has its own Temporal: a workflow started on one is unknown to the other', async () => {
    const [a, b] = copies.map((copy) => copy.app);
    const handle = await a!.temporalClient.workflow.start('sideBySideProbe', { taskQueue: 'side-by-side-probe', workflowId: 'side-by-side-probe' });
    await b!.temporalClient.workflow.getHandle(handle.workflowId).describe().then(
      () => assert.fail('the other copy knows the workflow'),
      (error: Error) => assert.match(error.name, /WorkflowNotFoundError/),
    );
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    await handle.terminate('probe done');
  });
});
