// One role in its own process: start, say so on stderr, stop in reverse order on SIGINT/SIGTERM
// (or when the role ends by itself), and exit 1 naming the variable when start-up fails.
import type { Role } from './role-config';
import { reportStartUpFailure, wantsStackTraces } from './start-up-failure';

/** What a started role hands back. */
export interface StartedRole {
  /** Lines for stderr once running (addresses, what it serves). */
  banner: string;
  /** Settles if the role stops by itself (a fatal worker error): the process then stops with exit code 1. */
  running?: Promise<void>;
  /** How long its stop may take, in seconds (told in the shutdown line). */
  graceSeconds?: number;
}

/**
 * Runs `start` and keeps the process up until a signal. `start` registers each part's stop with
 * `onStop` as soon as the part is up; they run in reverse order, also after a failed start.
 */
export async function runRole(role: Role, start: (onStop: (stop: () => Promise<unknown>) => void) => Promise<StartedRole>): Promise<void> {
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => console.error(`shutdown: ${String(error)}`));
  };
  let started: StartedRole;
  try {
    started = await start((stop) => stops.push(stop));
  } catch (error) {
    // A configuration or start-up problem: its message names the variable; no stack trace needed.
    reportStartUpFailure(`routy-pinterest ${role}`, error, wantsStackTraces());
    await stopAll();
    process.exit(1);
  }
  let stopping = false;
  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`${reason}: the ${role} is shutting down${started.graceSeconds ? ` (grace time up to ${started.graceSeconds} s)` : ''}...`);
    await stopAll();
    console.error('stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  started.running?.then(
    () => void stop('the worker stopped by itself', 1),
    (error: unknown) => void stop(`the worker failed: ${error instanceof Error ? error.message : String(error)}`, 1),
  );
  console.error(`routy-pinterest ${role} is running.\n${started.banner}`);
}
