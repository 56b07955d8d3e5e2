// `npm run start:ingress` (`node dist/service/start-ingress.js`, `routy-pinterest ingress`): the
// HTTP ingress alone, on PostgreSQL and a Temporal cluster; run as many copies as needed behind a
// load balancer.
import { createLogger } from '../observability/logger';
import { PinterestHttp } from '../pinterest/http';
import { SharedRequestBudget } from '../store/request-budget-store';
import { installTracingOnce } from '../observability/tracing';
import { startIngressRole } from './ingress-role';
import { realPinterest } from './pinterest-side';
import { loadIngressConfig } from './role-config';
import { runRole } from './role-process';
import { connectTemporalClient, openMigratedDatabase, payloadCrypto } from './role-parts';

await runRole('ingress', async (onStop) => {
  const config = loadIngressConfig();
  const logger = createLogger(config.ROUTY_LOG_LEVEL);
  // Stopped last: the spans of the shutdown itself are exported too.
  const tracing = installTracingOnce('ingress');
  onStop(() => tracing.shutdown());
  const db = await openMigratedDatabase({ kind: 'postgres', url: config.DATABASE_URL }, 'DATABASE_URL');
  onStop(() => db.destroy());
  const { keys, cipher, dataConverter } = payloadCrypto(config.ROUTY_ENCRYPTION_KEYS, false);
  const temporal = await connectTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, dataConverter);
  onStop(() => temporal.close());
  const pinterest = realPinterest(config);
  // Per-user budgets live in PostgreSQL: every copy spends the same ones.
  const http = new PinterestHttp(pinterest.apiBaseUrl, new SharedRequestBudget(db, config.PINTEREST_REQUESTS_PER_MINUTE), undefined, config.PINTEREST_REQUEST_TIMEOUT_SECONDS * 1000);
  const ingress = await startIngressRole(config, {
    db, cipher, keys, http, pinterest, dataConverter, logger,
    temporalClient: temporal.client,
    schedule: { pull_interval_seconds: config.ROUTY_PULL_INTERVAL_SECONDS, hold_seconds: config.ROUTY_HOLD_SECONDS },
  });
  onStop(() => ingress.stop());
  return {
    banner: `  ingress:    ${ingress.ingressUrl}  (API described at /openapi.json)\n  temporal:   ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})\n  database:   PostgreSQL (DATABASE_URL)\n  pinterest:  ${pinterest.apiBaseUrl}`,
  };
});
