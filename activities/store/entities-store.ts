import type { Kysely } from 'kysely';
import type { Ad, AdGroup, Campaign } from '../pinterest/entities';
import type { Database } from './database-schema';

/** Upserts campaigns by (ad account, campaign id); a re-sync overwrites, never duplicates. */
export async function upsertCampaigns(db: Kysely<Database>, adAccountId: string, campaigns: Campaign[], now: Date) {
  if (campaigns.length === 0) return;
  await db
    .insertInto('campaigns')
    .values(
      campaigns.map((c) => ({
        ad_account_id: adAccountId,
        campaign_id: c.id,
        name: c.name ?? '',
        status: c.status,
        objective_type: c.objective_type ?? null,
        raw: JSON.stringify(c),
        synced_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['ad_account_id', 'campaign_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        status: eb.ref('excluded.status'),
        objective_type: eb.ref('excluded.objective_type'),
        raw: eb.ref('excluded.raw'),
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .execute();
}

/** Upserts ad groups by (ad account, ad group id). */
export async function upsertAdGroups(db: Kysely<Database>, adAccountId: string, adGroups: AdGroup[], now: Date) {
  if (adGroups.length === 0) return;
  await db
    .insertInto('ad_groups')
    .values(
      adGroups.map((g) => ({
        ad_account_id: adAccountId,
        ad_group_id: g.id,
        campaign_id: g.campaign_id,
        name: g.name ?? '',
        status: g.status,
        raw: JSON.stringify(g),
        synced_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['ad_account_id', 'ad_group_id']).doUpdateSet((eb) => ({
        campaign_id: eb.ref('excluded.campaign_id'),
        name: eb.ref('excluded.name'),
        status: eb.ref('excluded.status'),
        raw: eb.ref('excluded.raw'),
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .execute();
}

/** Upserts ads by (ad account, ad id), keeping `pin_id` as a string. */
export async function upsertAds(db: Kysely<Database>, adAccountId: string, ads: Ad[], now: Date) {
  if (ads.length === 0) return;
  await db
    .insertInto('ads')
    .values(
      ads.map((a) => ({
        ad_account_id: adAccountId,
        ad_id: a.id,
        ad_group_id: a.ad_group_id,
        campaign_id: a.campaign_id,
        pin_id: a.pin_id ?? null,
        creative_type: a.creative_type ?? null,
        name: a.name ?? null,
        status: a.status,
        raw: JSON.stringify(a),
        synced_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['ad_account_id', 'ad_id']).doUpdateSet((eb) => ({
        ad_group_id: eb.ref('excluded.ad_group_id'),
        campaign_id: eb.ref('excluded.campaign_id'),
        pin_id: eb.ref('excluded.pin_id'),
        creative_type: eb.ref('excluded.creative_type'),
        name: eb.ref('excluded.name'),
        status: eb.ref('excluded.status'),
        raw: eb.ref('excluded.raw'),
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .execute();
}

/** Ids of every synced ad of an account, in a stable order. */
export async function listAdIds(db: Kysely<Database>, adAccountId: string): Promise<string[]> {
  const rows = await db.selectFrom('ads').select('ad_id').where('ad_account_id', '=', adAccountId).orderBy('ad_id').execute();
  return rows.map((r) => r.ad_id);
}

/** The account's currency and timezone, as Pinterest reported them at connect. */
export async function getAdAccount(db: Kysely<Database>, adAccountId: string) {
  return db.selectFrom('ad_accounts').selectAll().where('ad_account_id', '=', adAccountId).executeTakeFirstOrThrow();
}
