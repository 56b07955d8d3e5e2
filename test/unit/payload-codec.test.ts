// The Temporal payload codec: what reaches the server is ciphertext; keys rotate by prepending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { generateEncryptionKeyEntry, parseEncryptionKeys } from '../../secrets/token-cipher';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadEncryptionCodec } from '../../temporal/payload-codec';
import { isRefusedPayload, REFUSED_METADATA } from '../../workflows/refused-payload';

const k1 = generateEncryptionKeyEntry('k1');
const k2 = generateEncryptionKeyEntry('k2');
const value = { ad_account_id: '549764105221', user_data: { em: ['b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514'] } };
const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());

describe('payload encryption codec', () => {
  it('sends ciphertext with the key id, and decodes it back to the same payload', async () => {
    const codec = new PayloadEncryptionCodec(parseEncryptionKeys(k1));
    const plain = defaultPayloadConverter.toPayload(value);
    const [sealed] = await codec.encode([plain]);
    assert.equal(text(sealed!.metadata!.encoding), ENCRYPTED_ENCODING);
    assert.equal(text(sealed!.metadata![KEY_ID_METADATA]), 'k1');
    const raw = Buffer.from(sealed!.data!).toString('latin1');
    assert.ok(!raw.includes('549764105221') && !raw.includes('b4c9a289'), 'neither the account nor the hash is readable');
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), value);
    // Two encodings of one value differ (fresh IV each time).
    const [again] = await codec.encode([plain]);
    assert.notDeepEqual(Buffer.from(again!.data!), Buffer.from(sealed!.data!));
  });

  it('rotates: a new key prepended encrypts, the old one still decodes; without it the error names the key', async () => {
    const [old] = await new PayloadEncryptionCodec(parseEncryptionKeys(k1)).encode([defaultPayloadConverter.toPayload(value)]);
    const rotated = new PayloadEncryptionCodec(parseEncryptionKeys(`${k2},${k1}`));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), value);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(value)]);
    assert.equal(text(fresh!.metadata![KEY_ID_METADATA]), 'k2');
    await assert.rejects(new PayloadEncryptionCodec(parseEncryptionKeys(k2)).decode([old!]), /key "k1", which ROUTY_ENCRYPTION_KEYS does not list/);
  });

  it('refuses altered ciphertext and unencrypted payloads; the demo passes unencrypted ones through', async () => {
    const codec = new PayloadEncryptionCodec(parseEncryptionKeys(k1));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
    const data = Buffer.from(sealed!.data!);
    data[20]! ^= 1;
    await assert.rejects(codec.decode([{ ...sealed!, data }]), /Unsupported state or unable to authenticate data/);
    const plain = defaultPayloadConverter.toPayload({ reason: 'sent by a client without the keys' });
    const [refused] = await codec.decode([plain]);
    assert.equal(Buffer.from(refused!.metadata![REFUSED_METADATA]!).toString(), 'unencrypted');
    // It reads as the refused value, not as what the client sent: the workflow refuses it without failing a task.
    const read = defaultPayloadConverter.fromPayload(refused!);
    assert.deepEqual(read, { routy_refused_payload: 'not encrypted' });
    assert.equal(isRefusedPayload(read), true);
    assert.equal(isRefusedPayload({ reason: 'sent by a client without the keys' }), false);
    const demo = new PayloadEncryptionCodec(parseEncryptionKeys(k1), { allowPlaintext: true });
    assert.deepEqual(await demo.decode([plain]), [plain]);
  });
});
