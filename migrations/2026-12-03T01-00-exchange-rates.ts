import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// A value in another currency than its ad account's is never added to the account's revenue:
// - each attribution carries its conversion's currency (backfilled from conversions), kept in the
//   covering index the reports scan;
// - exchange_rates holds the operator's dated rates (1 unit of from_currency in to_currency);
// - channel_performance's revenue holds only values in the account's currency; conversions with a
//   value in another one are counted in a new last column, other_currency_conversions.
const CHANNEL_VIEW_BEFORE = `
    CREATE OR REPLACE VIEW channel_performance AS
    WITH spend AS (
      SELECT m.ad_account_id, m.entity_id AS ad_id, m.date, m.currency, sum(m.spend_micro) / 1000000.0 AS spend
      FROM metrics_daily m
      JOIN ad_accounts acc ON acc.ad_account_id = m.ad_account_id
       AND m.click_window_days = acc.click_window_days AND m.engagement_window_days = acc.engagement_window_days
       AND m.view_window_days = acc.view_window_days AND m.conversion_report_time = acc.conversion_report_time
      WHERE m.level = 'ad'
      GROUP BY 1, 2, 3, 4
    ),
    converted AS (
      SELECT a.ad_account_id, a.ad_id, (c.event_time AT TIME ZONE coalesce(acc.time_zone, 'UTC'))::date AS date,
             count(*) AS conversions, coalesce(sum(c.value), 0) AS revenue
      FROM attributions a
      JOIN conversions c ON c.event_id = a.event_id AND c.ad_account_id = a.ad_account_id
      JOIN ad_accounts acc ON acc.ad_account_id = a.ad_account_id
      WHERE a.ad_id IS NOT NULL
      GROUP BY 1, 2, 3
    )
    SELECT 'pinterest'::text AS channel,
           coalesce(s.date, v.date) AS date,
           coalesce(s.ad_account_id, v.ad_account_id) AS account_id,
           acc.currency,
           ads.campaign_id, ads.ad_group_id, coalesce(s.ad_id, v.ad_id) AS ad_id,
           coalesce(s.spend, 0) AS spend,
           coalesce(v.conversions, 0) AS conversions,
           coalesce(v.revenue, 0) AS revenue,
           format('click %sd, engagement %sd, view %sd; click id over identifier, click over engagement over view, latest',
                  acc.click_window_days, acc.engagement_window_days, acc.view_window_days) AS attribution_rule
    FROM spend s
    FULL OUTER JOIN converted v ON v.ad_account_id = s.ad_account_id AND v.ad_id = s.ad_id AND v.date = s.date
    JOIN ad_accounts acc ON acc.ad_account_id = coalesce(s.ad_account_id, v.ad_account_id)
    LEFT JOIN ads ON ads.ad_account_id = acc.ad_account_id AND ads.ad_id = coalesce(s.ad_id, v.ad_id)
`;

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
  await sql`
    CREATE OR REPLACE VIEW channel_performance AS
    WITH spend AS (
      SELECT m.ad_account_id, m.entity_id AS ad_id, m.date, m.currency, sum(m.spend_micro) / 1000000.0 AS spend
      FROM metrics_daily m
      JOIN ad_accounts acc ON acc.ad_account_id = m.ad_account_id
       AND m.click_window_days = acc.click_window_days AND m.engagement_window_days = acc.engagement_window_days
       AND m.view_window_days = acc.view_window_days AND m.conversion_report_time = acc.conversion_report_time
      WHERE m.level = 'ad'
      GROUP BY 1, 2, 3, 4
    ),
    converted AS (
      SELECT a.ad_account_id, a.ad_id, (c.event_time AT TIME ZONE coalesce(acc.time_zone, 'UTC'))::date AS date,
             count(*) AS conversions, coalesce(sum(c.value) FILTER (WHERE c.currency = acc.currency), 0) AS revenue,
             count(*) FILTER (WHERE c.value IS NOT NULL AND c.currency IS DISTINCT FROM acc.currency) AS other_currency_conversions
      FROM attributions a
      JOIN conversions c ON c.event_id = a.event_id AND c.ad_account_id = a.ad_account_id
      JOIN ad_accounts acc ON acc.ad_account_id = a.ad_account_id
      WHERE a.ad_id IS NOT NULL
      GROUP BY 1, 2, 3
    )
    SELECT 'pinterest'::text AS channel,
           coalesce(s.date, v.date) AS date,
           coalesce(s.ad_account_id, v.ad_account_id) AS account_id,
           acc.currency,
           ads.campaign_id, ads.ad_group_id, coalesce(s.ad_id, v.ad_id) AS ad_id,
           coalesce(s.spend, 0) AS spend,
           coalesce(v.conversions, 0) AS conversions,
           coalesce(v.revenue, 0) AS revenue,
           format('click %sd, engagement %sd, view %sd; click id over identifier, click over engagement over view, latest',
                  acc.click_window_days, acc.engagement_window_days, acc.view_window_days) AS attribution_rule,
           coalesce(v.other_currency_conversions, 0) AS other_currency_conversions
    FROM spend s
    FULL OUTER JOIN converted v ON v.ad_account_id = s.ad_account_id AND v.ad_id = s.ad_id AND v.date = s.date
    JOIN ad_accounts acc ON acc.ad_account_id = coalesce(s.ad_account_id, v.ad_account_id)
    LEFT JOIN ads ON ads.ad_account_id = acc.ad_account_id AND ads.ad_id = coalesce(s.ad_id, v.ad_id)
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // A view cannot drop a column by CREATE OR REPLACE.
  await sql`DROP VIEW IF EXISTS channel_performance`.execute(db);
  await sql.raw(CHANNEL_VIEW_BEFORE).execute(db);
  await sql`DROP TABLE IF EXISTS exchange_rates`.execute(db);
  await sql`DROP INDEX IF EXISTS attributions_conversion_date_idx`.execute(db);
  await sql`CREATE INDEX attributions_conversion_date_idx ON attributions (ad_account_id, conversion_date)
            INCLUDE (campaign_id, ad_group_id, ad_id, pin_id, lag_seconds, conversion_value_micro)`.execute(db);
  await sql`ALTER TABLE attributions DROP COLUMN conversion_currency`.execute(db);
}
