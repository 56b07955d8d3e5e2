import type { Kysely } from 'kysely';
import type { MetricLevel } from '../pinterest/analytics';
import type { Ad, AdGroup, Campaign, Pin } from '../pinterest/entities';
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
        is_performance_plus: c.is_performance_plus ?? null,
        raw: JSON.stringify(c),
        synced_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['ad_account_id', 'campaign_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        status: eb.ref('excluded.status'),
        objective_type: eb.ref('excluded.objective_type'),
        is_performance_plus: eb.ref('excluded.is_performance_plus'),
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

/** Ids of every synced entity of one level of an account, in a stable order. */
export async function listEntityIds(db: Kysely<Database>, adAccountId: string, level: MetricLevel): Promise<string[]> {
  const rows =
    level === 'ad'
      ? await db.selectFrom('ads').select('ad_id as id').where('ad_account_id', '=', adAccountId).orderBy('ad_id').execute()
      : level === 'ad_group'
        ? await db.selectFrom('ad_groups').select('ad_group_id as id').where('ad_account_id', '=', adAccountId).orderBy('ad_group_id').execute()
        : await db.selectFrom('campaigns').select('campaign_id as id').where('ad_account_id', '=', adAccountId).orderBy('campaign_id').execute();
  return rows.map((r) => r.id);
}

/** Pin ids of the account's ads whose pin metadata is not stored yet. */
export async function pinsWithoutMetadata(db: Kysely<Database>, adAccountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('ads')
    .leftJoin('pins', (join) => join.onRef('pins.pin_id', '=', 'ads.pin_id').onRef('pins.ad_account_id', '=', 'ads.ad_account_id'))
    .select('ads.pin_id')
    .distinct()
    .where('ads.ad_account_id', '=', adAccountId)
    .where('ads.pin_id', 'is not', null)
    .where('pins.pin_id', 'is', null)
    .orderBy('ads.pin_id')
    .execute();
  return rows.map((r) => r.pin_id!);
}

/** Upserts promoted pins' metadata by (ad account, pin id). */
export async function upsertPins(db: Kysely<Database>, adAccountId: string, pins: Pin[], now: Date) {
  if (pins.length === 0) return;
  await db
    .insertInto('pins')
    .values(
      pins.map((p) => ({
        ad_account_id: adAccountId,
        pin_id: p.id,
        title: p.title ?? null,
        description: p.description ?? null,
        link: p.link ?? null,
        media_type: p.media?.media_type ?? null,
        creative_type: p.creative_type ?? null,
        raw: JSON.stringify(p),
        synced_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['ad_account_id', 'pin_id']).doUpdateSet((eb) => ({
        title: eb.ref('excluded.title'),
        description: eb.ref('excluded.description'),
        link: eb.ref('excluded.link'),
        media_type: eb.ref('excluded.media_type'),
        creative_type: eb.ref('excluded.creative_type'),
        raw: eb.ref('excluded.raw'),
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .execute();
}

/** The account's currency and timezone, as Pinterest reported them at connect. */
export async function getAdAccount(db: Kysely<Database>, adAccountId: string) {
  return db.selectFrom('ad_accounts').selectAll().where('ad_account_id', '=', adAccountId).executeTakeFirstOrThrow();
}
