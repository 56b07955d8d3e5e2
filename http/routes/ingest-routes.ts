import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BatchResult, RoutyPinterestClient } from '../../client/routy-client';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/database-schema';
import { rememberRejections } from '../../store/rejected-conversions-store';
import { batchAuthHooks } from '../auth-hooks';
import { invalid } from './invalid-answer';

/** Largest batch in one request. */
const MAX_BATCH = 5000;

/**
 * Routy's batches: `POST /v1/conversions` `{conversions: [...]}` and `POST /v1/touchpoints`
 * `{touchpoints: [...]}`. 401 before the body is read (bearer token) or once it is in (signature);
 * 400 for a bad envelope; else 202 `{accepted, rejected}` (conversions also `duplicates` and
 * `warnings`) once the accepted records are committed to PostgreSQL's inbox, 400 with the same
 * shape when none was accepted and none was a repeat. Refused conversions with
 * a usable event_id are remembered for `GET /v1/conversions/{event_id}`.
 */
export function ingestRoutes(app: FastifyInstance, deps: { client: RoutyPinterestClient; db: Kysely<Database>; ingressToken?: string }): void {
  const auth = batchAuthHooks(deps.ingressToken);
  const batchRoute = (route: string, key: 'conversions' | 'touchpoints', record: (batch: unknown[]) => Promise<BatchResult>) => {
    const envelope = z.object({ [key]: z.array(z.unknown()).min(1).max(MAX_BATCH) }).strict();
    app.post(route, {
      onRequest: auth.onRequest,
      preValidation: auth.preValidation,
      handler: async (request, reply) => {
        const body = envelope.safeParse(request.body);
        if (!body.success) return reply.code(400).send(invalid('invalid body', body.error, '(body)'));
        const result = await record(body.data[key] as unknown[]);
        // A batch of repeats only (Routy retrying a request that was taken) is answered as taken too.
        return reply.code(result.accepted > 0 || (result.duplicates?.length ?? 0) > 0 ? 202 : 400).send(result);
      },
    });
  };
  batchRoute('/v1/conversions', 'conversions', async (batch) => {
    const result = await deps.client.recordConversions(batch);
    await rememberRejections(deps.db, batch, result.rejected);
    return result;
  });
  batchRoute('/v1/touchpoints', 'touchpoints', (batch) => deps.client.recordTouchpoints(batch));
}
