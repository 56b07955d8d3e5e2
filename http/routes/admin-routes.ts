import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Gauge, Registry } from 'prom-client';
import { metricsRegistry } from '../../observability/metrics';
import { countConversionsByState } from '../../store/conversion-counts-store';
import { countOpenCpaAlerts } from '../../store/cpa-alerts-store';
import { CPA_ALERT_DIRECTIONS } from '../../domain/cpa-alerts';
import type { Database } from '../../store/database-schema';
import type { AuthHook } from '../auth-hooks';
import { buildOpenApiDocument } from '../openapi-document';

/**
 * Operating routes: `GET /healthz` `{status: "ok"}`; `GET /metrics` (bearer token) in Prometheus
 * text: our counters, conversions by state, the pending holds and open CPA alerts by direction (read now) and the Temporal SDK's runtime metrics
 * from `sdkMetricsUrl` (2 s timeout; a comment line when unavailable); `GET /openapi.json`.
 */
export function adminRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; guard: AuthHook; sdkMetricsUrl?: string }): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  const conversionsByState = new Gauge({ name: 'routy_pinterest_conversions', help: 'Conversions by attribution state and Conversions API state', labelNames: ['attribution_state', 'capi_state'], registers: [] });
  const pendingHolds = new Gauge({ name: 'routy_pinterest_pending_holds', help: 'Conversions held waiting for a touchpoint to match (attribution state pending) until their hold ends', registers: [] });
  const scrape = Registry.merge([metricsRegistry, new Registry()]);
  scrape.registerMetric(conversionsByState);
  scrape.registerMetric(pendingHolds);
  const cpaAlerts = new Gauge({ name: 'routy_pinterest_cpa_alerts', help: 'Open CPA alerts (30-day and 7-day cost per conversion on different sides of the target), by direction', labelNames: ['direction'], registers: [] });
  scrape.registerMetric(cpaAlerts);
  app.get('/metrics', {
    onRequest: deps.guard,
    handler: async (_request, reply) => {
      const states = await countConversionsByState(deps.db);
      conversionsByState.reset();
      for (const s of states) conversionsByState.set({ attribution_state: s.attribution_state, capi_state: s.capi_state }, Number(s.n));
      pendingHolds.set(states.filter((s) => s.attribution_state === 'pending').reduce((n, s) => n + Number(s.n), 0));
      const open = await countOpenCpaAlerts(deps.db);
      for (const direction of CPA_ALERT_DIRECTIONS) cpaAlerts.set({ direction }, open.find((o) => o.direction === direction)?.n ?? 0);
      let sdk = '';
      if (deps.sdkMetricsUrl) sdk = await fetch(deps.sdkMetricsUrl, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).catch(() => '# Temporal SDK metrics unavailable\n');
      return reply.type(scrape.contentType).send(`${await scrape.metrics()}\n${sdk}`);
    },
  });

  const openApi = buildOpenApiDocument();
  app.get('/openapi.json', async () => openApi);
}
