import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Pinterest's view-through and engagement checkouts (TOTAL_VIEW_CHECKOUT, TOTAL_ENGAGEMENT_CHECKOUT,
// already typed in metrics_daily) get running totals too, so the performance report's
// reconciliation reads them with the other totals instead of summing daily rows. The running
// totals are recomputed from metrics_daily over each entity's dense series.
const KEY = ['ad_account_id', 'level', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time', 'entity_id'];
const ADDED = ['view_checkouts', 'engagement_checkouts'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE metrics_cumulative ${sql.join(ADDED.map((c) => sql`ADD COLUMN ${sql.id(c)} bigint NOT NULL DEFAULT 0`))}`.execute(db);
  await sql`
    UPDATE metrics_cumulative m
    SET ${sql.join(ADDED.map((c) => sql`${sql.id(c)} = ${sql.ref(`s.${c}`)}`))}
    FROM (
      SELECT ${sql.join(KEY.map((c) => sql.ref(`c.${c}`)))}, c.date,
             ${sql.join(ADDED.map((c) => sql`sum(coalesce(${sql.ref(`d.${c}`)}, 0)) OVER (PARTITION BY ${sql.join(KEY.map((k) => sql.ref(`c.${k}`)))} ORDER BY c.date) AS ${sql.id(c)}`))}
      FROM metrics_cumulative c
      LEFT JOIN metrics_daily d ON ${sql.join(KEY.map((k) => sql`${sql.ref(`d.${k}`)} = ${sql.ref(`c.${k}`)}`), sql` AND `)} AND d.date = c.date
    ) s
    WHERE ${sql.join(KEY.map((k) => sql`${sql.ref(`m.${k}`)} = ${sql.ref(`s.${k}`)}`), sql` AND `)} AND m.date = s.date
      AND (${sql.join(ADDED.map((c) => sql.ref(`s.${c}`)))}) IS DISTINCT FROM (0, 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE metrics_cumulative ${sql.join(ADDED.map((c) => sql`DROP COLUMN ${sql.id(c)}`))}`.execute(db);
}
