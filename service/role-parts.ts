// Start-up steps every role shares: the migrated database, the payload keys and the Temporal
// client, each failure reported with the variable behind it.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { parseEncryptionKeys, TokenCipher, type EncryptionKey } from '../secrets/token-cipher';
import { migrateToLatest, openDatabase, type DatabaseLocation } from '../store/database';
import type { Database } from '../store/database-schema';
import { tracingClientInterceptors } from '../observability/temporal-tracing';
import { createDataConverter } from '../temporal/data-converter';

/**
 * Runs a start-up step; its failure is reported with the configuration variable behind it.
 * @throws Error `<variable>: <the step's message>`, the step's error as its cause.
 */
export async function naming<T>(variable: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Error(`${variable}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Opens the database and runs the migrations not yet applied. Copies of the roles may start at
 * once: Kysely's migrator takes a lock row in the database, so each migration runs once.
 * @throws Error naming `variable` when the database cannot be opened or a migration fails.
 */
export async function openMigratedDatabase(location: DatabaseLocation, variable: string): Promise<Kysely<Database>> {
  const db = await openDatabase(location);
  try {
    await naming(variable, () => migrateToLatest(db));
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

/** The keys of `ROUTY_ENCRYPTION_KEYS`, the token cipher and the payload-encrypting data converter built on them. */
export interface PayloadCrypto {
  keys: EncryptionKey[];
  cipher: TokenCipher;
  dataConverter: DataConverter;
}

/**
 * Reads `ROUTY_ENCRYPTION_KEYS` (`id:base64-32-byte-key,...`, newest first). With
 * `allowPlaintext` (only the demo's generated key) the codec lets unencrypted payloads through.
 * @throws Error naming `ROUTY_ENCRYPTION_KEYS` when an entry is malformed.
 */
export function payloadCrypto(encryptionKeys: string, allowPlaintext: boolean): PayloadCrypto {
  const keys = parseEncryptionKeys(encryptionKeys);
  return { keys, cipher: new TokenCipher(keys), dataConverter: createDataConverter(keys, { allowPlaintext }) };
}

/**
 * A Temporal client on `address` (host:port) and `namespace`, with the payload codec and the
 * tracing client interceptors (each signal, update and start carries the trace context in a header).
 * @throws Error naming `TEMPORAL_ADDRESS` when the frontend cannot be reached.
 */
export async function connectTemporalClient(address: string, namespace: string, dataConverter: DataConverter): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await naming('TEMPORAL_ADDRESS', () => Connection.connect({ address }));
  return { client: new Client({ connection, namespace, dataConverter, interceptors: tracingClientInterceptors() }), close: () => connection.close() };
}
