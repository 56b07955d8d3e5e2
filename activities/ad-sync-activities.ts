// The on-demand ad sync: ads Routy credited before any entity sync saw them are fetched from
// Pinterest at once (by id), with their ad groups, campaigns and pins, and the attributions that
// lacked their placement are completed; the hourly entity sync stays the full one.
import type { Kysely } from 'kysely';
import { getPin, listAdGroupsByIds, listAds, listAdsByIds, listCampaignsByIds, type Ad } from '../pinterest/entities';
import type { PinterestHttp } from '../pinterest/http';
import type { Database } from '../store/database-schema';
import { pinsWithoutMetadata, upsertAdGroups, upsertAds, upsertCampaigns, upsertPins } from '../store/entities-store';
import { fillPlacements } from '../store/placements-store';
import { isNotFoundFailure } from './activity-failures';
import { beat } from './heartbeat';
import type { PinterestGrant } from './pinterest-grant';

/** What the pin metadata sync needs. */
interface PinDeps {
  db: Kysely<Database>;
  http: PinterestHttp;
  grant: PinterestGrant;
  now: () => Date;
}

/**
 * Stores the metadata (title, link, media type) of the account's promoted pins not stored yet,
 * only those in `onlyPinIds` when given. A deleted pin (404) is stored as `not_found`, so it is not
 * asked for again. Source: `GET /v5/pins/{pin_id}` (`pins/get`). @returns pins stored with metadata.
 */
export async function syncPinMetadata(deps: PinDeps, adAccountId: string, onlyPinIds?: ReadonlySet<string>): Promise<number> {
  const { db, http, grant, now } = deps;
  let pins = 0;
  for (const pinId of await pinsWithoutMetadata(db, adAccountId)) {
    if (onlyPinIds && !onlyPinIds.has(pinId)) continue;
    try {
      const pin = await grant.withToken(adAccountId, (token) => getPin(http, token, adAccountId, pinId));
      await upsertPins(db, adAccountId, [pin], now());
      pins += 1;
    } catch (error) {
      if (!isNotFoundFailure(error)) throw error;
      await upsertPins(db, adAccountId, [{ id: pinId, not_found: true }], now());
    }
    beat({ pins });
  }
  return pins;
}

/** What the workflow asks `syncAds` for: ad ids (at most a few hundred) and pin ids credited without an ad id. */
export interface AdSyncInput {
  ad_account_id: string;
  ad_ids: string[];
  pin_ids: string[];
}

/** What `syncAds` stored, and which asked-for ids Pinterest did not list. */
export interface AdSyncResult {
  ads: number;
  ad_groups: number;
  campaigns: number;
  pins: number;
  /** Attributions whose placement was completed (by this sync or an earlier one). */
  filled: number;
  /** Asked-for ads Pinterest does not list (deleted, or another account's): not asked for again until the next full sync. */
  unknown_ad_ids: string[];
  /** Asked-for pins no ad of the account promotes. */
  unknown_pin_ids: string[];
}

/** Ids in `ids` that `table` does not hold for the account. */
async function notStored(db: Kysely<Database>, adAccountId: string, table: 'campaigns' | 'ad_groups', ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const column = table === 'campaigns' ? 'campaign_id' : 'ad_group_id';
  const stored = await db.selectFrom(table).select(`${column} as id`).where('ad_account_id', '=', adAccountId).where(column, 'in', ids).execute();
  const have = new Set(stored.map((r) => r.id));
  return ids.filter((id) => !have.has(id));
}

/** Builds the on-demand ad sync over the store, the Pinterest client and the grant policy; `now` is the wall clock. */
export function createAdSyncActivities(deps: PinDeps) {
  const { db, http, grant, now } = deps;
  const { withToken } = grant;

  return {
    /**
     * Syncs the given ads by id (`GET /v5/ad_accounts/{id}/ads?ad_ids=...`, 250 per call) and, for
     * pin ids, the account's ads promoting them (`ads/list` without a filter: Pinterest has no pin
     * filter); then the ad groups and campaigns of those ads not stored yet (`ad_groups/list`
     * with `ad_group_ids`, `campaigns/list` with `campaign_ids`), their pins' metadata
     * (`pins/get`), and completes the attributions lacking placement (`fillPlacements`). Every
     * call waits for its rate budget. @throws what Pinterest or the store throws (the workflow
     * keeps the ids for a refused grant or a daily cap).
     */
    async syncAds(input: AdSyncInput): Promise<AdSyncResult> {
      const id = input.ad_account_id;
      const byId = input.ad_ids.length > 0 ? await withToken(id, (token) => listAdsByIds(http, token, id, input.ad_ids)) : [];
      const wantedPins = new Set(input.pin_ids);
      const byPin = wantedPins.size > 0 ? (await withToken(id, (token) => listAds(http, token, id))).filter((a) => a.pin_id && wantedPins.has(a.pin_id)) : [];
      const ads = [...new Map<string, Ad>([...byId, ...byPin].map((a) => [a.id, a])).values()];
      const groupIds = await notStored(db, id, 'ad_groups', [...new Set(ads.map((a) => a.ad_group_id))]);
      const campaignIds = await notStored(db, id, 'campaigns', [...new Set(ads.map((a) => a.campaign_id))]);
      const campaigns = campaignIds.length > 0 ? await withToken(id, (token) => listCampaignsByIds(http, token, id, campaignIds)) : [];
      const adGroups = groupIds.length > 0 ? await withToken(id, (token) => listAdGroupsByIds(http, token, id, groupIds)) : [];
      const at = now();
      await upsertCampaigns(db, id, campaigns, at);
      await upsertAdGroups(db, id, adGroups, at);
      await upsertAds(db, id, ads, at);
      const pins = await syncPinMetadata(deps, id, new Set(ads.flatMap((a) => (a.pin_id ? [a.pin_id] : []))));
      const filled = await fillPlacements(db, id);
      const foundAds = new Set(byId.map((a) => a.id));
      const foundPins = new Set(byPin.map((a) => a.pin_id));
      return {
        ads: ads.length,
        ad_groups: adGroups.length,
        campaigns: campaigns.length,
        pins,
        filled,
        unknown_ad_ids: input.ad_ids.filter((adId) => !foundAds.has(adId)),
        unknown_pin_ids: input.pin_ids.filter((pinId) => !foundPins.has(pinId)),
      };
    },
  };
}
