import { sql, type Kysely } from 'kysely';
import type { AttributionSettings } from '../../workflows/messages';
import type { TouchpointRecord, TouchpointType } from '../../client/routy-schemas';
import {
  chooseAttribution,
  IDENTIFIER_KEYS,
  longestWindowDays,
  type IdentifierKey,
} from '../attribution';
import type { Database } from './database-schema';

const identifiersOf = (userData: Record<string, unknown>): Partial<Record<IdentifierKey, string>> => {
  const out: Partial<Record<IdentifierKey, string>> = {};
  for (const key of IDENTIFIER_KEYS) {
    const value = userData[key];
    if (typeof value === 'string' && value) out[key] = value;
  }
  return out;
};

/**
 * Attributes the given pending conversions where a touchpoint qualifies, writing one attribution
 * row each (campaign, ad group, ad and pin completed from the synced entities) and moving them to
 * `matched`. Conversions already matched or expired are left alone.
 * @returns the event ids that were matched now.
 */
export async function attributeConversions(
  db: Kysely<Database>,
  adAccountId: string,
  eventIds: string[],
  settings: AttributionSettings,
): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const lookbackMs = longestWindowDays(settings) * 86_400_000;
  const conversions = await db
    .selectFrom('conversions')
    .select(['event_id', 'event_time', 'click_id', 'user_data'])
    .where('ad_account_id', '=', adAccountId)
    .where('event_id', 'in', eventIds)
    .where('attribution_state', '=', 'pending')
    .execute();
  const matched: string[] = [];
  for (const conversion of conversions) {
    const identifiers = identifiersOf(conversion.user_data);
    const candidates = await db
      .selectFrom('touchpoints')
      .select(['touchpoint_id', 'type', 'occurred_at', 'click_id', 'user_data'])
      .where('ad_account_id', '=', adAccountId)
      .where('occurred_at', '<=', conversion.event_time)
      .where('occurred_at', '>=', new Date(conversion.event_time.getTime() - lookbackMs))
      .where((eb) =>
        eb.or([
          ...(conversion.click_id ? [eb('click_id', '=', conversion.click_id)] : []),
          ...Object.entries(identifiers).map(([key, value]) => eb(sql<string>`user_data->>${key}`, '=', value)),
        ]),
      )
      .execute();
    const decision = chooseAttribution(
      { event_time_ms: conversion.event_time.getTime(), click_id: conversion.click_id, identifiers },
      candidates.map((t) => ({
        touchpoint_id: t.touchpoint_id,
        type: t.type as TouchpointType,
        occurred_at_ms: t.occurred_at.getTime(),
        click_id: t.click_id,
        identifiers: identifiersOf(t.user_data),
      })),
      settings,
    );
    if (!decision) continue;
    const placement = await resolvePlacement(db, adAccountId, decision.touchpoint_id);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('attributions')
        .values({ ad_account_id: adAccountId, event_id: conversion.event_id, ...decision, ...placement })
        .onConflict((oc) => oc.columns(['ad_account_id', 'event_id']).doNothing())
        .execute();
      await trx
        .updateTable('conversions')
        .set({ attribution_state: 'matched' })
        .where('ad_account_id', '=', adAccountId)
        .where('event_id', '=', conversion.event_id)
        .where('attribution_state', '=', 'pending')
        .execute();
    });
    matched.push(conversion.event_id);
  }
  return matched;
}

/**
 * Campaign, ad group, ad and pin of a touchpoint: what its landing URL carried, the rest looked
 * up from synced ads (by ad id, else by pin id) and ad groups.
 */
async function resolvePlacement(db: Kysely<Database>, adAccountId: string, touchpointId: string) {
  const t = await db
    .selectFrom('touchpoints')
    .select(['campaign_id', 'ad_group_id', 'ad_id', 'pin_id'])
    .where('touchpoint_id', '=', touchpointId as never)
    .executeTakeFirstOrThrow();
  let ad =
    t.ad_id !== null
      ? await db.selectFrom('ads').selectAll().where('ad_account_id', '=', adAccountId).where('ad_id', '=', t.ad_id).executeTakeFirst()
      : undefined;
  if (!ad && t.pin_id !== null) {
    let query = db.selectFrom('ads').selectAll().where('ad_account_id', '=', adAccountId).where('pin_id', '=', t.pin_id);
    if (t.ad_group_id) query = query.where('ad_group_id', '=', t.ad_group_id);
    ad = await query.orderBy('ad_id').executeTakeFirst();
  }
  let campaignId = t.campaign_id ?? ad?.campaign_id ?? null;
  const adGroupId = t.ad_group_id ?? ad?.ad_group_id ?? null;
  if (!campaignId && adGroupId) {
    const group = await db
      .selectFrom('ad_groups')
      .select('campaign_id')
      .where('ad_account_id', '=', adAccountId)
      .where('ad_group_id', '=', adGroupId)
      .executeTakeFirst();
    campaignId = group?.campaign_id ?? null;
  }
  return { campaign_id: campaignId, ad_group_id: adGroupId, ad_id: t.ad_id ?? ad?.ad_id ?? null, pin_id: t.pin_id ?? ad?.pin_id ?? null };
}

/** Pending conversions of the account that the new touchpoints could match (same click id or identifier). */
export async function pendingConversionsTouchedBy(
  db: Kysely<Database>,
  adAccountId: string,
  touchpoints: TouchpointRecord[],
): Promise<string[]> {
  const clickIds = [...new Set(touchpoints.flatMap((t) => (t.click_id ? [t.click_id] : [])))];
  const byKey = new Map<IdentifierKey, Set<string>>();
  for (const t of touchpoints) {
    for (const [key, value] of Object.entries(identifiersOf(t.user_data)) as [IdentifierKey, string][]) {
      if (!byKey.has(key)) byKey.set(key, new Set());
      byKey.get(key)!.add(value);
    }
  }
  if (clickIds.length === 0 && byKey.size === 0) return [];
  const rows = await db
    .selectFrom('conversions')
    .select('event_id')
    .where('ad_account_id', '=', adAccountId)
    .where('attribution_state', '=', 'pending')
    .where((eb) =>
      eb.or([
        ...(clickIds.length ? [eb('click_id', 'in', clickIds)] : []),
        ...[...byKey].map(([key, values]) => eb(sql<string>`user_data->>${key}`, 'in', [...values])),
      ] as never),
    )
    .execute();
  return rows.map((r) => r.event_id);
}
