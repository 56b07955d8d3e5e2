import type { ColumnType, JSONColumnType } from 'kysely';

// The Measurement Source of Truth tables (migration 2026-12-05T03-00): one row per conversion to
// post to `POST /v5/ad_accounts/{id}/msot/events`, and one audit row per request.

/** A timestamptz column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

/**
 * One conversion's MSOT event (store/msot-store.ts). `state`: `pending` (waits for its post),
 * `posting` (committed with its attempt before the request), `posted` (Pinterest answered 200),
 * `failed` (Pinterest refused it, or it was refused too often), `refused` (the grant lacks scope
 * `msot:write`), `unconfirmed` (no readable answer: never posted again), `not_postable` (the spec
 * cannot carry it: `reason` says why).
 */
export interface MsotEventsTable {
  ad_account_id: string;
  event_id: string;
  state: string;
  /** The `ConversionMSOTEvents` body (no personal data); null when not postable. */
  body: JSONColumnType<Record<string, unknown>> | null;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  attempts: ColumnType<number, number | undefined, number>;
  /** A `pending` event told to wait is not posted before this (null: at once). */
  next_post_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  answered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** One MSOT request of one event: when, the HTTP status or error, and its outcome (`posted`, `failed`, `refused`, `retry`, `unknown`; null: its sender stopped). */
export interface MsotAttemptsTable {
  ad_account_id: string;
  event_id: string;
  attempt: number;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  http_status: number | null;
  outcome: string | null;
  error: string | null;
}
