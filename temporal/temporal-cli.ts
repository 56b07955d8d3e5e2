import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import which from 'which';

/** Later tags carry a `replace` directive that `go install` refuses; v1.5.1 is the newest that installs. */
const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** Cache folder outside the repo: `$XDG_CACHE_HOME` or `~/.cache`, then `routy-pinterest/temporal-cli-v1.5.1`. */
function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'routy-pinterest', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the `temporal` CLI: `TEMPORAL_CLI_PATH`, then PATH, then the cache folder.
 * @throws Error when `TEMPORAL_CLI_PATH` is set but is not an executable file.
 * @returns its path, or undefined when none is found.
 */
async function findTemporalCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.TEMPORAL_CLI_PATH) {
    if (await isExecutable(env.TEMPORAL_CLI_PATH)) return env.TEMPORAL_CLI_PATH;
    throw new Error(`TEMPORAL_CLI_PATH: ${env.TEMPORAL_CLI_PATH} is not an executable file`);
  }
  const onPath = await which('temporal', { nothrow: true, path: env.PATH });
  if (onPath) return onPath;
  const cached = path.join(temporalCliCacheDir(env), 'temporal');
  return (await isExecutable(cached)) ? cached : undefined;
}

/**
 * Finds the `temporal` CLI, building it with `go install` into the cache folder when it is
 * missing and Go is on PATH (takes a few minutes the first time).
 * @returns its path, or undefined when there is neither a binary nor Go (callers then fall back
 * to the SDK's own download).
 */
export async function ensureTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => console.error(line),
): Promise<string | undefined> {
  const found = await findTemporalCli(env);
  if (found) return found;
  const go = await which('go', { nothrow: true, path: env.PATH });
  if (!go) return undefined;
  const gobin = temporalCliCacheDir(env);
  await fs.mkdir(gobin, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${gobin} (first run only)...`);
  await promisify(execFile)(go, ['install', TEMPORAL_CLI_MODULE], {
    env: { ...env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const built = path.join(gobin, 'temporal');
  if (!(await isExecutable(built))) throw new Error(`go install finished but ${built} is missing`);
  return built;
}
