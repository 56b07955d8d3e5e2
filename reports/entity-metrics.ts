import { sql, type Kysely, type Selectable } from 'kysely';
import type { AdAccountsTable, Database } from '../store/database-schema';
import { CUMULATIVE_COLUMNS } from '../store/metrics-store';
import { columnarRows } from './columnar-rows';

/** Report levels: `pin` is ad level, labelled with its pin. */
export const REPORT_LEVELS = ['campaign', 'ad_group', 'pin'] as const;

/**
 * Every campaign, ad group or ad (with its pin's title, and its campaign's `objective_type` and
 * `is_performance_plus`) of the account, with its metric totals over
 * [startDate, endDate] under the account's settings, from `metrics_cumulative`: the running total
 * on endDate minus the one on the day before startDate, both found by date equality (series are
 * dense); an entity whose series ends earlier falls back to its latest total. Totals are null
 * where the entity has no series reaching into the range. Micro-currency stays micro-currency.
 * Totals come as JavaScript numbers (float8: exact below 2^53, about 9 billion currency units in
 * micro-currency), so thousands of rows are not thousands of strings to parse and collect.
 */
export async function entityMetrics<C extends (typeof CUMULATIVE_COLUMNS)[number]>(
  db: Kysely<Database>,
  account: Selectable<AdAccountsTable>,
  level: (typeof REPORT_LEVELS)[number],
  startDate: string,
  endDate: string,
  /** The totals to read, of CUMULATIVE_COLUMNS. */
  totals: readonly C[],
) {
  const entities =
    level === 'campaign'
      ? sql`SELECT campaign_id AS id, coalesce(name, '') AS name, null::text AS pin_id, objective_type, is_performance_plus FROM campaigns WHERE ad_account_id = ${account.ad_account_id}`
      : level === 'ad_group'
        ? sql`SELECT g.ad_group_id AS id, coalesce(g.name, '') AS name, null::text AS pin_id, c.objective_type, c.is_performance_plus
              FROM ad_groups g LEFT JOIN campaigns c ON c.ad_account_id = g.ad_account_id AND c.campaign_id = g.campaign_id
              WHERE g.ad_account_id = ${account.ad_account_id}`
        : sql`SELECT ads.ad_id AS id, coalesce(pins.title, ads.name, '') AS name, ads.pin_id, c.objective_type, c.is_performance_plus
              FROM ads LEFT JOIN pins ON pins.pin_id = ads.pin_id AND pins.ad_account_id = ads.ad_account_id
              LEFT JOIN campaigns c ON c.ad_account_id = ads.ad_account_id AND c.campaign_id = ads.campaign_id
              WHERE ads.ad_account_id = ${account.ad_account_id}`;
  const series = (alias: string) => sql`${sql.ref(`${alias}.ad_account_id`)} = ${account.ad_account_id} AND ${sql.ref(`${alias}.level`)} = ${level === 'pin' ? 'ad' : level}
      AND ${sql.ref(`${alias}.click_window_days`)} = ${account.click_window_days} AND ${sql.ref(`${alias}.engagement_window_days`)} = ${account.engagement_window_days}
      AND ${sql.ref(`${alias}.view_window_days`)} = ${account.view_window_days} AND ${sql.ref(`${alias}.conversion_report_time`)} = ${account.conversion_report_time}`;
  const onDate = (alias: string, date: ReturnType<typeof sql>) => sql`
    SELECT ${sql.ref(`${alias}.entity_id`)}, ${sql.ref(`${alias}.date`)}, ${sql.join(totals.map((c) => sql.ref(`${alias}.${c}`)))}
    FROM metrics_cumulative ${sql.id(alias)} WHERE ${series(alias)} AND ${sql.ref(`${alias}.date`)} = ${date}`;
  // Only for entities without a row on the date (series that stopped earlier).
  const latestBefore = (exact: string, comparison: ReturnType<typeof sql>) => sql`
    SELECT m.date, ${sql.join(totals.map((c) => sql.ref(`m.${c}`)))}
    FROM metrics_cumulative m
    WHERE ${sql.ref(`${exact}.entity_id`)} IS NULL AND ${series('m')} AND m.entity_id = e.id AND ${comparison}
    ORDER BY m.date DESC LIMIT 1`;
  // Column by column (columnarRows): 5,000 ads are 5,000 rows of up to 16 fields.
  return columnarRows<{ id: string; name: string; pin_id: string | null; objective_type: string | null; is_performance_plus: boolean | null } & Record<C, number | null>>(
    db,
    ['id', 'name', 'pin_id', 'objective_type', 'is_performance_plus', ...totals],
    sql`
    SELECT e.id, e.name, e.pin_id, e.objective_type, e.is_performance_plus,
           ${sql.join(
             totals.map(
               (c) => sql`(CASE WHEN coalesce(hx.date, hl.date) >= ${startDate}::date
                            THEN coalesce(${sql.ref(`hx.${c}`)}, ${sql.ref(`hl.${c}`)}) - coalesce(${sql.ref(`lx.${c}`)}, ${sql.ref(`ll.${c}`)}, 0) END)::float8 AS ${sql.id(c)}`,
             ),
           )}
    FROM (${entities}) e
    LEFT JOIN (${onDate('hx', sql`${endDate}::date`)}) hx ON hx.entity_id = e.id
    LEFT JOIN LATERAL (${latestBefore('hx', sql`m.date <= ${endDate}::date`)}) hl ON true
    LEFT JOIN (${onDate('lx', sql`${startDate}::date - 1`)}) lx ON lx.entity_id = e.id
    LEFT JOIN LATERAL (${latestBefore('lx', sql`m.date < ${startDate}::date`)}) ll ON true`,
  );
}

/**
 * The key reports group attributions by at one level: the entity id of that level (`column`),
 * else `ad:<ad id>`, else `pin:<pin id>` (the touchpoint carried only a pin), else '' (it carried
 * neither). An SQL expression over `attributions` (alias `a`).
 */
export const attributionKey = (column: 'campaign_id' | 'ad_group_id' | 'ad_id' | 'pin_id', alias = 'a') =>
  sql<string>`coalesce(${sql.ref(`${alias}.${column}`)}, 'ad:' || ${sql.ref(`${alias}.ad_id`)}, 'pin:' || ${sql.ref(`${alias}.pin_id`)}, '')`;

/**
 * The id, name and pin of a report row for an attribution key (see attributionKey) that names
 * no synced entity: "ad <id>, not synced yet", "pin <id>, not synced yet", "<level> <id>, not
 * synced yet" for an entity id the touchpoint carried, or the touchpoint without any id.
 */
export function unsyncedEntity(key: string, levelWord: string, pinId: string | null): { id: string; name: string; pin_id: string | null } {
  if (key.startsWith('ad:')) return { id: key.slice(3), name: `ad ${key.slice(3)}, not synced yet`, pin_id: pinId };
  if (key.startsWith('pin:')) return { id: key.slice(4), name: `pin ${key.slice(4)}, not synced yet`, pin_id: key.slice(4) };
  if (key === '') return { id: '', name: 'touchpoint without campaign, ad or pin id', pin_id: null };
  return { id: key, name: `${levelWord} ${key}, not synced yet`, pin_id: pinId };
}
