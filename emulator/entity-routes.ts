import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import { filterIds, filterStatuses, knownAccount, page, sendError } from './route-helpers';

/** Answers Pinterest's 400 for a list filter the spec does not allow. */
const badFilter = (reply: FastifyReply, what: string) => sendError(reply, 400, 1, `Invalid ${what} parameters.`);

/**
 * The entity routes, paged and filtered by `entity_statuses` and by id lists like Pinterest's
 * (`campaign_ids` on campaigns; `campaign_ids` or `ad_group_ids` on ad groups; `campaign_ids`,
 * `ad_group_ids` or `ad_ids` on ads; at most 250 ids, else 400):
 * `GET /v5/ad_accounts` (the token's user's accounts), `GET /v5/ad_accounts/{ad_account_id}/campaigns`, `.../ad_groups`,
 * `.../ads`, `GET /v5/pins/{pin_id}`, and `GET /v5/user_account` (the token's user).
 */
export function registerEntityRoutes(server: FastifyInstance, { seed, grants }: EmulatorContext): void {
  server.get('/v5/user_account', async (request, reply) => {
    if (!grants.authorize(request, reply)) return reply;
    const id = grants.userOf(request.headers.authorization)!;
    const username = seed.adAccounts.find((account) => account.owner.id === id)?.owner.username ?? `user${id}`;
    return { id, username, account_type: 'BUSINESS', business_name: username };
  });

  server.get('/v5/ad_accounts', async (request, reply) => {
    if (!grants.authorize(request, reply)) return reply;
    // The accounts the token's user owns.
    const user = grants.userOf(request.headers.authorization);
    return page(seed.adAccounts.filter((account) => account.owner.id === user), request.query as Record<string, unknown>);
  });

  server.get('/v5/ad_accounts/:ad_account_id/campaigns', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    const byId = filterIds(seed.campaigns.filter((c) => c.ad_account_id === ad_account_id), query, 'campaign_ids', (c) => c.id);
    if (!byId) return badFilter(reply, 'ad account campaigns');
    const listed = page(filterStatuses(byId, query), query);
    return {
      ...listed,
      items: listed.items.map(({ stopped_days_ago: _stopped, ...c }) => ({
        ...c,
        is_performance_plus: c.is_performance_plus ?? false,
        summary_status: c.status === 'ARCHIVED' ? 'ARCHIVED' : 'RUNNING',
        is_campaign_budget_optimization: false,
        type: 'campaign',
      })),
    };
  });

  server.get('/v5/ad_accounts/:ad_account_id/ad_groups', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    if (query.campaign_ids !== undefined && query.ad_group_ids !== undefined) return badFilter(reply, 'ad account ad groups');
    const inAccount = seed.adGroups.filter((g) => g.ad_account_id === ad_account_id);
    const byCampaign = filterIds(inAccount, query, 'campaign_ids', (g) => g.campaign_id);
    const byId = byCampaign && filterIds(byCampaign, query, 'ad_group_ids', (g) => g.id);
    if (!byId) return badFilter(reply, 'ad account ad groups');
    const listed = page(filterStatuses(byId, query), query);
    return { ...listed, items: listed.items.map((g) => ({ ...g, type: 'adgroup', billable_event: 'CLICKTHROUGH' })) };
  });

  server.get('/v5/ad_accounts/:ad_account_id/ads', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    // Pinterest takes one kind of id list at a time.
    if (['campaign_ids', 'ad_group_ids', 'ad_ids'].filter((key) => query[key] !== undefined).length > 1) return badFilter(reply, 'ad account ads');
    const inAccount = seed.ads.filter((a) => a.ad_account_id === ad_account_id);
    const byCampaign = filterIds(inAccount, query, 'campaign_ids', (a) => a.campaign_id);
    const byGroup = byCampaign && filterIds(byCampaign, query, 'ad_group_ids', (a) => a.ad_group_id);
    const byId = byGroup && filterIds(byGroup, query, 'ad_ids', (a) => a.id);
    if (!byId) return badFilter(reply, 'ad account ads');
    const listed = page(filterStatuses(byId, query), query);
    return { ...listed, items: listed.items.map(({ pin_title: _title, ...a }) => ({ ...a, type: 'pinpromotion' })) };
  });

  server.get('/v5/pins/:pin_id', async (request, reply) => {
    const { pin_id } = request.params as { pin_id: string };
    if (!grants.authorize(request, reply)) return reply;
    const ad = seed.ads.find((a) => a.pin_id === pin_id);
    if (!ad) return sendError(reply, 404, 50, 'Pin not found.');
    return {
      id: pin_id,
      title: ad.pin_title,
      description: `${ad.pin_title}. Ideas from Evergreen Home & Garden.`,
      link: `https://shop.example.com/p/${pin_id}`,
      created_at: '2026-03-01T12:00:00',
      board_id: '1099300727702429999',
      creative_type: ad.creative_type,
      media: {
        media_type: ad.creative_type === 'VIDEO' ? 'video' : ad.creative_type === 'IDEA' ? 'multiple_mixed' : ad.creative_type === 'CAROUSEL' ? 'multiple_images' : 'image',
      },
    };
  });
}
