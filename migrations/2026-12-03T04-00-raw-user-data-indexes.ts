import { type Kysely, sql } from 'kysely';

// Frozen in time: this file must never import application code.
// Raw user data (IP address, user agent, partner_id) is deleted from conversions and touchpoints
// once no Conversions API post can need it; the sweep finds the rows still holding some by these
// partial indexes (by event time / occurrence), not by scanning an account's rows. The predicate
// must stay the one the sweep queries with.
const RAW = sql.raw(`ARRAY['client_ip_address', 'client_user_agent', 'partner_id']::text[]`);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX conversions_raw_user_data_idx ON conversions (ad_account_id, event_time) WHERE user_data ?| ${RAW}`.execute(db);
  await sql`CREATE INDEX touchpoints_raw_user_data_idx ON touchpoints (ad_account_id, occurred_at) WHERE user_data ?| ${RAW}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS touchpoints_raw_user_data_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS conversions_raw_user_data_idx`.execute(db);
}
