import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { exchangeRatesBodySchema, exchangeRatesQuerySchema } from '../../domain/exchange-rates';
import type { Database } from '../../store/database-schema';
import { listExchangeRates, upsertExchangeRates } from '../../store/exchange-rates-store';
import type { AuthHook } from '../auth-hooks';
import { invalid } from './invalid-answer';

/**
 * The operator's exchange rates, bearer token only. `PUT /v1/exchange-rates`
 * `{rates: [{date: 'YYYY-MM-DD', from: 'JPY', to: 'USD', rate: '0.0067'}]}` (1 to 5,000; one unit
 * of `from` is worth `rate` of `to` on `date`) upserts them all or none: 200 `{stored}`, or 400
 * `{error, issues: [{field: 'rates.3.rate', message}]}`. `GET /v1/exchange-rates` with optional
 * `from`, `to`, `start_date`, `end_date` answers `{rates}` ordered by from, to and date.
 */
export function exchangeRateRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; guard: AuthHook }): void {
  app.put('/v1/exchange-rates', {
    onRequest: deps.guard,
    handler: async (request, reply) => {
      const body = exchangeRatesBodySchema.safeParse(request.body);
      if (!body.success) return reply.code(400).send(invalid('invalid body', body.error, '(body)'));
      return { stored: await upsertExchangeRates(deps.db, body.data.rates) };
    },
  });

  app.get('/v1/exchange-rates', {
    onRequest: deps.guard,
    handler: async (request, reply) => {
      const query = exchangeRatesQuerySchema.safeParse(request.query);
      if (!query.success) return reply.code(400).send(invalid('invalid query', query.error, '(query)'));
      return { rates: await listExchangeRates(deps.db, query.data) };
    },
  });
}
