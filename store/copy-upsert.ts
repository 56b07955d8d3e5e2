// Bulk upserts staged through COPY: rows go into a temporary table with `COPY ... FROM STDIN`
// and are merged with one `INSERT ... SELECT ... ON CONFLICT DO UPDATE`. Only on a PostgreSQL
// server reached through a `pg` pool (COPY FROM STDIN needs the wire protocol); PGlite keeps plain
// INSERTs. Generic over the table and columns, so columns added to a table flow through unchanged.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** The `pg` pool behind each Kysely instance opened on a PostgreSQL server. */
const pools = new WeakMap<object, pg.Pool>();

/** Remembers the `pg` pool behind `db`, so `inCopySession` can run COPY on its connections. */
export function registerCopyPool(db: object, pool: pg.Pool): void {
  pools.set(db, pool);
}

/**
 * Runs `work` in one transaction. On a registered PostgreSQL pool, `work` gets a Kysely bound to one
 * pooled connection (its transaction) and that connection's raw `pg` client, for COPY in the same
 * transaction; otherwise (PGlite, or a Kysely transaction passed in) it gets `db`'s own transaction
 * and no client. The transaction commits when `work` resolves and rolls back when it throws.
 */
export async function inCopySession<DB, T>(db: Kysely<DB>, work: (trx: Kysely<DB>, client: pg.PoolClient | undefined) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) return db.transaction().execute((trx) => work(trx, undefined));
  const client = await pool.connect();
  let failure: unknown;
  try {
    // A pool of this one connection: Kysely's transaction and the COPY share its session.
    const session = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: { connect: async () => ({ query: client.query.bind(client), release: () => {} }) as unknown as pg.PoolClient, end: async () => {} } }),
    });
    return await session.transaction().execute((trx) => work(trx, client));
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // A connection that failed mid-transaction is dropped rather than handed to the next caller.
    client.release(failure instanceof Error ? failure : undefined);
  }
}

/** Characters COPY's text format escapes. */
const COPY_SPECIAL = /[\\\t\n\r]/;

/** One value in COPY's text format: `\N` for null, backslash escapes for `\`, tab, newline, CR. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value); // nothing to escape
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) throw new TypeError('copy-upsert: array values are not supported; pass JSON text');
  // A string as it is; an object as `pg` sends it: JSON (for json/jsonb columns).
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** What `copyUpsert` did: rows merged, and the `returning` columns of those it inserted or changed. */
export interface CopyUpsertResult {
  /** Rows handed to the table after rows repeating a key were collapsed (the last wins). */
  merged: number;
  /** The `returning` columns of every row inserted or changed (none when `returning` is not given). */
  written: Array<Record<string, unknown>>;
}

/**
 * Upserts `rows` into `table` through COPY: stages them in a temporary table (dropped at commit)
 * holding the rows' columns with the table's types, then `INSERT INTO table (columns) SELECT ...
 * ON CONFLICT (keyColumns) DO UPDATE SET` every other column to the new value, the same as an
 * `INSERT ... VALUES ... ON CONFLICT` of those rows. Of rows repeating a key, the last wins (a
 * single INSERT would refuse them). Every row must have the same keys as the first. Must run inside
 * a transaction on `client` (see `inCopySession`). Values: strings, numbers, bigints, booleans,
 * Dates (sent as ISO 8601), null, and objects (sent as JSON, as `pg` does).
 *
 * Options: `unchangedIgnoring` leaves a stored row alone (no new row version, not in `written`)
 * when every column but the keys and these equals the new value; `straightCopyFirst` COPYs the rows
 * straight into the table (no staging, no merge) and, at the first row whose key is already stored
 * (a unique violation), rolls that COPY back to a savepoint and stages and merges them as usual: the
 * fast path for batches of new days (first pulls, backfills), one refused row for the others.
 * @throws TypeError on an array value or a row whose columns differ from the first's.
 */
export async function copyUpsert(
  client: pg.PoolClient,
  input: {
    table: string;
    rows: ReadonlyArray<Record<string, unknown>>;
    keyColumns: readonly string[];
    unchangedIgnoring?: readonly string[];
    straightCopyFirst?: boolean;
    returning?: readonly string[];
  },
): Promise<CopyUpsertResult> {
  if (input.rows.length === 0) return { merged: 0, written: [] };
  const columns = Object.keys(input.rows[0]!);
  const updated = columns.filter((column) => !input.keyColumns.includes(column));
  const latest = new Map<string, Record<string, unknown>>();
  for (const row of input.rows) {
    const keys = Object.keys(row);
    if (keys.length !== columns.length || keys.some((k, i) => k !== columns[i])) throw new TypeError(`copy-upsert: every row needs the columns ${columns.join(', ')}`);
    const key = input.keyColumns.map((column) => copyText(row[column])).join('\t');
    latest.delete(key); // re-inserted, so the merge keeps the rows' order
    latest.set(key, row);
  }
  const list = columns.map(quote).join(', ');
  const lines = function* () {
    let chunk = '';
    for (const row of latest.values()) {
      chunk += `${columns.map((column) => copyText(row[column])).join('\t')}\n`;
      if (chunk.length >= 1 << 16) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  };
  const copyInto = (table: string) => pipeline(Readable.from(lines()), client.query(copyFrom(`COPY ${quote(table)} (${list}) FROM STDIN`)));
  const returning = input.returning ?? [];
  if (input.straightCopyFirst) {
    await client.query('SAVEPOINT copy_upsert_straight');
    try {
      await copyInto(input.table);
      await client.query('RELEASE SAVEPOINT copy_upsert_straight');
      return { merged: latest.size, written: [...latest.values()].map((row) => Object.fromEntries(returning.map((c) => [c, row[c]]))) };
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      await client.query('ROLLBACK TO SAVEPOINT copy_upsert_straight');
    }
  }
  const stage = `copy_stage_${input.table}`;
  await client.query(`CREATE TEMPORARY TABLE ${quote(stage)} ON COMMIT DROP AS SELECT ${list} FROM ${quote(input.table)} WITH NO DATA`);
  await copyInto(stage);
  const compared = updated.filter((column) => !(input.unchangedIgnoring ?? []).includes(column));
  const unlessUnchanged = input.unchangedIgnoring && compared.length
    ? ` WHERE (${compared.map((c) => `${quote(input.table)}.${quote(c)}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `excluded.${quote(c)}`).join(', ')})`
    : '';
  const set = updated.length ? `DO UPDATE SET ${updated.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}${unlessUnchanged}` : 'DO NOTHING';
  const result = await client.query(
    `INSERT INTO ${quote(input.table)} (${list}) SELECT ${list} FROM ${quote(stage)} ON CONFLICT (${input.keyColumns.map(quote).join(', ')}) ${set}${returning.length ? ` RETURNING ${returning.map(quote).join(', ')}` : ''}`,
  );
  await client.query(`DROP TABLE ${quote(stage)}`);
  return { merged: latest.size, written: returning.length ? (result.rows as Array<Record<string, unknown>>) : [] };
}
