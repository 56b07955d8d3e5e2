import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import type { RunningApp } from '../../service/app';

const exec = promisify(execFile);

/** Environment for a CLI run against `app`: its ingress token (the CLI reads ROUTY_INGRESS_TOKEN). */
const envFor = (app?: RunningApp) => ({ ...process.env, ...(app?.ingressToken ? { ROUTY_INGRESS_TOKEN: app.ingressToken } : {}) });

/**
 * Runs `bin/routy-pinterest.js` with `args` (add `--url` to reach a service) and the app's token.
 * @returns its stdout. @throws the child's error when it exits non-zero.
 */
export async function runCli(args: string[], app?: RunningApp): Promise<string> {
  return (await exec('node', ['bin/routy-pinterest.js', ...args], { env: envFor(app) })).stdout;
}

/**
 * Runs the CLI as runCli does, expecting it to fail; the test fails with `why` when it succeeds.
 * @returns its exit code and stderr.
 */
export async function failingCli(args: string[], why: string, app?: RunningApp): Promise<{ code: number; stderr: string }> {
  return exec('node', ['bin/routy-pinterest.js', ...args], { env: envFor(app) }).then(
    () => assert.fail(why),
    (error: { code: number; stderr: string }) => error,
  );
}

/**
 * Runs the CLI as runCli does with `input` written to its stdin.
 * @returns its exit code, stdout and stderr (a non-zero exit is returned, not thrown).
 */
export function runCliWithInput(args: string[], input: string, app?: RunningApp): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('node', ['bin/routy-pinterest.js', ...args], { env: envFor(app) }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/**
 * Runs the CLI with exactly `env` added to this process's environment (an operator command's
 * TEMPORAL_ADDRESS, ROUTY_ENCRYPTION_KEYS, DATABASE_URL), stdout a pipe (not a terminal).
 * @returns its exit code, stdout and stderr (a non-zero exit is returned, not thrown).
 */
export function runCliWithEnv(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/routy-pinterest.js', ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
