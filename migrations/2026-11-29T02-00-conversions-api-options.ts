import type { Kysely } from 'kysely';

// Frozen in time: this file must never import application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ad_accounts').addColumn('capi_test_mode', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable('ad_accounts').addColumn('conversion_token_encrypted', 'text').execute();
  await db.schema.alterTable('conversions').addColumn('custom_data', 'jsonb').execute();
  await db.schema.alterTable('conversions').addColumn('opt_out', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable('conversions').addColumn('event_source_url', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['event_source_url', 'opt_out', 'custom_data']) await db.schema.alterTable('conversions').dropColumn(column).execute();
  for (const column of ['conversion_token_encrypted', 'capi_test_mode']) await db.schema.alterTable('ad_accounts').dropColumn(column).execute();
}
