import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// A channel-agnostic view: one row per channel, day and ad with spend (currency units), Routy-attributed
// conversions and revenue, and the attribution rule they were counted under. Another channel's
// integration can fill a view of the same shape, so Routy compares channels under the same rules.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE VIEW channel_performance AS
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
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP VIEW IF EXISTS channel_performance`.execute(db);
}
