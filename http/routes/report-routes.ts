import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { reportToCsv } from '../../reports/performance-csv';
import { performanceReport, reportRequestSchema } from '../../reports/performance-report';
import { productReport, productReportRequestSchema } from '../../reports/product-report';
import { productReportToCsv } from '../../reports/product-csv';
import { slowBurnReport, slowBurnRequestSchema, slowBurnToCsv } from '../../reports/slow-burn-report';
import { pinterestIdSchema } from '../../domain/routy-records';
import { reportBoolean } from '../../reports/report-params';
import { listCpaAlerts } from '../../store/cpa-alerts-store';
import type { Database } from '../../store/database-schema';
import type { AuthHook } from '../auth-hooks';
import { invalid } from './invalid-answer';

/** `format` of the report routes: JSON unless `csv` is asked for. */
const reportFormat = z.enum(['json', 'csv']).default('json');

/** `GET /v1/alerts`: one account's alerts or all, open ones unless `include_cleared=true`, at most `limit` (1 to 500, default 100). */
const alertsQuerySchema = z.strictObject({
  ad_account_id: pinterestIdSchema.optional(),
  include_cleared: reportBoolean.optional(),
  limit: z.coerce.number({ error: 'must be a whole number from 1 to 500' }).int('must be a whole number from 1 to 500').min(1, 'must be a whole number from 1 to 500').max(500, 'must be a whole number from 1 to 500').default(100),
});

/**
 * The report API, bearer token only: `GET /v1/reports/performance`, `GET /v1/reports/products` and
 * `GET /v1/reports/slow-burn`, and the CPA alerts, `GET /v1/alerts` (`{request, alerts}`),
 * the query (without `format`) parsed by the report's schema, answered as JSON `{ request, rows }`
 * or, with `format=csv`, as CSV. 400 names the field at fault. (The page is report-page-routes.)
 */
export function reportRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; guard: AuthHook }): void {
  function reportRoute<Request, Row>(
    url: string,
    schema: z.ZodType<Request>,
    run: (request: Request) => Promise<Row[]>,
    toCsv: (rows: Row[], request: Request) => string,
  ): void {
    app.get(url, {
      onRequest: deps.guard,
      handler: async (request, reply) => {
        const { format, ...query } = request.query as Record<string, unknown>;
        const parsed = schema.safeParse(query);
        const as = reportFormat.safeParse(format);
        if (!parsed.success) return reply.code(400).send(invalid('invalid query', parsed.error, '(query)'));
        if (!as.success) return reply.code(400).send(invalid('invalid query', as.error, 'format'));
        const rows = await run(parsed.data);
        if (as.data === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(rows, parsed.data));
        return { request: parsed.data, rows };
      },
    });
  }
  reportRoute('/v1/reports/performance', reportRequestSchema, (q) => performanceReport(deps.db, q), (rows) => reportToCsv(rows));
  reportRoute('/v1/reports/products', productReportRequestSchema, (q) => productReport(deps.db, q), (rows) => productReportToCsv(rows));
  app.get('/v1/alerts', {
    onRequest: deps.guard,
    handler: async (request, reply) => {
      const parsed = alertsQuerySchema.safeParse(request.query);
      if (!parsed.success) return reply.code(400).send(invalid('invalid query', parsed.error, '(query)'));
      return { request: parsed.data, alerts: await listCpaAlerts(deps.db, parsed.data) };
    },
  });
  reportRoute('/v1/reports/slow-burn', slowBurnRequestSchema, (q) => slowBurnReport(deps.db, q), (rows, q) => slowBurnToCsv(rows, q.window));
}
