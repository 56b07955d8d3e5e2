import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EncryptionKey } from '../secrets/token-cipher';
import { REFUSED_METADATA, REFUSED_PAYLOAD_VALUE } from '../workflows/refused-payload';

/** `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the `ROUTY_ENCRYPTION_KEYS` entry a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const text = new TextEncoder();
const fromText = new TextDecoder();

/** What an unencrypted payload decodes to when plaintext is not allowed. */
function refusedPayload(): Payload {
  const payload = defaultPayloadConverter.toPayload(REFUSED_PAYLOAD_VALUE);
  return { ...payload, metadata: { ...payload.metadata, [REFUSED_METADATA]: text.encode('unencrypted') } };
}

/**
 * Encrypts every workflow and activity payload (arguments, results, signals, queries, updates,
 * failure details) with AES-256-GCM before it reaches the Temporal server, so its history holds
 * neither hashed identifiers nor account data in readable form. Keys come from
 * `ROUTY_ENCRYPTION_KEYS` (newest first encrypts, any listed decrypts, so keys rotate by
 * prepending), each derived with HKDF-SHA256 for this use alone: the token cipher's keys are never
 * reused as they are. A payload without the encrypted encoding (sent by a Temporal client without
 * the keys) is refused: it decodes to REFUSED_PAYLOAD_VALUE (JSON, marked with the REFUSED_METADATA
 * key), which the workflow refuses in every signal, update and start (workflows/call-guards.ts)
 * without failing its workflow task. With `allowPlaintext` (the demo's generated key only) it is
 * decoded unchanged.
 */
export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer };

  private readonly allowPlaintext: boolean;

  /** @param options.allowPlaintext pass unencrypted payloads through on decode (demo and emulator mode only). */
  constructor(keys: EncryptionKey[], options: { allowPlaintext?: boolean } = {}) {
    this.allowPlaintext = options.allowPlaintext ?? false;
    if (keys.length === 0) throw new Error('PayloadEncryptionCodec needs at least one key');
    const derived = keys.map((k) => ({ id: k.id, key: Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), 'routy-pinterest temporal payloads v1', 32)) }));
    this.current = derived[0]!;
    this.byId = new Map(derived.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(text.encode(this.current.id));
      const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(this.current.id) }, data: sealed };
    });
  }

  /**
   * Decrypts; an unencrypted payload becomes the refused value unless plaintext is allowed.
   * @throws Error when a payload's key id is not configured or its data was altered.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || fromText.decode(encoding) !== ENCRYPTED_ENCODING) {
        return this.allowPlaintext ? payload : refusedPayload();
      }
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? fromText.decode(idBytes) : '';
      const key = this.byId.get(id);
      if (!key) throw new Error(`payload encrypted with key "${id}", which ROUTY_ENCRYPTION_KEYS does not list`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAAD(text.encode(id));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return proto.temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
