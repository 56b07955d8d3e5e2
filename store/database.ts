import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Kysely, Migrator, PostgresDialect, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import { registerCopyPool } from './copy-upsert';
import type { Database } from './database-schema';

// DATE columns stay 'YYYY-MM-DD' strings: a JS Date would shift them by the process timezone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

const migrationFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/** Where the database lives: a PostgreSQL server URL, or an embedded PGlite data folder. */
export type DatabaseLocation = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

/**
 * Settings of every service connection to PostgreSQL (the `options` of a `pg` pool). No parallel
 * workers: a report already runs its statements side by side, and on a database host of a few
 * cores a worker per statement took the core another statement or the service needed (the
 * products report's p95 went from 99 to 115 ms on 2 cores with them).
 */
export const POSTGRES_SESSION_OPTIONS = '-c jit=off -c work_mem=32MB -c max_parallel_workers_per_gather=0';

/** Opens a Kysely instance on PostgreSQL (`pg` pool) or embedded PGlite (`kysely-pglite`). */
export async function openDatabase(location: DatabaseLocation): Promise<Kysely<Database>> {
  if (location.kind === 'postgres') {
    // JIT off: our statements are short, and a high cost estimate (say on generate_series) made
    // PostgreSQL spend ~0.5 s compiling a statement that runs in milliseconds. work_mem 32 MB:
    // report aggregates over 5,000 pins then hash in memory instead of sorting on disk.
    const pool = new pg.Pool({ connectionString: location.url, max: 10, options: POSTGRES_SESSION_OPTIONS });
    // An idle client whose server connection ends (PostgreSQL restarted, database dropped) emits
    // 'error' on the pool; without a listener that would crash the process. The next query reconnects.
    pool.on('error', () => {});
    // A checked-out client (a transaction between two statements, as the record pump's are most of
    // the time) emits its connection's end on itself, not on the pool: unheard, it would stop the
    // process. Heard, the next statement on that client fails, and so does its transaction.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // Bulk metric upserts stage their rows through COPY on this pool's connections.
    registerCopyPool(db, pool);
    return db;
  }
  const { KyselyPGlite } = await import('kysely-pglite');
  await fs.mkdir(location.dataDir, { recursive: true });
  // Same value shapes as `pg`: DATE as 'YYYY-MM-DD', int8 and numeric as strings (no precision lost).
  const asText = (value: string) => value;
  const { dialect } = await KyselyPGlite.create(location.dataDir, {
    parsers: { [pg.types.builtins.DATE]: asText, [pg.types.builtins.INT8]: asText, [pg.types.builtins.NUMERIC]: asText },
  });
  return new Kysely<Database>({ dialect });
}

/**
 * Runs every file in `migrations/` not yet applied, with Kysely's Migrator.
 * @throws Error with the failing migration's name when one fails.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet['results']> {
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return results;
}
