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

/** One value in COPY's text format: `\N` for null, backslash escapes for `\`, tab, newline, CR. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'boolean') text = value ? 't' : 'f';
  else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
  else if (typeof value === 'string') text = value;
  else if (Array.isArray(value)) throw new TypeError('copy-upsert: array values are not supported; pass JSON text');
  else text = JSON.stringify(value); // as `pg` sends an object: JSON (for json/jsonb columns)
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Upserts `rows` into `table` through COPY: stages them in a temporary table (dropped at commit)
 * holding the rows' columns with the table's types, then `INSERT INTO table (columns) SELECT ...
 * ON CONFLICT (keyColumns) DO UPDATE SET` every other column to the new value, the same as an
 * `INSERT ... VALUES ... ON CONFLICT` of those rows. Of rows repeating a key, the last wins (a
 * single INSERT would refuse them). Every row must have the same keys as the first. Must run inside
 * a transaction on `client` (see `inCopySession`). Values: strings, numbers, bigints, booleans,
 * Dates (sent as ISO 8601), null, and objects (sent as JSON, as `pg` does).
 * @returns the number of rows merged.
 * @throws TypeError on an array value or a row whose columns differ from the first's.
 */
export async function copyUpsert(
  client: pg.PoolClient,
  input: { table: string; rows: ReadonlyArray<Record<string, unknown>>; keyColumns: readonly string[] },
): Promise<number> {
  if (input.rows.length === 0) return 0;
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
  const stage = `copy_stage_${input.table}`;
  const list = columns.map(quote).join(', ');
  await client.query(`CREATE TEMPORARY TABLE ${quote(stage)} ON COMMIT DROP AS SELECT ${list} FROM ${quote(input.table)} WITH NO DATA`);
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
  await pipeline(Readable.from(lines()), client.query(copyFrom(`COPY ${quote(stage)} (${list}) FROM STDIN`)));
  const set = updated.length ? `DO UPDATE SET ${updated.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ')}` : 'DO NOTHING';
  await client.query(`INSERT INTO ${quote(input.table)} (${list}) SELECT ${list} FROM ${quote(stage)} ON CONFLICT (${input.keyColumns.map(quote).join(', ')}) ${set}`);
  await client.query(`DROP TABLE ${quote(stage)}`);
  return latest.size;
}
