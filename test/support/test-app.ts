import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../service/config';
import { startApp, type AppOptions, type RunningApp } from '../../service/app';
import { startEmulatedPinterest, type EmulatedPinterest } from '../../demo/emulated-pinterest';
import type { SeedData } from '../../emulator/seed';
import { createTestDatabase } from './postgres';

/** A running app for one test file: a fresh PostgreSQL database, a temp data folder, an in-memory dev server. */
export interface TestApp {
  app: RunningApp<EmulatedPinterest>;
  databaseUrl: string;
  /** Shuts the app down, drops the database and removes the data folder. */
  stop(): Promise<void>;
}

/**
 * Starts the whole service on real parts for a test, against the emulator (seeded with
 * `emulatorSeed`, default the demo advertiser); `env` adds or overrides configuration.
 */
export async function startTestApp(env: Record<string, string> = {}, options: Omit<AppOptions, 'pinterest'> & { emulatorSeed?: SeedData } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-test-'));
  const config = loadConfig({ DATABASE_URL: database.url, ROUTY_HTTP_PORT: '0', ROUTY_DATA_DIR: dataDir, ROUTY_LOG_LEVEL: 'ERROR', ROUTY_SDK_METRICS_PORT: '0', ...env });
  const { emulatorSeed, ...appOptions } = options;
  const app = await startApp(config, { log: () => {}, ...appOptions, pinterest: await startEmulatedPinterest(config, emulatorSeed) });
  return {
    app,
    databaseUrl: database.url,
    stop: async () => {
      await app.shutdown();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
