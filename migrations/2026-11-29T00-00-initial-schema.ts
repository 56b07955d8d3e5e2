import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pinterest_connections')
    .addColumn('connection_id', 'text', (c) => c.primaryKey())
    .addColumn('access_token_encrypted', 'text', (c) => c.notNull())
    .addColumn('refresh_token_encrypted', 'text', (c) => c.notNull())
    .addColumn('encryption_key_id', 'text', (c) => c.notNull())
    .addColumn('access_token_expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('refresh_token_expires_at', 'timestamptz')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('oauth_states')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('used_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('ad_accounts')
    .addColumn('ad_account_id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('pinterest_connections.connection_id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('connection_status', 'text', (c) => c.notNull().defaultTo('connected'))
    .addColumn('click_window_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('engagement_window_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('view_window_days', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('conversion_report_time', 'text', (c) => c.notNull().defaultTo('TIME_OF_AD_ACTION'))
    .addColumn('connected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_successful_pull_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('objective_type', 'text')
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaigns_pk', ['ad_account_id', 'campaign_id'])
    .execute();

  await db.schema
    .createTable('ad_groups')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('ad_group_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('ad_groups_pk', ['ad_account_id', 'ad_group_id'])
    .execute();

  await db.schema
    .createTable('ads')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('ad_id', 'text', (c) => c.notNull())
    .addColumn('ad_group_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('pin_id', 'text')
    .addColumn('creative_type', 'text')
    .addColumn('name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('ads_pk', ['ad_account_id', 'ad_id'])
    .execute();
  await db.schema.createIndex('ads_pin_idx').on('ads').columns(['ad_account_id', 'pin_id']).execute();

  await db.schema
    .createTable('metrics_daily')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('click_window_days', 'integer', (c) => c.notNull())
    .addColumn('engagement_window_days', 'integer', (c) => c.notNull())
    .addColumn('view_window_days', 'integer', (c) => c.notNull())
    .addColumn('conversion_report_time', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('spend_micro', 'bigint', (c) => c.notNull())
    .addColumn('impressions', 'bigint', (c) => c.notNull())
    .addColumn('saves', 'bigint', (c) => c.notNull())
    .addColumn('pin_clicks', 'bigint', (c) => c.notNull())
    .addColumn('outbound_clicks', 'bigint', (c) => c.notNull())
    .addColumn('is_partial', 'boolean', (c) => c.notNull())
    .addColumn('columns', 'jsonb', (c) => c.notNull())
    .addColumn('pulled_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('metrics_daily_pk', [
      'ad_account_id',
      'level',
      'entity_id',
      'date',
      'click_window_days',
      'engagement_window_days',
      'view_window_days',
      'conversion_report_time',
    ])
    .execute();

  await db.schema
    .createTable('touchpoints')
    .addColumn('touchpoint_id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('click_id', 'text')
    .addColumn('campaign_id', 'text')
    .addColumn('ad_group_id', 'text')
    .addColumn('ad_id', 'text')
    .addColumn('pin_id', 'text')
    .addColumn('user_data', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('touchpoints_dedupe', ['ad_account_id', 'dedupe_key'])
    .execute();
  await db.schema.createIndex('touchpoints_click_idx').on('touchpoints').columns(['ad_account_id', 'click_id']).execute();

  await db.schema
    .createTable('conversions')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('event_time', 'timestamptz', (c) => c.notNull())
    .addColumn('action_source', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric')
    .addColumn('currency', 'text')
    .addColumn('order_id', 'text')
    .addColumn('click_id', 'text')
    .addColumn('user_data', 'jsonb', (c) => c.notNull())
    .addColumn('attribution_state', 'text', (c) => c.notNull())
    .addColumn('hold_until', 'timestamptz', (c) => c.notNull())
    .addColumn('capi_state', 'text', (c) => c.notNull().defaultTo('unsent'))
    .addColumn('capi_attempted_at', 'timestamptz')
    .addColumn('capi_result', 'jsonb')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('conversions_pk', ['ad_account_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('conversions_pending_idx')
    .on('conversions')
    .columns(['ad_account_id', 'attribution_state', 'hold_until'])
    .execute();
  await db.schema
    .createIndex('conversions_capi_idx')
    .on('conversions')
    .columns(['ad_account_id', 'capi_state'])
    .execute();

  await db.schema
    .createTable('attributions')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('touchpoint_id', 'bigint', (c) => c.notNull().references('touchpoints.touchpoint_id'))
    .addColumn('touch_type', 'text', (c) => c.notNull())
    .addColumn('match_key', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text')
    .addColumn('ad_group_id', 'text')
    .addColumn('ad_id', 'text')
    .addColumn('pin_id', 'text')
    .addColumn('lag_seconds', 'bigint', (c) => c.notNull())
    .addColumn('attributed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('attributions_pk', ['ad_account_id', 'event_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'attributions',
    'conversions',
    'touchpoints',
    'metrics_daily',
    'ads',
    'ad_groups',
    'campaigns',
    'ad_accounts',
    'oauth_states',
    'pinterest_connections',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
