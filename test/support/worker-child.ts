// One worker process for multi-worker tests: the project's worker (every workflow and activity on
// the task queue) with the shared, PostgreSQL-kept Pinterest budget, and nothing else.
// Env: DATABASE_URL, TEMPORAL_ADDRESS, PINTEREST_API_BASE_URL, ROUTY_ENCRYPTION_KEYS, optional
// PINTEREST_REQUESTS_PER_MINUTE, WORKFLOW_BUNDLE_PATH (a prebuilt bundle: skips webpack) and
// TASK_QUEUE (default the service's), MAX_CONCURRENT_ACTIVITIES (default the SDK's).
// Prints `ready <pid>` once polling; SIGTERM stops it gracefully.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { EMULATOR_APP } from '../../emulator/pinterest-emulator';
import { PinterestHttp } from '../../pinterest/http';
import { parseEncryptionKeys, TokenCipher } from '../../secrets/token-cipher';
import { loadConfig } from '../../service/config';
import { openDatabase } from '../../store/database';
import { SharedRequestBudget } from '../../store/request-budget-store';
import { createDataConverter } from '../../temporal/data-converter';
import { createWorker } from '../../worker/create-worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
const config = loadConfig(process.env);
const keys = parseEncryptionKeys(config.ROUTY_ENCRYPTION_KEYS!);
const db = await openDatabase({ kind: 'postgres', url: config.DATABASE_URL! });
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS! });
const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
const worker = await createWorker({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  deps: {
    db,
    http: new PinterestHttp(config.PINTEREST_API_BASE_URL!, new SharedRequestBudget(db, config.PINTEREST_REQUESTS_PER_MINUTE)),
    app: { ...EMULATOR_APP, redirectUri: 'unused' },
    cipher: new TokenCipher(keys),
  },
  dataConverter: createDataConverter(keys),
  ...(process.env.TASK_QUEUE ? { taskQueue: process.env.TASK_QUEUE } : {}),
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
  shutdownGraceSeconds: 5,
  ...(process.env.MAX_CONCURRENT_ACTIVITIES ? { maxConcurrentActivities: Number(process.env.MAX_CONCURRENT_ACTIVITIES) } : {}),
});
process.once('SIGTERM', () => worker.shutdown());
const running = worker.run();
process.stdout.write(`ready ${process.pid}\n`);
await running;
await connection.close();
await db.destroy();
