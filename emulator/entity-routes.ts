import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import { filterStatuses, knownAccount, page, sendError } from './route-helpers';

/**
 * The entity routes, paged and filtered by `entity_statuses` like Pinterest's:
 * `GET /v5/ad_accounts`, `GET /v5/ad_accounts/{ad_account_id}/campaigns`, `.../ad_groups`,
 * `.../ads`, and `GET /v5/pins/{pin_id}`.
 */
export function registerEntityRoutes(server: FastifyInstance, { seed, grants }: EmulatorContext): void {
  server.get('/v5/ad_accounts', async (request, reply) => {
    if (!grants.authorize(request, reply)) return reply;
    return page(seed.adAccounts, request.query as Record<string, unknown>);
  });

  server.get('/v5/ad_accounts/:ad_account_id/campaigns', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    const items = filterStatuses(seed.campaigns.filter((c) => c.ad_account_id === ad_account_id), query);
    const listed = page(items, query);
    return {
      ...listed,
      items: listed.items.map(({ stopped_days_ago: _stopped, ...c }) => ({
        ...c,
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
    const items = filterStatuses(seed.adGroups.filter((g) => g.ad_account_id === ad_account_id), query);
    const listed = page(items, query);
    return { ...listed, items: listed.items.map((g) => ({ ...g, type: 'adgroup', billable_event: 'CLICKTHROUGH' })) };
  });

  server.get('/v5/ad_accounts/:ad_account_id/ads', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    const items = filterStatuses(seed.ads.filter((a) => a.ad_account_id === ad_account_id), query);
    const listed = page(items, query);
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
