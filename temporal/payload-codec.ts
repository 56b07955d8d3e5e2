import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload, type PayloadCodec, type SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EncryptionKey } from '../secrets/token-cipher';
import { REFUSAL_REASONS, REFUSED_METADATA, refusedPayloadValue } from '../workflows/refused-payload';

/** `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the `ROUTY_ENCRYPTION_KEYS` entry a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';
/** Metadata key naming the workflow a payload was encrypted for (bound into the ciphertext's authentication). */
export const WORKFLOW_ID_METADATA = 'encrypted-for-workflow';

const text = new TextEncoder();
const fromText = new TextDecoder();

/** What a refused payload decodes to: the refused value, its reason also in REFUSED_METADATA. */
function refusedPayload(reason: string): Payload {
  const payload = defaultPayloadConverter.toPayload(refusedPayloadValue(reason));
  return { ...payload, metadata: { ...payload.metadata, [REFUSED_METADATA]: text.encode(reason) } };
}

/** The workflow a payload belongs to, when Temporal says (its serialization context). */
function workflowOf(context: SerializationContext | undefined): string | undefined {
  return context?.workflowId || undefined;
}

/** Authenticated data: the key id, and the workflow id the payload is bound to (absent for payloads encrypted without one). */
function aad(keyId: string, workflowId: string | undefined): Uint8Array {
  return text.encode(workflowId === undefined ? keyId : `${keyId}\n${workflowId}`);
}

/**
 * Encrypts every workflow and activity payload (arguments, results, signals, queries, updates,
 * failure details) with AES-256-GCM before it reaches the Temporal server, so its history holds
 * neither hashed identifiers nor account data in readable form. Keys come from
 * `ROUTY_ENCRYPTION_KEYS` (newest first encrypts, any listed decrypts, so keys rotate by
 * prepending), each derived with HKDF-SHA256 for this use alone: the token cipher's keys are never
 * reused as they are. A payload that belongs to a workflow (Temporal's serialization context) is
 * bound to its workflow id: the id is in the metadata and in the authenticated data, so a payload
 * copied from one account's history is refused by another's. Refused on decode, each becoming the
 * refused value (workflows/refused-payload.ts, its reason also in REFUSED_METADATA), which the
 * workflow refuses in every signal, update and start (workflows/call-guards.ts) without failing
 * its workflow task: a payload without the encrypted encoding (a Temporal client without the
 * keys), one under a key id not configured, one whose data was altered, and one bound to another
 * workflow than the one decoding it. With `allowPlaintext` (the demo's generated key only) an
 * unencrypted payload is decoded unchanged.
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

  /** Encrypts each payload with the newest key, bound to `context`'s workflow when it has one. */
  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const workflowId = workflowOf(context);
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(aad(this.current.id, workflowId));
      const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      const metadata: Record<string, Uint8Array> = { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(this.current.id) };
      if (workflowId !== undefined) metadata[WORKFLOW_ID_METADATA] = text.encode(workflowId);
      return { metadata, data: sealed };
    });
  }

  /**
   * Decrypts each payload; one that cannot be taken becomes the refused value (see the class).
   * `context`: when it names a workflow, a payload bound to another one is refused. Never throws
   * for a payload's content.
   */
  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || fromText.decode(encoding) !== ENCRYPTED_ENCODING) {
        return this.allowPlaintext ? payload : refusedPayload(REFUSAL_REASONS.unencrypted);
      }
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? fromText.decode(idBytes) : '';
      const key = this.byId.get(id);
      if (!key) return refusedPayload(REFUSAL_REASONS.unknownKey(id));
      const boundBytes = payload.metadata?.[WORKFLOW_ID_METADATA];
      const bound = boundBytes ? fromText.decode(boundBytes) : undefined;
      const expected = workflowOf(context);
      if (bound !== undefined && expected !== undefined && bound !== expected) return refusedPayload(REFUSAL_REASONS.otherWorkflow(bound));
      try {
        const data = Buffer.from(payload.data ?? new Uint8Array());
        if (data.length < 28) return refusedPayload(REFUSAL_REASONS.altered);
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAAD(aad(id, bound));
        decipher.setAuthTag(data.subarray(data.length - 16));
        const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
        return proto.temporal.api.common.v1.Payload.decode(plain);
      } catch {
        return refusedPayload(REFUSAL_REASONS.altered);
      }
    });
  }
}
