import { sql, type Kysely } from 'kysely';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { AnalyticsRow, MetricLevel } from '../pinterest/analytics';
import { copyUpsert, inCopySession } from './copy-upsert';
import type { Database } from './database-schema';

/** Rows per INSERT statement. */
const UPSERT_ROWS = 1000;

const integer = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0);
const sum = (...values: unknown[]) => values.reduce<number>((total, value) => total + integer(value), 0);

/** Typed columns of `metrics_daily` and the Pinterest columns each is read from. */
function typedColumns(c: Record<string, unknown>) {
  return {
    spend_micro: integer(c.SPEND_IN_MICRO_DOLLAR),
    impressions: integer(c.PAID_IMPRESSION ?? c.IMPRESSION_1),
    earned_impressions: integer(c.IMPRESSION_2),
    saves: sum(c.REPIN_1, c.REPIN_2),
    pin_clicks: integer(c.TOTAL_CLICKTHROUGH ?? sum(c.CLICKTHROUGH_1, c.CLICKTHROUGH_2)),
    outbound_clicks: sum(c.OUTBOUND_CLICK_1, c.OUTBOUND_CLICK_2),
    engagements: integer(c.TOTAL_ENGAGEMENT ?? sum(c.ENGAGEMENT_1, c.ENGAGEMENT_2)),
    video_mrc_views: integer(c.TOTAL_VIDEO_MRC_VIEWS ?? sum(c.VIDEO_MRC_VIEWS_1, c.VIDEO_MRC_VIEWS_2)),
    video_3s_views: integer(c.TOTAL_VIDEO_3SEC_VIEWS),
    video_p100_complete: integer(c.TOTAL_VIDEO_P100_COMPLETE),
    idea_pin_product_tag_visits: integer(c.TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT),
    pinterest_conversions: integer(c.TOTAL_CONVERSIONS),
    checkouts: integer(c.TOTAL_CHECKOUT),
    checkout_value_micro: integer(c.TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR),
    click_checkouts: integer(c.TOTAL_CLICK_CHECKOUT),
    engagement_checkouts: integer(c.TOTAL_ENGAGEMENT_CHECKOUT),
    view_checkouts: integer(c.TOTAL_VIEW_CHECKOUT),
    web_checkouts: integer(c.TOTAL_WEB_CHECKOUT),
  };
}

/**
 * Upserts daily metrics of one level, keyed by account, level, entity, date and the attribution
 * settings they were pulled under, so a repeated or retried pull overwrites instead of
 * double-counting. Money stays integer micro-currency beside the account's currency code; every
 * column Pinterest returned is kept in `columns`. A stored day whose values are unchanged keeps its
 * row (and its `pulled_at`: when the values last changed); running totals (`metrics_cumulative`)
 * are rewritten from each entity's earliest changed day and carried forward through today.
 * @returns the number of rows upserted (changed or not).
 */
export async function upsertMetrics(
  db: Kysely<Database>,
  input: {
    adAccountId: string;
    level: MetricLevel;
    currency: string;
    settings: AttributionSettings;
    rows: AnalyticsRow[];
    /** Every entity asked about: their running totals are carried through today even without rows. */
    entityIds?: string[];
    /** Account-timezone date of today: its row is marked partial. */
    today: string;
    now: Date;
  },
): Promise<number> {
  if (input.rows.length === 0 && !input.entityIds?.length) return 0;
  const values = input.rows.map((row) => ({
    ad_account_id: input.adAccountId,
    level: input.level,
    entity_id: row.entity_id,
    date: row.date,
    ...input.settings,
    currency: input.currency,
    ...typedColumns(row.columns),
    is_partial: row.date >= input.today,
    columns: JSON.stringify(row.columns),
    pulled_at: input.now,
  }));
  const keyColumns = ['ad_account_id', 'level', 'entity_id', 'date', 'click_window_days', 'engagement_window_days', 'view_window_days', 'conversion_report_time'];
  const updated = Object.keys(values[0] ?? {}).filter((column) => !keyColumns.includes(column)) as Array<keyof (typeof values)[number]>;
  // A row whose values are all as stored (pulled_at aside) is left alone: re-pulls of unchanged days write nothing.
  const compared = updated.filter((column) => column !== 'pulled_at');
  const entityIds = [...new Set([...(input.entityIds ?? []), ...values.map((v) => v.entity_id)])];
  await inCopySession(db, async (trx, client) => {
    let written: Array<{ entity_id: string; date: string }> = [];
    if (client) {
      // On a PostgreSQL server: COPYed straight into the table while its days are new (a first pull,
      // a backfill), else staged through COPY and merged by one INSERT ... SELECT ... ON CONFLICT
      // (`npm run bench -- pull`).
      const result = await copyUpsert(client, { table: 'metrics_daily', rows: values, keyColumns, unchangedIgnoring: ['pulled_at'], straightCopyFirst: true, returning: ['entity_id', 'date'] });
      written = result.written as typeof written;
    } else {
      // PostgreSQL takes at most 65,535 bind parameters per statement: ~33 columns × 1,000 rows stays under.
      for (let i = 0; i < values.length; i += UPSERT_ROWS) {
        written.push(
          ...(await trx
            .insertInto('metrics_daily')
            .values(values.slice(i, i + UPSERT_ROWS))
            .onConflict((oc) =>
              oc
                .columns(keyColumns as never)
                .doUpdateSet((eb) => Object.fromEntries(updated.map((column) => [column, eb.ref(`excluded.${column}` as never)])))
                .where(sql<boolean>`(${sql.join(compared.map((c) => sql.ref(`metrics_daily.${c}`)))}) IS DISTINCT FROM (${sql.join(compared.map((c) => sql.ref(`excluded.${c}`)))})`),
            )
            .returning(['entity_id', 'date'])
            .execute()),
        );
      }
    }
    // Running totals: entities with a written day are rewritten from their earliest one; the others
    // are only carried forward through today.
    const changedIds = new Set(written.map((row) => row.entity_id));
    const changedFrom = written.reduce((min, row) => (row.date < min ? row.date : min), input.today);
    const unchangedIds = entityIds.filter((id) => !changedIds.has(id));
    for (const [ids, from] of [[[...changedIds], changedFrom], [unchangedIds, input.today]] as const) {
      for (let i = 0; i < ids.length; i += UPSERT_ROWS) {
        await refreshCumulativeMetrics(trx, { adAccountId: input.adAccountId, level: input.level, settings: input.settings, entityIds: ids.slice(i, i + UPSERT_ROWS), from, through: input.today });
      }
    }
  });
  return values.length;
}

/** `alias`'s account, level and attribution settings equal these. */
function settingsMatch(alias: string, input: { adAccountId: string; level: string; settings: AttributionSettings }) {
  const s = input.settings;
  return sql`${sql.ref(`${alias}.ad_account_id`)} = ${input.adAccountId} AND ${sql.ref(`${alias}.level`)} = ${input.level}
    AND ${sql.ref(`${alias}.click_window_days`)} = ${s.click_window_days} AND ${sql.ref(`${alias}.engagement_window_days`)} = ${s.engagement_window_days}
    AND ${sql.ref(`${alias}.view_window_days`)} = ${s.view_window_days} AND ${sql.ref(`${alias}.conversion_report_time`)} = ${s.conversion_report_time}`;
}

/** The report columns kept as running totals in `metrics_cumulative`. */
export const CUMULATIVE_COLUMNS = ['spend_micro', 'impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'pinterest_conversions', 'checkout_value_micro', 'view_checkouts', 'engagement_checkouts'] as const;

/**
 * Rewrites the running totals of `metrics_cumulative` for these entities (one level and set of
 * attribution settings): one row per day from `from` (or from the day after the entity's last
 * total, when that is earlier, or from its first daily row when it has no total yet) through
 * `through`, days without a daily row adding 0. Dates are account-timezone `YYYY-MM-DD`. Daily rows
 * are only ever upserted, never deleted, so totals before `from` stay right.
 */
export async function refreshCumulativeMetrics(
  db: Kysely<Database>,
  input: { adAccountId: string; level: string; settings: AttributionSettings; entityIds: string[]; from: string; through: string },
): Promise<void> {
  if (input.entityIds.length === 0) return;
  const s = input.settings;
  const key = (alias: string) => settingsMatch(alias, input);
  const totals = (alias: string) => sql.join(CUMULATIVE_COLUMNS.map((c) => sql.ref(`${alias}.${c}`)));
  // Each entity's rows are read by its own primary-key range: LATERAL subqueries kept apart by
  // OFFSET 0 run once per entity with its id as a parameter, so even the stale statistics of a table
  // a first pull just filled cannot turn them into a scan of every entity of the account.
  await sql`
    WITH ids AS (SELECT DISTINCT unnest(${input.entityIds}::text[]) AS entity_id),
    base AS (
      SELECT ids.entity_id, b.date, ${totals('b')}
      FROM ids CROSS JOIN LATERAL (
        SELECT b.date, ${totals('b')} FROM metrics_cumulative b
        WHERE ${key('b')} AND b.entity_id = ids.entity_id AND b.date < ${input.from}::date
        ORDER BY b.date DESC LIMIT 1
      ) b
    ),
    spans AS (
      SELECT ids.entity_id,
             coalesce(base.date + 1, (SELECT min(f.date) FROM metrics_daily f WHERE ${key('f')} AND f.entity_id = ids.entity_id)) AS first_date
      FROM ids LEFT JOIN base ON base.entity_id = ids.entity_id
    ),
    daily AS MATERIALIZED (
      SELECT spans.entity_id, d.date, ${totals('d')}
      FROM spans CROSS JOIN LATERAL (
        SELECT d.date, ${totals('d')} FROM metrics_daily d
        WHERE ${key('d')} AND d.entity_id = spans.entity_id AND d.date >= spans.first_date
        OFFSET 0
      ) d
    )
    INSERT INTO metrics_cumulative (ad_account_id, level, click_window_days, engagement_window_days, view_window_days, conversion_report_time, entity_id, date, ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql.id(c)))})
    SELECT ${input.adAccountId}, ${input.level}, ${s.click_window_days}::int, ${s.engagement_window_days}::int, ${s.view_window_days}::int, ${s.conversion_report_time},
           spans.entity_id, g.day,
           ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql`coalesce(${sql.ref(`base.${c}`)}, 0) + sum(coalesce(${sql.ref(`d.${c}`)}, 0)) OVER w`))}
    FROM (SELECT * FROM spans WHERE first_date IS NOT NULL) spans
    CROSS JOIN LATERAL (SELECT day::date FROM generate_series(spans.first_date, greatest(${input.through}::date, spans.first_date), interval '1 day') AS day) AS g
    LEFT JOIN base ON base.entity_id = spans.entity_id
    LEFT JOIN daily d ON d.entity_id = spans.entity_id AND d.date = g.day
    WINDOW w AS (PARTITION BY spans.entity_id ORDER BY g.day)
    ON CONFLICT (ad_account_id, level, click_window_days, engagement_window_days, view_window_days, conversion_report_time, entity_id, date)
    DO UPDATE SET ${sql.join(CUMULATIVE_COLUMNS.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}
    WHERE (${sql.join(CUMULATIVE_COLUMNS.map((c) => sql.ref(`metrics_cumulative.${c}`)))}) IS DISTINCT FROM (${sql.join(CUMULATIVE_COLUMNS.map((c) => sql.ref(`excluded.${c}`)))})`.execute(db);
}
