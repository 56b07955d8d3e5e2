import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// CPA alerts: an ad account's target cost per conversion (`cpa_targets`: the account's, entity_id
// '', and per campaign or pin (ad) overrides, in micro-currency of the account's currency), and one
// `cpa_alerts` row per crossing (a pin or campaign whose 30-day and 7-day costs per conversion lie
// on different sides of its target). One open alert (cleared_at null) per account, level, entity and
// direction; a new row only after it cleared and crossed again. `delivered_at`: the webhook took it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cpa_targets')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('target_micro', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('cpa_targets_pk', ['ad_account_id', 'level', 'entity_id'])
    .addCheckConstraint('cpa_targets_level', sql`level IN ('account', 'campaign', 'pin')`)
    .addCheckConstraint('cpa_targets_positive', sql`target_micro > 0`)
    .execute();
  await db.schema
    .createTable('cpa_alerts')
    .addColumn('alert_id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('pin_id', 'text')
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('target', 'numeric', (c) => c.notNull())
    .addColumn('cpa_30d', 'numeric')
    .addColumn('cpa_7d', 'numeric')
    .addColumn('spend', 'numeric', (c) => c.notNull())
    .addColumn('conversions_30d', 'integer', (c) => c.notNull())
    .addColumn('conversions_7d', 'integer', (c) => c.notNull())
    .addColumn('start_date', 'text', (c) => c.notNull())
    .addColumn('end_date', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('cleared_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addCheckConstraint('cpa_alerts_level', sql`level IN ('campaign', 'pin')`)
    .addCheckConstraint('cpa_alerts_direction', sql`direction IN ('pays_back_long', 'misses_long')`)
    .execute();
  await sql`CREATE UNIQUE INDEX cpa_alerts_open ON cpa_alerts (ad_account_id, level, entity_id, direction) WHERE cleared_at IS NULL`.execute(db);
  await sql`CREATE INDEX cpa_alerts_undelivered ON cpa_alerts (ad_account_id, alert_id) WHERE delivered_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('cpa_alerts').ifExists().execute();
  await db.schema.dropTable('cpa_targets').ifExists().execute();
}
