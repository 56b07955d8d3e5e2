import { sql, type Kysely } from 'kysely';
import { decimalToMicro } from '../domain/money';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { TouchpointRecord, TouchpointType } from '../domain/routy-records';
import {
  chooseAttribution,
  IDENTIFIER_KEYS,
  longestWindowDays,
  type AttributionDecision,
  type IdentifierKey,
} from '../domain/attribution-rules';
import type { Database } from './database-schema';
import { dateInTimeZone } from '../domain/dates';
import type { StoredCustomData } from '../domain/capi-event';
import { productCredits } from '../domain/product-credits';

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
 * row each (campaign, ad group, ad and pin completed from the synced entities), one
 * `attribution_products` row per product it carried (domain/product-credits.ts), and moving them to
 * `matched`, all in one transaction. Conversions already matched or expired are left alone. Set-based: one query finds
 * every candidate of the batch through the click-id and identifier indexes; the rules pick.
 * @returns the event ids that were matched now.
 */
export async function attributeConversions(
  db: Kysely<Database>,
  adAccountId: string,
  eventIds: string[],
  settings: AttributionSettings,
): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const lookback = `${longestWindowDays(settings)} days`;
  // One equality join per key (click id, then each hashed identifier), unioned: each can use its
  // index or a hash join, where a single join on "a = b OR c = d ..." would scan.
  const keys = [
    (alias: string) => sql`${sql.ref(`${alias}.click_id`)}`,
    ...IDENTIFIER_KEYS.map((key) => (alias: string) => sql`(${sql.ref(`${alias}.user_data`)}->>${sql.lit(key)})`),
  ];
  const candidatesOn = (key: (typeof keys)[number]) => sql`
    SELECT c.event_id, c.event_time, c.value AS conversion_value, c.currency AS conversion_currency, c.event_name AS conversion_event_name, c.custom_data AS conversion_custom_data, c.click_id AS conversion_click_id, c.user_data AS conversion_user_data,
           t.touchpoint_id, t.type, t.occurred_at, t.click_id, t.user_data, t.campaign_id, t.ad_group_id, t.ad_id, t.pin_id
    FROM conversions c
    JOIN touchpoints t ON t.ad_account_id = c.ad_account_id AND ${key('t')} = ${key('c')}
     AND t.occurred_at <= c.event_time AND t.occurred_at >= c.event_time - ${lookback}::interval
    WHERE c.ad_account_id = ${adAccountId} AND c.event_id IN (${sql.join(eventIds)}) AND c.attribution_state = 'pending'`;
  const { rows } = await sql<{
    event_id: string;
    event_time: Date;
    conversion_value: string | null;
    conversion_currency: string | null;
    conversion_event_name: string;
    conversion_custom_data: StoredCustomData | null;
    conversion_click_id: string | null;
    conversion_user_data: Record<string, unknown>;
    touchpoint_id: string;
    type: string;
    occurred_at: Date;
    click_id: string | null;
    user_data: Record<string, unknown>;
    campaign_id: string | null;
    ad_group_id: string | null;
    ad_id: string | null;
    pin_id: string | null;
  }>`${sql.join(keys.map(candidatesOn), sql` UNION `)}`.execute(db);

  const byConversion = new Map<string, typeof rows>();
  for (const row of rows) byConversion.set(row.event_id, [...(byConversion.get(row.event_id) ?? []), row]);
  const winners: Array<{ event_id: string; decision: AttributionDecision; touchpoint: (typeof rows)[number] }> = [];
  for (const [eventId, candidates] of byConversion) {
    const first = candidates[0]!;
    const decision = chooseAttribution(
      { event_time_ms: new Date(first.event_time).getTime(), click_id: first.conversion_click_id, identifiers: identifiersOf(first.conversion_user_data) },
      candidates
        .map((t) => ({
          touchpoint_id: String(t.touchpoint_id),
          type: t.type as TouchpointType,
          occurred_at_ms: new Date(t.occurred_at).getTime(),
          click_id: t.click_id,
          identifiers: identifiersOf(t.user_data ?? {}),
        })),
      settings,
    );
    if (decision) winners.push({ event_id: eventId, decision, touchpoint: candidates.find((t) => String(t.touchpoint_id) === decision.touchpoint_id)! });
  }
  if (winners.length === 0) return [];

  const placements = await resolvePlacements(db, adAccountId, winners.map((w) => w.touchpoint));
  const account = await db.selectFrom('ad_accounts').select('time_zone').where('ad_account_id', '=', adAccountId).executeTakeFirst();
  const timeZone = account?.time_zone ?? 'UTC';
  const matchedIds = winners.map((w) => w.event_id);
  // Inside the caller's transaction when it gave one (the record pump's), else in one of its own.
  const inTransaction = <T>(work: (trx: Kysely<Database>) => Promise<T>) => (db.isTransaction ? work(db) : db.transaction().execute(work));
  await inTransaction(async (trx) => {
    for (let i = 0; i < winners.length; i += 1000) {
      await trx
        .insertInto('attributions')
        .values(
          winners.slice(i, i + 1000).map((w, j) => ({
            ad_account_id: adAccountId,
            event_id: w.event_id,
            ...w.decision,
            ...placements[i + j]!,
            conversion_date: dateInTimeZone(new Date(w.touchpoint.event_time), timeZone),
            conversion_value_micro: w.touchpoint.conversion_value === null ? null : decimalToMicro(w.touchpoint.conversion_value),
            conversion_currency: w.touchpoint.conversion_currency,
            conversion_event_name: w.touchpoint.conversion_event_name,
          })),
        )
        .onConflict((oc) => oc.columns(['ad_account_id', 'event_id']).doNothing())
        .execute();
    }
    // Each conversion's products, credited to the same touch (placement joined from attributions).
    const products = winners.flatMap((w, i) =>
      productCredits(w.touchpoint.conversion_custom_data).map((p) => ({
        ad_account_id: adAccountId,
        event_id: w.event_id,
        sku: p.sku,
        units: p.units,
        revenue_micro: p.revenue_micro,
        currency: w.touchpoint.conversion_currency,
        conversion_date: dateInTimeZone(new Date(w.touchpoint.event_time), timeZone),
        lag_seconds: w.decision.lag_seconds,
        ad_id: placements[i]!.ad_id,
        pin_id: placements[i]!.pin_id,
      })),
    );
    for (let i = 0; i < products.length; i += 1000) {
      await trx.insertInto('attribution_products').values(products.slice(i, i + 1000)).onConflict((oc) => oc.columns(['ad_account_id', 'event_id', 'sku']).doNothing()).execute();
    }
    await trx
      .updateTable('conversions')
      .set({ attribution_state: 'matched' })
      .where('ad_account_id', '=', adAccountId)
      .where('event_id', 'in', matchedIds)
      .where('attribution_state', '=', 'pending')
      .execute();
  });
  return matchedIds;
}

/**
 * Campaign, ad group, ad and pin of each winning touchpoint: what its landing URL carried, the
 * rest looked up from synced ads (by ad id, else by pin id, within its ad group when known) and
 * ad groups, in two queries for the whole batch.
 */
async function resolvePlacements(
  db: Kysely<Database>,
  adAccountId: string,
  touchpoints: Array<{ campaign_id: string | null; ad_group_id: string | null; ad_id: string | null; pin_id: string | null }>,
) {
  const adIds = [...new Set(touchpoints.flatMap((t) => (t.ad_id ? [t.ad_id] : [])))];
  const pinIds = [...new Set(touchpoints.flatMap((t) => (!t.ad_id && t.pin_id ? [t.pin_id] : [])))];
  const ads =
    adIds.length || pinIds.length
      ? await db
          .selectFrom('ads')
          .select(['ad_id', 'ad_group_id', 'campaign_id', 'pin_id'])
          .where('ad_account_id', '=', adAccountId)
          .where((eb) => eb.or([...(adIds.length ? [eb('ad_id', 'in', adIds)] : []), ...(pinIds.length ? [eb('pin_id', 'in', pinIds)] : [])]))
          .orderBy('ad_id')
          .execute()
      : [];
  const groupIds = [...new Set(touchpoints.flatMap((t) => (!t.campaign_id && t.ad_group_id ? [t.ad_group_id] : [])))];
  const groups = groupIds.length
    ? await db.selectFrom('ad_groups').select(['ad_group_id', 'campaign_id']).where('ad_account_id', '=', adAccountId).where('ad_group_id', 'in', groupIds).execute()
    : [];
  const adById = new Map(ads.map((a) => [a.ad_id, a]));
  const campaignByGroup = new Map(groups.map((g) => [g.ad_group_id, g.campaign_id]));
  return touchpoints.map((t) => {
    const ad = t.ad_id
      ? adById.get(t.ad_id)
      : t.pin_id
        ? ads.find((a) => a.pin_id === t.pin_id && (!t.ad_group_id || a.ad_group_id === t.ad_group_id))
        : undefined;
    const adGroupId = t.ad_group_id ?? ad?.ad_group_id ?? null;
    const campaignId = t.campaign_id ?? ad?.campaign_id ?? (adGroupId ? campaignByGroup.get(adGroupId) : undefined) ?? null;
    return { campaign_id: campaignId, ad_group_id: adGroupId, ad_id: t.ad_id ?? ad?.ad_id ?? null, pin_id: t.pin_id ?? ad?.pin_id ?? null };
  });
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
