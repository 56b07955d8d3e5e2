import type { FastifyInstance } from 'fastify';
import type { DeliveryLedger } from './delivery-ledger';
import type { EmulatorContext } from './emulator-context';
import { knownAccount, sendError } from './route-helpers';

/** Pinterest refuses events older than this (code 953). */
const STALE_EVENT_SECONDS = 7 * 86_400;

/** One Conversions API request as the emulator received it. */
export interface RecordedCapiRequest {
  ad_account_id: string;
  test: boolean;
  /** Which credential the request carried. */
  auth: 'oauth' | 'conversion_token';
  received_at: string;
  body: { data: Array<Record<string, unknown>> };
}

/**
 * The Conversions API route `POST /v5/ad_accounts/{ad_account_id}/events` (an OAuth token or the
 * account's conversion token; 1 to 1000 events). Every request with a valid batch is appended to
 * `received` before it is answered, a stale batch (422, code 953) included, and handed to
 * `ledger` with its answer, which counts what Pinterest would count. A copy deduplication drops
 * is still answered `processed`: Pinterest does not say.
 */
export function registerConversionRoutes(
  server: FastifyInstance,
  { seed, now, grants }: EmulatorContext,
  received: RecordedCapiRequest[],
  ledger: DeliveryLedger,
): void {
  server.post('/v5/ad_accounts/:ad_account_id/events', async (request, reply) => {
    const { ad_account_id } = request.params as { ad_account_id: string };
    const bearer = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const viaConversionToken = grants.conversionTokenAccount(bearer) === ad_account_id;
    if (!viaConversionToken && (!grants.authorize(request, reply) || !knownAccount(seed, ad_account_id, reply))) return reply;
    const body = request.body as { data?: Array<Record<string, unknown>> } | undefined;
    const data = body?.data;
    if (!Array.isArray(data) || data.length < 1 || data.length > 1000) {
      return sendError(reply, 400, 1, 'data must hold 1 to 1000 events.');
    }
    const test = String((request.query as Record<string, unknown>).test) === 'true';
    const arrivedAt = now();
    received.push({
      ad_account_id,
      test,
      auth: viaConversionToken ? 'conversion_token' : 'oauth',
      received_at: arrivedAt.toISOString(),
      body: { data },
    });
    const nowSeconds = arrivedAt.getTime() / 1000;
    if (data.some((e) => typeof e.event_time === 'number' && nowSeconds - e.event_time > STALE_EVENT_SECONDS)) {
      ledger.received({ ad_account_id, events: data, statuses: [], test, arrived_at: arrivedAt });
      return sendError(reply, 422, 953, 'Event(s) in the request are older than 7 days and cannot be processed.');
    }
    const events = data.map((event) => {
      const user = (event.user_data ?? {}) as Record<string, unknown>;
      const sendable = user.em || user.hashed_maids || (user.client_ip_address && user.client_user_agent);
      return sendable
        ? { status: 'processed' as const, error_message: null, warning_message: null }
        : { status: 'failed' as const, error_message: 'user_data needs em, hashed_maids, or client_ip_address with client_user_agent.', warning_message: null };
    });
    ledger.received({ ad_account_id, events: data, statuses: events.map((e) => e.status), test, arrived_at: arrivedAt });
    return {
      num_events_received: data.length,
      num_events_processed: events.filter((e) => e.status === 'processed').length,
      events,
    };
  });
}
