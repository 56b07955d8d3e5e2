// Attributions whose placement (campaign, ad group, ad, pin) the synced entities could not complete
// when they were made: which ads to sync on demand, and the set-based fill once they are synced.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database-schema';

/** Most ids of each kind `unsyncedSince` returns (the workflow's queue is bounded too). */
const MAX_UNSYNCED_IDS = 1000;

/** PostgreSQL's clock (`now()`), the one `attributions.attributed_at` is written with. */
export async function databaseNow(db: Kysely<Database>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return new Date(rows[0]!.now);
}

/** Ads and pins Routy credited that no synced ad explains: to sync through `ad_ids`, or by listing the account's ads. */
export interface UnsyncedIds {
  /** Ad ids of winning touchpoints that are not in `ads`. */
  ad_ids: string[];
  /** Pin ids of winning touchpoints that carried no ad id, and that no synced ad promotes. */
  pin_ids: string[];
}

/**
 * Ads and pins of the account's attributions made at or after `since` (PostgreSQL's clock, see
 * `databaseNow`) that no synced ad explains, each list sorted and at most MAX_UNSYNCED_IDS long.
 * Uses `attributions_attributed_at_idx`.
 */
export async function unsyncedSince(db: Kysely<Database>, adAccountId: string, since: Date): Promise<UnsyncedIds> {
  const { rows } = await sql<{ kind: 'ad' | 'pin'; id: string }>`
    SELECT DISTINCT CASE WHEN a.ad_id IS NOT NULL THEN 'ad' ELSE 'pin' END AS kind, coalesce(a.ad_id, a.pin_id) AS id
    FROM attributions a
    WHERE a.ad_account_id = ${adAccountId} AND a.attributed_at >= ${since}
      AND (a.ad_id IS NOT NULL OR a.pin_id IS NOT NULL)
      AND NOT EXISTS (
        SELECT 1 FROM ads
        WHERE ads.ad_account_id = a.ad_account_id
          AND (CASE WHEN a.ad_id IS NOT NULL THEN ads.ad_id = a.ad_id ELSE ads.pin_id = a.pin_id END))
    ORDER BY kind, id`.execute(db);
  const of = (kind: 'ad' | 'pin') => rows.filter((r) => r.kind === kind).slice(0, MAX_UNSYNCED_IDS).map((r) => r.id);
  return { ad_ids: of('ad'), pin_ids: of('pin') };
}

/**
 * Completes the account's attributions that lack part of their placement (any of campaign, ad
 * group, ad or pin is null) from the synced ads and ad groups, the way attribution does: the ad by
 * its id, else the lowest ad id promoting the pin (within the touchpoint's ad group when it named
 * one); the campaign from the ad, else from the ad group. What the touchpoint carried is kept.
 * One set-based UPDATE over `attributions_unplaced_idx`; the changed attributions' products get the
 * same ad and pin (attribution_products copies them). @returns the attributions changed.
 */
export async function fillPlacements(db: Kysely<Database>, adAccountId: string): Promise<number> {
  const result = await sql<{ changed: string }>`
    WITH unplaced AS (
      SELECT event_id, campaign_id, ad_group_id, ad_id, pin_id FROM attributions
      WHERE ad_account_id = ${adAccountId}
        AND (campaign_id IS NULL OR ad_group_id IS NULL OR ad_id IS NULL OR pin_id IS NULL)
    ), resolved AS (
      SELECT u.event_id,
             coalesce(u.ad_id, byPin.ad_id) AS ad_id,
             coalesce(u.ad_group_id, byId.ad_group_id, byPin.ad_group_id) AS ad_group_id,
             coalesce(u.campaign_id, byId.campaign_id, byPin.campaign_id, g.campaign_id) AS campaign_id,
             coalesce(u.pin_id, byId.pin_id) AS pin_id
      FROM unplaced u
      LEFT JOIN ads byId ON byId.ad_account_id = ${adAccountId} AND byId.ad_id = u.ad_id
      LEFT JOIN LATERAL (
        SELECT ads.ad_id, ads.ad_group_id, ads.campaign_id FROM ads
        WHERE u.ad_id IS NULL AND ads.ad_account_id = ${adAccountId} AND ads.pin_id = u.pin_id
          AND (u.ad_group_id IS NULL OR ads.ad_group_id = u.ad_group_id)
        ORDER BY ads.ad_id LIMIT 1
      ) byPin ON true
      LEFT JOIN ad_groups g ON g.ad_account_id = ${adAccountId} AND g.ad_group_id = u.ad_group_id
    )
    , changed AS (
      UPDATE attributions a
      SET ad_id = r.ad_id, ad_group_id = r.ad_group_id, campaign_id = r.campaign_id, pin_id = r.pin_id
      FROM resolved r
      WHERE a.ad_account_id = ${adAccountId} AND a.event_id = r.event_id
        AND (a.ad_id IS DISTINCT FROM r.ad_id OR a.ad_group_id IS DISTINCT FROM r.ad_group_id
          OR a.campaign_id IS DISTINCT FROM r.campaign_id OR a.pin_id IS DISTINCT FROM r.pin_id)
      RETURNING a.event_id, a.ad_id, a.pin_id
    ), products AS (
      UPDATE attribution_products p SET ad_id = c.ad_id, pin_id = c.pin_id
      FROM changed c
      WHERE p.ad_account_id = ${adAccountId} AND p.event_id = c.event_id
      RETURNING 1
    )
    SELECT count(*) AS changed FROM changed`.execute(db);
  return Number(result.rows[0]?.changed ?? 0);
}
