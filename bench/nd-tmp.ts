import { readFile, writeFile } from 'node:fs/promises';
import { Connection, Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { createDataConverter } from '../temporal/data-converter';
import { parseEncryptionKeys } from '../secrets/token-cipher';
import { replayWorkerOptions } from '../worker/create-worker';
import { decryptedHistory } from '../test/support/recorded-history';
const keys = parseEncryptionKeys((await readFile('/tmp/nd/demo-encryption-keys', 'utf8')).trim());
const dc = createDataConverter(keys, { allowPlaintext: true });
const connection = await Connection.connect({ address: '127.0.0.1:47233' });
const client = new Client({ connection });
const raw = await client.workflow.getHandle('pinterest-ad-account-549764105221').fetchHistory();
const history = await decryptedHistory(raw, dc.payloadCodecs![0]!);
await writeFile('/tmp/nd/history.json', JSON.stringify(history, null, 1));
try { await Worker.runReplayHistory(replayWorkerOptions(), historyFromJSON(history), 'nd'); console.log('REPLAY OK'); } catch (e) { console.log('REPLAY FAILED', String(e).slice(0, 600)); }
await connection.close();
