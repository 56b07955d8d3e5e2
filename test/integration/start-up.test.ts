// `npm start` and `npm run demo` themselves, in child processes: how they stop when start-up
// fails (a port they must use is taken, a bad setting): one line naming the cause, no stack trace,
// exit code 1, and no demo folder left behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

/** A stack frame as Node prints it. */
const STACK_FRAME = /^\s{4}at /m;

/** Runs `file` with `args` and `env` added, expecting it to fail. */
async function runFailing(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)('node', ['--import', 'tsx', file, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }).then(
    () => assert.fail(`${file} started`),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** Runs `body` with a port something else listens on. */
async function withTakenPort<T>(body: (port: number) => Promise<T>): Promise<T> {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  try {
    return await body((taken.address() as AddressInfo).port);
  } finally {
    taken.close();
  }
}

describe('npm start', { timeout: 300_000 }, () => {
  it('a second start on one machine stops naming ROUTY_SDK_METRICS_PORT when that port is taken', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-config-'));
    try {
      await withTakenPort(async (port) => {
        const failed = await runFailing('service/start.ts', [], { ROUTY_SDK_METRICS_PORT: String(port), ROUTY_DATA_DIR: dataDir, ROUTY_HTTP_PORT: '0' });
        assert.equal(failed.code, 1);
        assert.equal(failed.stderr.trim(), `routy-pinterest did not start: ROUTY_SDK_METRICS_PORT: port ${port} is in use; choose another, or 0 to turn the SDK's metrics off`);
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('stops naming ROUTY_HTTP_PORT when the set ingress port is taken, before opening the database', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-config-'));
    try {
      await withTakenPort(async (port) => {
        const failed = await runFailing('service/start.ts', [], { ROUTY_HTTP_PORT: String(port), ROUTY_SDK_METRICS_PORT: '0', ROUTY_DATA_DIR: dataDir });
        assert.equal(failed.code, 1);
        assert.equal(failed.stderr.trim(), `routy-pinterest did not start: ROUTY_HTTP_PORT: port ${port} is in use; choose another, or 0 for a free one`);
        assert.doesNotMatch(failed.stderr + failed.stdout, STACK_FRAME);
        assert.deepEqual(await readdir(dataDir), [], 'nothing was opened in the data folder');
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('shows the stack of a start-up failure with ROUTY_LOG_LEVEL=DEBUG', async () => {
    await withTakenPort(async (port) => {
      const failed = await runFailing('service/start.ts', [], { ROUTY_HTTP_PORT: String(port), ROUTY_SDK_METRICS_PORT: '0', ROUTY_LOG_LEVEL: 'DEBUG', ROUTY_DATA_DIR: path.join(os.tmpdir(), 'routy-config-unused') });
      assert.equal(failed.code, 1);
      assert.equal(failed.stderr.split('\n')[0], `routy-pinterest did not start: ROUTY_HTTP_PORT: port ${port} is in use; choose another, or 0 for a free one`);
      assert.match(failed.stderr, STACK_FRAME);
    });
  });
});

describe('npm run demo', { timeout: 300_000 }, () => {
  /** Runs the demo with its own TMPDIR, so the folders it leaves (or not) are its own. */
  async function demoFailing(args: string[], env: Record<string, string>) {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'routy-demo-tmp-'));
    try {
      const failed = await runFailing('demo/demo.ts', args, { ...env, TMPDIR: tmp });
      const left = (await readdir(tmp)).filter((name) => name.startsWith('routy-pinterest-demo-'));
      return { ...failed, left };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  it('a start-up failure after the database is open: one line, exit 1, its temporary folder removed', async () => {
    const cli = path.join(os.tmpdir(), 'no-such-temporal-cli');
    const failed = await demoFailing([], { TEMPORAL_CLI_PATH: cli });
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr.trim().split('\n').at(-1), `the demo did not start: TEMPORAL_CLI_PATH: ${cli} is not an executable file`);
    assert.doesNotMatch(failed.stderr + failed.stdout, STACK_FRAME);
    assert.deepEqual(failed.left, [], 'no routy-pinterest-demo-* folder remains');
  });

  it('a bad ROUTY_DEMO_CPA_TARGET fails before anything starts, in one line', async () => {
    const failed = await demoFailing([], { ROUTY_DEMO_CPA_TARGET: 'abc' });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr.trim(), /^the demo did not start: ROUTY_DEMO_CPA_TARGET: /);
    assert.doesNotMatch(failed.stderr, /Starting PGlite/, 'nothing was started');
    assert.doesNotMatch(failed.stderr + failed.stdout, STACK_FRAME);
    assert.deepEqual(failed.left, []);
  });

  it('--verbose adds the stack; a bad setting also leaves no folder', async () => {
    const failed = await demoFailing(['--verbose'], { PINTEREST_REQUEST_TIMEOUT_SECONDS: 'soon' });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^the demo did not start: Invalid configuration:\n {2}PINTEREST_REQUEST_TIMEOUT_SECONDS: /);
    assert.match(failed.stderr, STACK_FRAME);
    assert.deepEqual(failed.left, []);
  });
});
