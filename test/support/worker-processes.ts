import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEncryptionKeys } from '../../secrets/token-cipher';
import { createDataConverter } from '../../temporal/data-converter';
import { bundleWorkflows } from '../../worker/create-worker';

/** Worker processes started by a test (test/support/worker-child.ts), each with its process id. */
export interface WorkerProcesses {
  pids: number[];
  /** SIGTERM to each, then waits for every one to exit. */
  stop(): Promise<void>;
}

/**
 * Bundles the workflows once into `dir`, then starts `count` worker processes with `env` (see
 * worker-child.ts for the variables) and waits until each polls its task queue.
 * @throws Error with the child's output when one exits before it is ready.
 */
export async function startWorkerProcesses(count: number, dir: string, env: Record<string, string>): Promise<WorkerProcesses> {
  const converter = createDataConverter(parseEncryptionKeys(env.ROUTY_ENCRYPTION_KEYS!));
  const bundle = await bundleWorkflows(converter.failureConverterPath);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  const children: ChildProcess[] = [];
  const exits: Promise<unknown>[] = [];
  const stop = async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(exits);
  };
  try {
    for (let i = 0; i < count; i += 1) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-child.ts'], {
        env: { ...process.env, ...env, WORKFLOW_BUNDLE_PATH: bundlePath },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      exits.push(new Promise((resolve) => child.once('exit', resolve)));
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const read = (chunk: Buffer) => {
          output += chunk.toString();
          if (/^ready \d+$/m.test(output)) resolve();
        };
        child.stdout!.on('data', read);
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`worker process ${i + 1} exited (${code}) before it was ready:\n${output}`)));
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { pids: children.map((child) => child.pid!), stop };
}
