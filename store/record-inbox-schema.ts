import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Routy's validated, hashed records waiting for their account's workflow (migration 2026-12-02T00-00). */
export interface RecordInboxTable {
  /** bigserial, read as a string (int8). */
  inbox_id: Generated<string>;
  ad_account_id: string;
  kind: 'conversion' | 'touchpoint';
  /** A `ConversionRecord` or `TouchpointRecord` as the ingress prepared it (user data already hashed). */
  record: JSONColumnType<object, string, string>;
  received_at: ColumnType<Date, never, never>;
  /** W3C `traceparent` of the ingress request that stored it (trace id, span id, flags only); null: not traced (migration 2026-12-06T05-00). */
  traceparent: ColumnType<string | null, string | null | undefined, never>;
}

/** Per ad account: true when its workflow has taken everything and waits for a nudge signal. */
export interface RecordInboxAccountsTable {
  ad_account_id: string;
  nudge_needed: boolean;
}
