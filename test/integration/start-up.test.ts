// `npm start` itself, in a child process: how it stops when a port it needs is taken.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';

it('a second start on one machine stops naming ROUTY_SDK_METRICS_PORT when that port is taken', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  const port = (taken.address() as AddressInfo).port;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-config-'));
  try {
    const failed = await promisify(execFile)('node', ['--import', 'tsx', 'service/start.ts'], {
      env: { ...process.env, ROUTY_SDK_METRICS_PORT: String(port), ROUTY_DATA_DIR: dataDir, ROUTY_HTTP_PORT: '0' },
      timeout: 60_000,
    }).then(
      () => assert.fail('started with the metrics port taken'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr.trim(), `routy-pinterest did not start: ROUTY_SDK_METRICS_PORT: port ${port} is in use; choose another, or 0 to turn the SDK's metrics off`);
  } finally {
    taken.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
