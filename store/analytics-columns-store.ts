import type { Kysely } from 'kysely';
import { ANALYTICS_COLUMN_LEVELS, distinctColumns, type AnalyticsColumnLevel, type ExtraAnalyticsColumns } from '../domain/analytics-columns';
import type { Database } from './database-schema';

/**
 * The extra sync-analytics columns of one ad account, per level (`ad_account_analytics_columns`);
 * levels without any are absent. Names were checked against the spec's enum when saved.
 */
export async function extraAnalyticsColumns(db: Kysely<Database>, adAccountId: string): Promise<ExtraAnalyticsColumns> {
  const rows = await db.selectFrom('ad_account_analytics_columns').select(['level', 'columns']).where('ad_account_id', '=', adAccountId).execute();
  const extra: ExtraAnalyticsColumns = {};
  for (const level of ANALYTICS_COLUMN_LEVELS) {
    const columns = rows.find((row) => row.level === level)?.columns;
    if (columns && columns.length > 0) extra[level] = columns;
  }
  return extra;
}

/**
 * Sets the extra columns of one level, replacing that level's list (`[]` clears it); the names
 * must already be validated (`analyticsColumnsRequestSchema`). Idempotent.
 * @returns every level's extra columns now stored.
 */
export async function saveExtraAnalyticsColumns(
  db: Kysely<Database>,
  input: { adAccountId: string; level: AnalyticsColumnLevel; columns: string[]; now: Date },
): Promise<ExtraAnalyticsColumns> {
  const columns = JSON.stringify(distinctColumns(input.columns));
  await db
    .insertInto('ad_account_analytics_columns')
    .values({ ad_account_id: input.adAccountId, level: input.level, columns, updated_at: input.now })
    .onConflict((oc) => oc.columns(['ad_account_id', 'level']).doUpdateSet({ columns, updated_at: input.now }))
    .execute();
  return extraAnalyticsColumns(db, input.adAccountId);
}
