import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { EncryptionKey } from '../secrets/token-cipher';
import { PayloadEncryptionCodec } from './payload-codec';

/** Path of the module exporting the failure converter that moves messages into encrypted payloads. */
// `.ts` from source (tsx), `.js` once compiled to dist/ (`npm run build`).
const failureConverterPath = fileURLToPath(new URL(`./failure-converter${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * The data converter every Temporal client and worker of this project uses: payloads encrypted
 * with `ROUTY_ENCRYPTION_KEYS` (see PayloadEncryptionCodec), failure messages and stack traces
 * encoded as payloads so they are encrypted too. A Routy process that signals the workflows needs
 * the same keys. Unencrypted payloads are refused unless `allowPlaintext` (the demo's generated key only).
 */
export function createDataConverter(keys: EncryptionKey[], options: { allowPlaintext?: boolean } = {}): DataConverter {
  return { payloadCodecs: [new PayloadEncryptionCodec(keys, options)], failureConverterPath };
}
