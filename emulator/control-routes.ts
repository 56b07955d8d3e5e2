import type { FastifyInstance } from 'fastify';
import type { RecordedCapiRequest } from './conversion-routes';
import type { DeliveryLedger } from './delivery-ledger';
import type { Fault, FaultQueue } from './fault-injection';
import { sendError } from './route-helpers';

/**
 * Routes that are not Pinterest's: they let a separate process (the demo, a chaos run) read and
 * steer the emulator. `GET /_emulator/capi-requests` lists the Conversions API requests received;
 * `GET /_emulator/delivery?ad_account_id=` answers what Pinterest would have counted from them
 * (a DeliveryReport) and `GET /_emulator/delivery/events?ad_account_id=` each event counted with
 * its count (400 without one `ad_account_id`); `POST /_emulator/faults` with
 * `{ fault, times?, path_contains? }` queues a fault.
 */
export function registerControlRoutes(server: FastifyInstance, capiRequests: RecordedCapiRequest[], faults: FaultQueue, delivery: DeliveryLedger): void {
  server.get('/_emulator/capi-requests', async () => capiRequests);
  server.get('/_emulator/delivery', async (request, reply) => {
    const { ad_account_id } = request.query as { ad_account_id?: unknown };
    return typeof ad_account_id === 'string' && ad_account_id ? delivery.report(ad_account_id) : sendError(reply, 400, 1, 'ad_account_id is required.');
  });
  server.get('/_emulator/delivery/events', async (request, reply) => {
    const { ad_account_id } = request.query as { ad_account_id?: unknown };
    return typeof ad_account_id === 'string' && ad_account_id ? delivery.countedEvents(ad_account_id) : sendError(reply, 400, 1, 'ad_account_id is required.');
  });
  server.post('/_emulator/faults', async (request) => {
    const body = request.body as { fault: Fault; times?: number; path_contains?: string };
    faults.inject(body.fault, { times: body.times, pathContains: body.path_contains });
    return { queued: true };
  });
}
