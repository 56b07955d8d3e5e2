import { z } from 'zod';
import type { PinterestHttp } from './http';

/** Every status, archived included: Pinterest's default (ACTIVE, PAUSED) hides spend. */
const ALL_ENTITY_STATUSES = ['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'DELETED_DRAFT'] as const;

/** Largest `page_size` Pinterest allows on list endpoints. */
const PAGE_SIZE = 250;

const digits = z.string().regex(/^\d+$/);

/** components.schemas.AdAccount (fields we use; the rest is kept in `raw`). */
export const adAccountSchema = z
  .object({
    id: digits,
    name: z.string().default(''),
    currency: z.string(),
    country: z.string().optional(),
    time_zone: z.string().nullish(),
    /** Unix seconds; nullable in the spec. */
    created_time: z.number().int().nonnegative().nullish(),
  })
  .passthrough();

/**
 * components.schemas.CampaignResponse (fields we use). `objective_type` is any string, not the
 * spec's ObjectiveType enum: Pinterest removes values (WEB_SESSIONS, VIDEO_VIEW) and adds others,
 * and a campaign must never be refused for it.
 */
export const campaignSchema = z
  .object({
    id: digits,
    ad_account_id: digits,
    name: z.string().nullish(),
    status: z.string(),
    objective_type: z.string().nullish(),
    is_performance_plus: z.boolean().nullish(),
  })
  .passthrough();

/** components.schemas.AdGroupResponse (fields we use). */
export const adGroupSchema = z
  .object({
    id: digits,
    campaign_id: z.string(),
    ad_account_id: digits,
    name: z.string().nullish(),
    status: z.string(),
  })
  .passthrough();

/** components.schemas.AdResponse (fields we use); `pin_id` is an 18-digit string. */
export const adSchema = z
  .object({
    id: digits,
    ad_group_id: digits,
    campaign_id: digits,
    pin_id: digits.nullish(),
    creative_type: z.string().nullish(),
    name: z.string().nullish(),
    status: z.string(),
  })
  .passthrough();

export type AdAccount = z.infer<typeof adAccountSchema>;
export type Campaign = z.infer<typeof campaignSchema>;
export type AdGroup = z.infer<typeof adGroupSchema>;
export type Ad = z.infer<typeof adSchema>;

const page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), bookmark: z.string().nullish() });

/** Follows `bookmark` until Pinterest returns none. */
async function listAll<T extends z.ZodTypeAny>(
  http: PinterestHttp,
  accessToken: string,
  path: string,
  item: T,
  query: Record<string, string | readonly string[] | number> = {},
): Promise<z.infer<T>[]> {
  const out: z.infer<T>[] = [];
  let bookmark: string | undefined;
  do {
    const result = await http.request({
      method: 'GET',
      path,
      category: 'ads_read',
      accessToken,
      query: { ...query, page_size: PAGE_SIZE, bookmark },
      schema: page(item),
    });
    out.push(...result.items);
    bookmark = result.bookmark ?? undefined;
  } while (bookmark);
  return out;
}

/** Ad accounts the token's user can reach. `GET /v5/ad_accounts` (`ad_accounts/list`). */
export function listAdAccounts(http: PinterestHttp, accessToken: string): Promise<AdAccount[]> {
  return listAll(http, accessToken, '/ad_accounts', adAccountSchema);
}

/** All campaigns, archived included. `GET /v5/ad_accounts/{id}/campaigns` (`campaigns/list`). */
export function listCampaigns(http: PinterestHttp, accessToken: string, adAccountId: string): Promise<Campaign[]> {
  return listAll(http, accessToken, `/ad_accounts/${adAccountId}/campaigns`, campaignSchema, {
    entity_statuses: ALL_ENTITY_STATUSES,
  });
}

/** All ad groups, archived included. `GET /v5/ad_accounts/{id}/ad_groups` (`ad_groups/list`). */
export function listAdGroups(http: PinterestHttp, accessToken: string, adAccountId: string): Promise<AdGroup[]> {
  return listAll(http, accessToken, `/ad_accounts/${adAccountId}/ad_groups`, adGroupSchema, {
    entity_statuses: ALL_ENTITY_STATUSES,
  });
}

/** All ads, archived included. `GET /v5/ad_accounts/{id}/ads` (`ads/list`). */
export function listAds(http: PinterestHttp, accessToken: string, adAccountId: string): Promise<Ad[]> {
  return listAll(http, accessToken, `/ad_accounts/${adAccountId}/ads`, adSchema, {
    entity_statuses: ALL_ENTITY_STATUSES,
  });
}

/** Most ids one list filter takes (`ad_ids`, `ad_group_ids`, `campaign_ids`: `maxItems: 250` in the spec). */
const MAX_IDS_PER_FILTER = 250;

/** Lists `path` filtered by `key` over `ids`, one call (and its pages) per 250 ids; archived included. */
async function listByIds<T extends z.ZodTypeAny>(http: PinterestHttp, accessToken: string, path: string, item: T, key: string, ids: readonly string[]): Promise<z.infer<T>[]> {
  const out: z.infer<T>[] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_FILTER) {
    out.push(...(await listAll(http, accessToken, path, item, { entity_statuses: ALL_ENTITY_STATUSES, [key]: ids.slice(i, i + MAX_IDS_PER_FILTER) })));
  }
  return out;
}

/**
 * The given ads (any status); ads Pinterest does not know are simply absent. No ids: no call.
 * `GET /v5/ad_accounts/{id}/ads?ad_ids=...` (`ads/list`), 250 ids per call.
 */
export function listAdsByIds(http: PinterestHttp, accessToken: string, adAccountId: string, adIds: readonly string[]): Promise<Ad[]> {
  return listByIds(http, accessToken, `/ad_accounts/${adAccountId}/ads`, adSchema, 'ad_ids', adIds);
}

/** The given ad groups (any status). `GET /v5/ad_accounts/{id}/ad_groups?ad_group_ids=...` (`ad_groups/list`), 250 ids per call. */
export function listAdGroupsByIds(http: PinterestHttp, accessToken: string, adAccountId: string, adGroupIds: readonly string[]): Promise<AdGroup[]> {
  return listByIds(http, accessToken, `/ad_accounts/${adAccountId}/ad_groups`, adGroupSchema, 'ad_group_ids', adGroupIds);
}

/** The given campaigns (any status). `GET /v5/ad_accounts/{id}/campaigns?campaign_ids=...` (`campaigns/list`), 250 ids per call. */
export function listCampaignsByIds(http: PinterestHttp, accessToken: string, adAccountId: string, campaignIds: readonly string[]): Promise<Campaign[]> {
  return listByIds(http, accessToken, `/ad_accounts/${adAccountId}/campaigns`, campaignSchema, 'campaign_ids', campaignIds);
}

/** components.schemas.Pin (fields we keep for reports). */
export const pinSchema = z
  .object({
    id: digits,
    title: z.string().nullish(),
    description: z.string().nullish(),
    link: z.string().nullish(),
    creative_type: z.string().nullish(),
    media: z.object({ media_type: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();

export type Pin = z.infer<typeof pinSchema>;

/**
 * A promoted pin's own metadata (title, link, media type). `GET /v5/pins/{pin_id}` (`pins/get`,
 * rate-limit category `org_read`), with `ad_account_id` so pins the account promotes but does not own are readable.
 * @throws PinterestApiError (404) when the pin is gone.
 */
export function getPin(http: PinterestHttp, accessToken: string, adAccountId: string, pinId: string): Promise<Pin> {
  return http.request({
    method: 'GET',
    path: `/pins/${pinId}`,
    category: 'org_read',
    accessToken,
    query: { ad_account_id: adAccountId },
    schema: pinSchema,
  });
}
