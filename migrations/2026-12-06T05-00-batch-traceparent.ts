import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.
// A batch's trace continues past the inbox: the ingress stores the W3C `traceparent` of its
// request's span with the batch's rows (`00-<trace id>-<span id>-<flags>`, nothing else), and the
// drain stores its `drain batch` span's with each conversion, which its Conversions API and MSOT
// requests join. Null: not traced (tracing off, or stored before this migration).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('record_inbox').addColumn('traceparent', 'text').execute();
  await db.schema.alterTable('conversions').addColumn('traceparent', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversions').dropColumn('traceparent').execute();
  await db.schema.alterTable('record_inbox').dropColumn('traceparent').execute();
}
