// How a process that failed to start says so: one line naming the cause, never a stack trace
// unless asked for (`ROUTY_LOG_LEVEL=DEBUG` or `TRACE`, or the demo's `--verbose`).
import { inspect } from 'node:util';

/** True when `ROUTY_LOG_LEVEL` asks for DEBUG or TRACE: start-up failures then show their stack. */
export function wantsStackTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(DEBUG|TRACE)$/i.test((env.ROUTY_LOG_LEVEL ?? '').trim());
}

/**
 * Writes `<what> did not start: <message>` to stderr (a configuration error lists one variable a
 * line); with `verbose`, the error's stack and causes follow.
 */
export function reportStartUpFailure(what: string, error: unknown, verbose: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${what} did not start: ${message}\n`);
  if (verbose) process.stderr.write(`${inspect(error, { depth: 6 })}\n`);
}
