// The operator commands' connection: the typed client on the service's Temporal settings and
// payload keys, and how a failure ends the command (one line, exit 2 for bad flags or settings,
// 1 for a refused or failed call; never a stack trace).
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { RoutyPinterestClient } from '../client/routy-client';
import { terminalSafe } from '../domain/terminal-text';
import { configSchema } from '../service/config';
import { connectTemporalClient, payloadCrypto } from '../service/role-parts';
import { openDatabase } from '../store/database';

const shape = configSchema.shape;

/**
 * What the operator commands read of the environment, as the service reads it: `TEMPORAL_ADDRESS`
 * (default `127.0.0.1:<TEMPORAL_PORT>`, the dev server `npm start` runs), `TEMPORAL_NAMESPACE`,
 * `ROUTY_ENCRYPTION_KEYS` (unset: the demo key `npm start` keeps in `<ROUTY_DATA_DIR>/demo-encryption-keys`,
 * if there) and `DATABASE_URL` (optional: `accounts` counts unsent conversions with it).
 */
const operatorEnvSchema = z
  .object({
    TEMPORAL_ADDRESS: shape.TEMPORAL_ADDRESS.pipe(z.string().regex(/^\S+:\d{1,5}$/, 'must be host:port').optional()),
    TEMPORAL_PORT: shape.TEMPORAL_PORT,
    TEMPORAL_NAMESPACE: shape.TEMPORAL_NAMESPACE,
    ROUTY_ENCRYPTION_KEYS: shape.ROUTY_ENCRYPTION_KEYS,
    ROUTY_DATA_DIR: shape.ROUTY_DATA_DIR,
    DATABASE_URL: shape.DATABASE_URL,
  })
  // Only the default address needs the port: with TEMPORAL_ADDRESS set, TEMPORAL_PORT=0 is the service's business.
  .refine((env) => env.TEMPORAL_ADDRESS !== undefined || env.TEMPORAL_PORT > 0, {
    path: ['TEMPORAL_PORT'],
    message: 'is 0 (a free port, known only to the running service): set TEMPORAL_ADDRESS to the address `npm start` printed',
  });

/** A command's failure: printed as one line (`message`), then the process exits with `code`. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    /** 2: a bad flag or setting, or Temporal unreachable; 1: a refused or failed call. */
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}

/** Fails the command with `--flag: message` lines (exit 2) when `problems` has any. */
export function refuseFlags(problems: string[]): void {
  if (problems.length > 0) throw new CommandFailure(problems.join('\n'), 2);
}

/**
 * Runs `action` and ends the process on a failure: a CommandFailure prints its message (exit
 * its code); an unknown ad account, a workflow that ended and any other error print one line (exit 1).
 * With `json`, the failure goes to stdout as `{"error": ...}` as well.
 */
export async function runCommand(action: () => Promise<void>, options: { json?: boolean; adAccount?: string } = {}): Promise<void> {
  try {
    await action();
  } catch (error) {
    let message = error instanceof Error ? error.message : String(error);
    let code: 1 | 2 = 1;
    // An update to an ended run is refused as not found too, with this message.
    if (error instanceof CommandFailure) code = error.code;
    else if (/already completed/i.test(message)) message = `--ad-account: the workflow of ad account ${options.adAccount ?? ''} has ended (disconnected)`;
    else if (error instanceof WorkflowNotFoundError) message = `--ad-account: no workflow for ad account ${options.adAccount ?? ''} (never connected?)`;
    if (options.json) console.log(JSON.stringify({ error: message }));
    // A refusal may quote what was typed: shown, never run.
    console.error(message.split('\n').map(terminalSafe).join('\n'));
    process.exit(code);
  }
}

/** An operator's typed client on Temporal, and how to close it. */
export interface OperatorConnection {
  client: RoutyPinterestClient;
  close(): Promise<void>;
}

/**
 * Connects the typed client as the service does: Temporal at `TEMPORAL_ADDRESS` in
 * `TEMPORAL_NAMESPACE`, payloads under `ROUTY_ENCRYPTION_KEYS`; origins sent `by` `by`. With
 * `database`, also opens `DATABASE_URL` when set (PostgreSQL only: the embedded PGlite is the
 * running service's alone). @throws CommandFailure (exit 2) naming the variable at fault.
 */
export async function connectOperator(by: string, options: { database?: boolean } = {}): Promise<OperatorConnection> {
  const set = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = operatorEnvSchema.safeParse(set);
  if (!parsed.success) throw new CommandFailure(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'), 2);
  const env = parsed.data;
  const demoKeyFile = path.join(env.ROUTY_DATA_DIR, 'demo-encryption-keys');
  const keys = env.ROUTY_ENCRYPTION_KEYS ?? (await readFile(demoKeyFile, 'utf8').catch(() => undefined))?.trim();
  if (!keys) throw new CommandFailure(`ROUTY_ENCRYPTION_KEYS: required (the keys the workers use; ${demoKeyFile}, the demo's key, is not there either)`, 2);
  let crypto: ReturnType<typeof payloadCrypto>;
  try {
    crypto = payloadCrypto(keys, !env.ROUTY_ENCRYPTION_KEYS);
  } catch (error) {
    throw new CommandFailure(error instanceof Error ? error.message : String(error), 2);
  }
  const address = env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_PORT}`;
  const temporal = await connectTemporalClient(address, env.TEMPORAL_NAMESPACE, crypto.dataConverter).catch((error: unknown) => {
    throw new CommandFailure(error instanceof Error ? error.message : String(error), 2);
  });
  const db = options.database && env.DATABASE_URL ? await openDatabase({ kind: 'postgres', url: env.DATABASE_URL }) : undefined;
  return {
    client: new RoutyPinterestClient(temporal.client, db, { by }),
    close: async () => {
      await db?.destroy();
      await temporal.close();
    },
  };
}

/** The default `by` of an operator's calls: `cli: <login name>`. */
export function defaultBy(): string {
  const user = process.env.USER ?? process.env.LOGNAME ?? (() => {
    try {
      return os.userInfo().username;
    } catch {
      return 'unknown';
    }
  })();
  return `cli: ${user}`;
}
