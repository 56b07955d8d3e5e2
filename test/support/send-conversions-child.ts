// Runs one sendMatchedConversions attempt in its own process, so a test can kill -9 it mid-send.
// Env: DATABASE_URL, PINTEREST_API_BASE_URL, ROUTY_ENCRYPTION_KEYS, AD_ACCOUNT_ID.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { PinterestHttp } from '../../pinterest/http';
import { parseEncryptionKeys, TokenCipher } from '../../secrets/token-cipher';
import { openDatabase } from '../../store/database';
import { EMULATOR_APP } from '../../emulator/pinterest-emulator';

const env = process.env as Record<string, string>;
const db = await openDatabase({ kind: 'postgres', url: env.DATABASE_URL! });
const activities = createActivities({
  db,
  http: new PinterestHttp(env.PINTEREST_API_BASE_URL!),
  app: { ...EMULATOR_APP, redirectUri: 'unused' },
  cipher: new TokenCipher(parseEncryptionKeys(env.ROUTY_ENCRYPTION_KEYS!)),
});
process.stdout.write('started\n');
await new MockActivityEnvironment().run(activities.sendMatchedConversions, { ad_account_id: env.AD_ACCOUNT_ID! });
process.stdout.write('finished\n');
await db.destroy();
