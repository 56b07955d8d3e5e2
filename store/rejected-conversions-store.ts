import type { Kysely } from 'kysely';
import type { RecordRejection } from '../domain/routy-records';
import type { Database } from './database-schema';

/**
 * Keeps refused conversions that carry a usable event_id (a non-blank string of at most 256
 * characters without NUL), with the fields at fault (never the values), so
 * `GET /v1/conversions/{event_id}` can say why one was never credited. `batch` is the request's
 * records as received; `rejected` points into it by index. The ad account id is kept only when it
 * looks like one. Inserts in chunks of 1,000 rows. Linear in `rejected`, which lists at most
 * MAX_ISSUES_PER_RECORD + 1 problems per record (domain/field-issues.ts).
 */
export async function rememberRejections(db: Kysely<Database>, batch: unknown[], rejected: RecordRejection[]): Promise<void> {
  const byIndex = new Map<number, Array<{ field: string; message: string }>>();
  for (const r of rejected) {
    // One list per record, appended to in place: copying it per rejection made a record with many problems quadratic.
    const problems = byIndex.get(r.index);
    if (problems) problems.push({ field: r.field, message: r.message });
    else byIndex.set(r.index, [{ field: r.field, message: r.message }]);
  }
  const rows = [...byIndex].flatMap(([index, problems]) => {
    const record = batch[index] as { event_id?: unknown; ad_account_id?: unknown } | null;
    const eventId = record?.event_id;
    if (typeof eventId !== 'string' || eventId.trim() === '' || eventId.length > 256 || eventId.includes('\u0000')) return [];
    const account = typeof record?.ad_account_id === 'string' && /^\d{1,19}$/.test(record.ad_account_id) ? record.ad_account_id : null;
    return [{ event_id: eventId, ad_account_id: account, problems: JSON.stringify(problems) }];
  });
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('rejected_conversions').values(rows.slice(i, i + 1000)).execute();
}
