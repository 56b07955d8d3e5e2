import type { ColumnType } from 'kysely';

// The CPA alert tables (migration 2026-12-06T04-00): targets per account, campaign and pin (ad),
// and one row per alert.

/** A timestamptz column: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A bigint column: pg returns int8 as a string to keep full precision. */
type BigintColumn = ColumnType<string, string | number | bigint, string | number | bigint>;
/** A numeric column: pg returns it as a string (currency units, exact). */
type NumericColumn = ColumnType<string, string | number, string | number>;

/** A target cost per conversion (`level` `account` with `entity_id` '', `campaign`, `pin`: an ad id), micro-currency of the account's currency. */
export interface CpaTargetsTable {
  ad_account_id: string;
  level: string;
  entity_id: string;
  target_micro: BigintColumn;
  updated_at: Timestamp;
}

/**
 * One alert: a pin (ad) or campaign whose 30-day and 7-day costs per conversion lay on different
 * sides of its target when first seen (`direction` `pays_back_long` or `misses_long`), with the
 * figures then (currency units of `currency`; dates the report's range, account time zone).
 * `cleared_at`: the condition no longer held; `delivered_at`: the webhook answered 2xx.
 */
export interface CpaAlertsTable {
  /** A bigserial, read as a string. */
  alert_id: ColumnType<string, never, never>;
  ad_account_id: string;
  level: string;
  entity_id: string;
  name: string;
  pin_id: string | null;
  direction: string;
  currency: string;
  target: NumericColumn;
  cpa_30d: ColumnType<string | null, string | number | null, string | number | null>;
  cpa_7d: ColumnType<string | null, string | number | null, string | number | null>;
  spend: NumericColumn;
  conversions_30d: number;
  conversions_7d: number;
  start_date: ColumnType<string, string, string>;
  end_date: ColumnType<string, string, string>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  cleared_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
