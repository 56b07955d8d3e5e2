// `npm run demo -- --keep` stopped as a terminal's Ctrl-C stops it: SIGINT to the whole process
// group (npm, tsx and node each hear it, and npm and tsx pass it on again). The demo promises to
// delete its data then; a second copy of the signal must not kill it before it has.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

describe('demo --keep', { timeout: 300_000 }, () => {
  it('deletes its data folder when the process group gets SIGINT, and exits', async () => {
    // Its own process group (detached), as a terminal gives a command it runs; --users keeps it short.
    const demo = spawn('npm', ['run', 'demo', '--', '--keep', '--users', '20'], {
      detached: true,
      env: { ...process.env, ROUTY_SDK_METRICS_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // 'close': every process holding its stderr (npm, tsx, node) has ended.
    const exited = new Promise<number | null>((resolve) => demo.on('close', (code) => resolve(code)));
    try {
      let stderr = '';
      const dataDir = await new Promise<string>((resolve, reject) => {
        demo.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const found = /ROUTY_DATA_DIR=(\S+)/.exec(stderr);
          if (stderr.includes('Still running') && found) resolve(found[1]!);
        });
        void exited.then((code) => reject(new Error(`the demo exited (${code}) before it was ready:\n${stderr}`)));
      });
      assert.ok(existsSync(dataDir), `${dataDir} exists while the demo runs`);
      process.kill(-demo.pid!, 'SIGINT');
      const code = await exited;
      // npm reports the signal its child stopped on, or the child's code.
      assert.ok(code === 0 || code === 130 || code === null, `exit code ${code}`);
      assert.equal(existsSync(dataDir), false, `${dataDir} was deleted`);
      assert.ok(stderr.includes('Stopping; deleting the demo data'), stderr.slice(-500));
    } finally {
      // A failed run leaves nothing behind: the whole group, if any of it still runs.
      try {
        process.kill(-demo.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
});
