import { connectThroughOAuth } from '../../service/oauth-connect';
import { startTestApp, type TestApp } from './test-app';
import { waitFor } from './wait';

/** A test app whose emulated ad accounts are connected and have each finished a first pull. */
export interface ConnectedTestApp extends TestApp {
  /** The ad account ids the OAuth callback answered, in its order. */
  connected: string[];
}

/**
 * Starts the whole service for one test file (see startTestApp), connects every ad account of the
 * emulator's user through the real OAuth redirect chain, and waits for each account's first pull
 * (entities synced, metrics stored), so a test may attribute, report or pull at once.
 */
export async function startConnectedApp(...args: Parameters<typeof startTestApp>): Promise<ConnectedTestApp> {
  const testApp = await startTestApp(...args);
  const connected = await connectThroughOAuth(testApp.app);
  for (const id of connected) {
    await waitFor(`the first pull of ${id}`, async () => ((await testApp.app.client.status(id)).counters.pulls >= 1 ? true : undefined));
  }
  return Object.assign(testApp, { connected });
}
