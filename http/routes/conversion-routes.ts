import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { pinterestIdSchema } from '../../domain/routy-records';
import { text } from '../../domain/user-data';
import { explainConversion } from '../../reports/conversion-explainer';
import type { TokenCipher } from '../../secrets/token-cipher';
import { loadConversionsApiOptions, saveConversionsApiOptions } from '../../store/connections-store';
import type { Database } from '../../store/database-schema';
import type { AuthHook } from '../auth-hooks';
import { invalid } from './invalid-answer';

// Path values reach PostgreSQL too: a NUL or an unpaired surrogate is refused here, not there.
const eventIdParams = z.object({ event_id: text(256) });
const adAccountParams = z.object({ ad_account_id: pinterestIdSchema });
const capiOptions = z
  .object({ test_mode: z.boolean().optional(), conversion_token: z.string().min(10).max(4096).nullable().optional() })
  .strict();

/**
 * One conversion and its account's Conversions API options, bearer token only:
 * `GET /v1/conversions/{event_id}` (state, attribution and Conversions API outcome per ad account;
 * 404 when none was accepted) and `PUT /v1/ad_accounts/{id}/conversions-api` `{test_mode?,
 * conversion_token?}` (the token is stored encrypted and never echoed; 404 for an unknown account).
 */
export function conversionRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; cipher: TokenCipher; guard: AuthHook }): void {
  app.get('/v1/conversions/:event_id', {
    onRequest: deps.guard,
    handler: async (request, reply) => {
      const params = eventIdParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid('invalid path', params.error, '(path)'));
      const eventId = params.data.event_id;
      const found = await explainConversion(deps.db, eventId);
      if (found.length === 0) return reply.code(404).send({ error: `no conversion with event_id ${eventId} was accepted` });
      return { conversions: found };
    },
  });

  app.put('/v1/ad_accounts/:ad_account_id/conversions-api', {
    onRequest: deps.guard,
    handler: async (request, reply) => {
      const params = adAccountParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid('invalid path', params.error, '(path)'));
      const id = params.data.ad_account_id;
      const body = capiOptions.safeParse(request.body);
      if (!body.success) return reply.code(400).send(invalid('invalid body', body.error, '(body)'));
      if (!(await saveConversionsApiOptions(deps.db, deps.cipher, id, body.data))) {
        return reply.code(404).send({ error: `ad account ${id} is not connected` });
      }
      const stored = await loadConversionsApiOptions(deps.db, id);
      return { ad_account_id: id, test_mode: stored.test_mode, conversion_token: stored.conversion_token_set ? 'set' : 'not set' };
    },
  });
}
