import type { FastifyInstance } from 'fastify';
import type { RecordedCapiRequest } from './conversion-routes';
import type { Fault, FaultQueue } from './fault-injection';

/**
 * Routes that are not Pinterest's: they let a separate process (the demo, a chaos run) read and
 * steer the emulator. `GET /_emulator/capi-requests` lists the Conversions API requests received;
 * `POST /_emulator/faults` with `{ fault, times?, path_contains? }` queues a fault.
 */
export function registerControlRoutes(server: FastifyInstance, capiRequests: RecordedCapiRequest[], faults: FaultQueue): void {
  server.get('/_emulator/capi-requests', async () => capiRequests);
  server.post('/_emulator/faults', async (request) => {
    const body = request.body as { fault: Fault; times?: number; path_contains?: string };
    faults.inject(body.fault, { times: body.times, pathContains: body.path_contains });
    return { queued: true };
  });
}
