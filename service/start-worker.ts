// `npm run start:worker` (`node dist/service/start-worker.js`, `routy-pinterest worker`): the worker
// alone, on PostgreSQL and a Temporal cluster; run as many copies as needed.
import { createLogger } from '../observability/logger';
import { PinterestHttp } from '../pinterest/http';
import { SharedRequestBudget } from '../store/request-budget-store';
import { loadWorkerConfig } from './role-config';
import { runRole } from './role-process';
import { openMigratedDatabase, payloadCrypto } from './role-parts';
import { installRuntimeOnce } from './sdk-runtime';
import { installTracingOnce } from '../observability/tracing';
import { startWorkerRole, workerGraceSeconds } from './worker-role';
import { prebuiltWorkflowBundle } from '../worker/create-worker';

await runRole('worker', async (onStop) => {
  const config = loadWorkerConfig();
  await installRuntimeOnce(createLogger(config.ROUTY_LOG_LEVEL), config.ROUTY_SDK_METRICS_PORT);
  // Stopped last: the spans of the shutdown itself are exported too.
  const tracing = installTracingOnce('worker');
  onStop(() => tracing.shutdown());
  const db = await openMigratedDatabase({ kind: 'postgres', url: config.DATABASE_URL }, 'DATABASE_URL');
  onStop(() => db.destroy());
  const { cipher, dataConverter } = payloadCrypto(config.ROUTY_ENCRYPTION_KEYS, false);
  const apiBaseUrl = config.PINTEREST_API_BASE_URL ?? 'https://api.pinterest.com/v5';
  // Per-user budgets live in PostgreSQL: every copy spends the same ones.
  const http = new PinterestHttp(apiBaseUrl, new SharedRequestBudget(db, config.PINTEREST_REQUESTS_PER_MINUTE), undefined, config.PINTEREST_REQUEST_TIMEOUT_SECONDS * 1000);
  // Token refreshes need the app's id and secret only; the redirect URI belongs to the ingress's code exchange.
  const app = { appId: config.PINTEREST_APP_ID, appSecret: config.PINTEREST_APP_SECRET, redirectUri: '' };
  const worker = await startWorkerRole(config, { db, cipher, http, app, dataConverter, temporalAddress: config.TEMPORAL_ADDRESS, tracing });
  onStop(() => worker.stop());
  return {
    banner: `  temporal:   ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE})\n  database:   PostgreSQL (DATABASE_URL)\n  pinterest:  ${apiBaseUrl}\n  workflows:  ${prebuiltWorkflowBundle() ?? 'bundled at start'}`,
    running: worker.running,
    graceSeconds: workerGraceSeconds(config),
  };
});
