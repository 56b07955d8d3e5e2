// The Temporal payload codec: what reaches the server is ciphertext; keys rotate by prepending.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload, type SerializationContext } from '@temporalio/common';
import { generateEncryptionKeyEntry, parseEncryptionKeys } from '../../secrets/token-cipher';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadEncryptionCodec, WORKFLOW_ID_METADATA } from '../../temporal/payload-codec';
import { REFUSAL_REASONS, REFUSED_METADATA } from '../../workflows/refused-payload';

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

  it('rotates: a new key prepended encrypts, the old one still decodes; without it the payload is refused, naming the key', async () => {
    const [old] = await new PayloadEncryptionCodec(parseEncryptionKeys(k1)).encode([defaultPayloadConverter.toPayload(value)]);
    const rotated = new PayloadEncryptionCodec(parseEncryptionKeys(`${k2},${k1}`));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), value);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(value)]);
    assert.equal(text(fresh!.metadata![KEY_ID_METADATA]), 'k2');
    const [unknown] = await new PayloadEncryptionCodec(parseEncryptionKeys(k2)).decode([old!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(unknown!), { routy_refused_payload: REFUSAL_REASONS.unknownKey('k1') });
    assert.match(REFUSAL_REASONS.unknownKey('k1'), /key "k1", which ROUTY_ENCRYPTION_KEYS does not list/);
  });

  it('refuses altered, forged and unencrypted payloads as the refused value (never throwing); the demo passes unencrypted ones through', async () => {
    const codec = new PayloadEncryptionCodec(parseEncryptionKeys(k1));
    const refusal = async (payload: Payload, context?: SerializationContext) => {
      const [decoded] = await codec.decode([payload], context);
      const reason = text(decoded!.metadata![REFUSED_METADATA]);
      assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), { routy_refused_payload: reason });
      return reason;
    };
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
    const data = Buffer.from(sealed!.data!);
    data[20]! ^= 1;
    assert.equal(await refusal({ ...sealed!, data }), REFUSAL_REASONS.altered);
    const forged = { metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') }, data: Buffer.from('random bytes that claim to be ciphertext') };
    assert.equal(await refusal(forged), REFUSAL_REASONS.altered);
    assert.equal(await refusal({ ...forged, data: Buffer.from('short') }), REFUSAL_REASONS.altered);
    assert.equal(await refusal({ ...forged, metadata: { ...forged.metadata, [KEY_ID_METADATA]: Buffer.from('zz') } }), REFUSAL_REASONS.unknownKey('zz'));
    const plain = defaultPayloadConverter.toPayload({ reason: 'sent by a client without the keys' });
    assert.equal(await refusal(plain), REFUSAL_REASONS.unencrypted);
    const demo = new PayloadEncryptionCodec(parseEncryptionKeys(k1), { allowPlaintext: true });
    assert.deepEqual(await demo.decode([plain]), [plain]);
  });

  it("binds a workflow's payload to its workflow id: another workflow refuses it, and altering the binding breaks it", async () => {
    const codec = new PayloadEncryptionCodec(parseEncryptionKeys(k1));
    const of = (workflowId: string): SerializationContext => ({ type: 'workflow', namespace: 'default', workflowId });
    const [bound] = await codec.encode([defaultPayloadConverter.toPayload(value)], of('pinterest-ad-account-1'));
    assert.equal(text(bound!.metadata![WORKFLOW_ID_METADATA]), 'pinterest-ad-account-1');
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([bound!], of('pinterest-ad-account-1')))[0]!), value);
    // The codec endpoint (no context) still shows it; an activity of the same workflow reads it too.
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([bound!]))[0]!), value);
    const activity: SerializationContext = { type: 'activity', namespace: 'default', workflowId: 'pinterest-ad-account-1', isLocal: false };
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([bound!], activity))[0]!), value);
    const [elsewhere] = await codec.decode([bound!], of('pinterest-ad-account-2'));
    assert.deepEqual(defaultPayloadConverter.fromPayload(elsewhere!), { routy_refused_payload: REFUSAL_REASONS.otherWorkflow('pinterest-ad-account-1') });
    // Re-labelling it for the other workflow fails authentication; removing the label too.
    const relabelled = { ...bound!, metadata: { ...bound!.metadata, [WORKFLOW_ID_METADATA]: Buffer.from('pinterest-ad-account-2') } };
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([relabelled], of('pinterest-ad-account-2')))[0]!), { routy_refused_payload: REFUSAL_REASONS.altered });
    const { [WORKFLOW_ID_METADATA]: _label, ...unlabelled } = bound!.metadata!;
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([{ ...bound!, metadata: unlabelled }], of('pinterest-ad-account-2')))[0]!), { routy_refused_payload: REFUSAL_REASONS.altered });
  });
});
