import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import { knownAccount, sendError } from './route-helpers';

/** One Measurement Source of Truth event as the emulator took it. */
export interface RecordedMsotEvent {
  ad_account_id: string;
  received_at: string;
  body: Record<string, unknown>;
}

const NAMES = ['add_to_cart', 'checkout', 'lead', 'signup'];
const SCOPES = ['view', 'engagement', 'click'];
const MODELS = ['first_touch', 'last_touch', 'multi_touch'];
const KNOWN = new Set(['action_timestamps', 'ad_group_id', 'attribution_model', 'attribution_scope', 'attribution_score', 'campaign_id', 'currency', 'event_id', 'event_name', 'event_timestamp', 'total_event_touchpoints', 'total_events', 'value']);

/** What in an MSOT body breaks components.schemas.ConversionMSOTEvents, or undefined when nothing does. */
function problemOf(body: Record<string, unknown>): string | undefined {
  const extra = Object.keys(body).find((key) => !KNOWN.has(key));
  if (extra) return `${extra}: not a ConversionMSOTEvents field`;
  if (typeof body.event_id !== 'string' || body.event_id.length === 0 || body.event_id.length > 256) return 'event_id: required, 1 to 256 characters';
  if (!NAMES.includes(String(body.event_name))) return `event_name: one of ${NAMES.join(', ')}`;
  if (!Number.isInteger(body.event_timestamp)) return 'event_timestamp: required, Unix seconds';
  if (typeof body.ad_group_id !== 'string' || !/^\d+$/.test(body.ad_group_id)) return 'ad_group_id: required, digits';
  if (body.campaign_id !== undefined && (typeof body.campaign_id !== 'string' || !/^\d+$/.test(body.campaign_id))) return 'campaign_id: digits';
  if (!SCOPES.includes(String(body.attribution_scope))) return `attribution_scope: one of ${SCOPES.join(', ')}`;
  if (body.attribution_model !== undefined && !MODELS.includes(String(body.attribution_model))) return `attribution_model: one of ${MODELS.join(', ')}`;
  const score = body.attribution_score;
  if (score !== undefined && (typeof score !== 'number' || score <= 0 || score > 1)) return 'attribution_score: > 0 and <= 1';
  if (body.value !== undefined && typeof body.currency !== 'string') return 'currency: required with value';
  if ((body.event_name === 'add_to_cart' || body.event_name === 'checkout') && typeof body.value !== 'number') return `value: required for ${String(body.event_name)}`;
  return undefined;
}

/**
 * The Measurement Source of Truth route `POST /v5/ad_accounts/{ad_account_id}/msot/events`
 * (`msot_events/create`): an OAuth token with scope `msot:write` (else 401, code 3), a
 * ConversionMSOTEvents body (else 400, code 4196). Every event taken is appended to `received`;
 * the answer is 200 with no body, as the spec describes.
 */
export function registerMsotRoutes(server: FastifyInstance, { seed, grants }: EmulatorContext, received: RecordedMsotEvent[], now: () => Date): void {
  server.post('/v5/ad_accounts/:ad_account_id/msot/events', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    if (!grants.authorize(request, reply) || !grants.authorizeScope(request, reply, 'msot:write') || !knownAccount(seed, ad_account_id, reply)) return reply;
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendError(reply, 400, 4196, 'The request was invalid');
    const problem = problemOf(body as Record<string, unknown>);
    if (problem) return sendError(reply, 400, 4196, `The request was invalid: ${problem}`);
    received.push({ ad_account_id, received_at: now().toISOString(), body: body as Record<string, unknown> });
    return reply.code(200).send();
  });
}
