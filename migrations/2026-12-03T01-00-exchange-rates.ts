import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// A value in another currency than its ad account's is never added to the account's revenue:
// - each attribution carries its conversion's currency (backfilled from conversions), kept in the
//   covering index the reports scan;
// - exchange_rates holds the operator's dated rates (1 unit of from_currency in to_currency).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE attributions ADD COLUMN conversion_currency text`.execute(db);
  await sql`
    UPDATE attributions a SET conversion_currency = c.currency
    FROM conversions c
    WHERE c.ad_account_id = a.ad_account_id AND c.event_id = a.event_id AND c.currency IS NOT NULL`.execute(db);
  await sql`DROP INDEX IF EXISTS attributions_conversion_date_idx`.execute(db);
  await sql`CREATE INDEX attributions_conversion_date_idx ON attributions (ad_account_id, conversion_date)
            INCLUDE (campaign_id, ad_group_id, ad_id, pin_id, lag_seconds, conversion_value_micro, conversion_currency)`.execute(db);
  await sql`
    CREATE TABLE exchange_rates (
      from_currency text NOT NULL,
      to_currency text NOT NULL,
      date date NOT NULL,
      rate numeric(30, 12) NOT NULL CHECK (rate > 0),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (from_currency, to_currency, date),
      CHECK (from_currency <> to_currency)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS exchange_rates`.execute(db);
  await sql`DROP INDEX IF EXISTS attributions_conversion_date_idx`.execute(db);
  await sql`CREATE INDEX attributions_conversion_date_idx ON attributions (ad_account_id, conversion_date)
            INCLUDE (campaign_id, ad_group_id, ad_id, pin_id, lag_seconds, conversion_value_micro)`.execute(db);
  await sql`ALTER TABLE attributions DROP COLUMN conversion_currency`.execute(db);
}
