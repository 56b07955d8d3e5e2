import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Reports over 5,000 pins × 90 days must not sum half a million daily rows per call:
// - metrics_cumulative keeps, per entity and settings, running totals for every day, so any date
//   range is the total at end_date minus the total the day before start_date;
// - attributions get the conversion's account-timezone date and value, so reports filter on an
//   indexed column instead of converting every conversion's time and joining conversions.
const KEY = ['ad_account_id', 'level', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time', 'entity_id'];
const TOTALS = ['spend_micro', 'impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'pinterest_conversions', 'checkout_value_micro'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE metrics_cumulative (
      ad_account_id text NOT NULL,
      level text NOT NULL,
      click_window_days integer NOT NULL,
      engagement_window_days integer NOT NULL,
      view_window_days integer NOT NULL,
      conversion_report_time text NOT NULL,
      entity_id text NOT NULL,
      date date NOT NULL,
      ${sql.join(TOTALS.map((c) => sql`${sql.id(c)} bigint NOT NULL`))},
      PRIMARY KEY (${sql.join(KEY.map((c) => sql.id(c)))}, date)
    )`.execute(db);
  // Dense: a row for every day from the entity's first through today, so a range's ends are found
  // by equality on the date.
  await sql`
    WITH spans AS (
      SELECT ${sql.join(KEY.map((c) => sql.id(c)))}, min(date) AS first_date, greatest(max(date), current_date) AS last_date
      FROM metrics_daily GROUP BY ${sql.join(KEY.map((c) => sql.id(c)))}
    )
    INSERT INTO metrics_cumulative (${sql.join([...KEY, 'date', ...TOTALS].map((c) => sql.id(c)))})
    SELECT ${sql.join(KEY.map((c) => sql.ref(`s.${c}`)))}, g.day::date,
           ${sql.join(TOTALS.map((c) => sql`sum(coalesce(${sql.ref(`d.${c}`)}, 0)) OVER (PARTITION BY ${sql.join(KEY.map((k) => sql.ref(`s.${k}`)))} ORDER BY g.day)`))}
    FROM spans s
    CROSS JOIN LATERAL generate_series(s.first_date, s.last_date, interval '1 day') AS g(day)
    LEFT JOIN metrics_daily d ON ${sql.join(KEY.map((c) => sql`${sql.ref(`d.${c}`)} = ${sql.ref(`s.${c}`)}`), sql` AND `)} AND d.date = g.day::date`.execute(db);
  await sql`CREATE INDEX metrics_cumulative_date_idx ON metrics_cumulative (ad_account_id, level, date)`.execute(db);

  await sql`ALTER TABLE attributions ADD COLUMN conversion_date date, ADD COLUMN conversion_value_micro bigint`.execute(db);
  await sql`
    UPDATE attributions a
    SET conversion_date = (c.event_time AT TIME ZONE coalesce(acc.time_zone, 'UTC'))::date, conversion_value_micro = round(c.value * 1000000)::bigint
    FROM conversions c, ad_accounts acc
    WHERE c.ad_account_id = a.ad_account_id AND c.event_id = a.event_id AND acc.ad_account_id = a.ad_account_id`.execute(db);
  // Covering: reports read only these columns, so they scan the index alone.
  await sql`CREATE INDEX attributions_conversion_date_idx ON attributions (ad_account_id, conversion_date) INCLUDE (campaign_id, ad_group_id, ad_id, pin_id, lag_seconds, conversion_value_micro)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS attributions_conversion_date_idx`.execute(db);
  await sql`ALTER TABLE attributions DROP COLUMN conversion_date, DROP COLUMN conversion_value_micro`.execute(db);
  await sql`DROP INDEX IF EXISTS metrics_cumulative_date_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS metrics_cumulative`.execute(db);
}
