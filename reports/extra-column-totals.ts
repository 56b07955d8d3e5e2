import { sql, type Kysely, type Selectable } from 'kysely';
import { isAdditiveColumn } from '../domain/analytics-columns';
import type { AdAccountsTable, Database } from '../store/database-schema';
import { extraAnalyticsColumns } from '../store/analytics-columns-store';
import type { REPORT_LEVELS } from './entity-metrics';

/** An extra column's value over a report's range: a sum (number), the latest value of a rate or name, or null (none pulled). */
export type ExtraColumnValue = number | string | null;

/**
 * The account's extra sync-analytics columns of a report level (`pin` is ad level) and their
 * values per entity over [startDate, endDate] (account-timezone dates) under the account's
 * settings, read from `metrics_daily.columns`. Additive columns (isAdditiveColumn: counts,
 * micro-currency amounts, kept as Pinterest gives them) are summed over the days; rates, ratios,
 * ids and names take the value of the latest day with one. `columns` is empty when the account
 * added none at that level (then nothing is read).
 */
export async function extraColumnTotals(
  db: Kysely<Database>,
  account: Selectable<AdAccountsTable>,
  level: (typeof REPORT_LEVELS)[number],
  startDate: string,
  endDate: string,
): Promise<{ columns: string[]; byEntity: Map<string, Record<string, ExtraColumnValue>> }> {
  const metricLevel = level === 'pin' ? 'ad' : level;
  const columns = (await extraAnalyticsColumns(db, account.ad_account_id))[metricLevel] ?? [];
  const byEntity = new Map<string, Record<string, ExtraColumnValue>>();
  if (columns.length === 0) return { columns, byEntity };
  const { rows } = await sql<{ entity_id: string; key: string; total: string | null; latest: string | null }>`
    SELECT d.entity_id, c.key,
           sum((d.columns ->> c.key)::numeric) FILTER (WHERE jsonb_typeof(d.columns -> c.key) = 'number') AS total,
           (array_agg(d.columns ->> c.key ORDER BY d.date DESC))[1] AS latest
    FROM metrics_daily d
    CROSS JOIN unnest(${sql.val(columns)}::text[]) AS c(key)
    WHERE d.ad_account_id = ${account.ad_account_id} AND d.level = ${metricLevel}
      AND d.click_window_days = ${account.click_window_days} AND d.engagement_window_days = ${account.engagement_window_days}
      AND d.view_window_days = ${account.view_window_days} AND d.conversion_report_time = ${account.conversion_report_time}
      AND d.date >= ${startDate}::date AND d.date <= ${endDate}::date AND d.columns -> c.key IS NOT NULL
    GROUP BY d.entity_id, c.key`.execute(db);
  for (const row of rows) {
    const values = byEntity.get(row.entity_id) ?? Object.fromEntries(columns.map((column) => [column, null]));
    // Ids and names stay strings (an 18-digit pin id is past a JS number's precision); other
    // numbers become numbers only when no digit is lost.
    const numeric = row.latest !== null && !/(_ID|NAME)$/.test(row.key) && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(row.latest) ? Number(row.latest) : null;
    const latest = numeric !== null && (!/^-?\d+$/.test(row.latest!) || Number.isSafeInteger(numeric)) ? numeric : row.latest;
    values[row.key] = isAdditiveColumn(row.key) ? (row.total === null ? null : Number(row.total)) : latest;
    byEntity.set(row.entity_id, values);
  }
  return { columns, byEntity };
}
