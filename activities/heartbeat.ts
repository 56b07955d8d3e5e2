import { Context } from '@temporalio/activity';

/** Last details each running attempt heartbeated (a resumed attempt starts from what it was given). */
const lastDetails = new WeakMap<Context, unknown>();

/** How often a running activity tells Temporal it is alive, in milliseconds (the workflow's heartbeat timeout is 30 s). */
const KEEP_ALIVE_MS = 10_000;

/**
 * Heartbeats progress `details` (a cursor a retried attempt resumes from); the keep-alive ticker
 * repeats the latest, so liveness beats never erase progress.
 */
export function beat(details?: unknown): void {
  const context = Context.current();
  lastDetails.set(context, details);
  context.heartbeat(details);
}

/**
 * Runs an activity body while heartbeating every 10 s, so a dead worker is noticed within the
 * 30-second heartbeat timeout even while one Pinterest request takes long.
 */
export async function keepAlive<T>(body: () => Promise<T>): Promise<T> {
  const context = Context.current();
  if (!lastDetails.has(context)) lastDetails.set(context, context.info.heartbeatDetails);
  const timer = setInterval(() => context.heartbeat(lastDetails.get(context)), KEEP_ALIVE_MS);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}
