// Workflow histories as the replay test's fixtures hold them: proto JSON with every payload our
// codec encrypted decrypted, so replaying a fixture needs no key.
import { historyToJSON, JSONToPayload, payloadToJSON, type History, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import type { PayloadCodec } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from '../../temporal/payload-codec';

/** One history event in proto JSON: `eventType` and its `<name>EventAttributes`. */
export interface JSONEvent extends Record<string, unknown> {
  eventType: string;
}

/** `history` as proto JSON (`{events}`), each payload `codec` encrypted replaced by its plain form. */
export async function decryptedHistory(history: History, codec: PayloadCodec): Promise<{ events: JSONEvent[] }> {
  const visit = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map(visit));
    if (!node || typeof node !== 'object') return node;
    const encoding = (node as JSONPayload).metadata?.encoding;
    if (encoding && Buffer.from(encoding, 'base64').toString() === ENCRYPTED_ENCODING) {
      const [plain] = await codec.decode([JSONToPayload(node as JSONPayload)]);
      return payloadToJSON(plain!);
    }
    return Object.fromEntries(await Promise.all(Object.entries(node).map(async ([key, value]) => [key, await visit(value)])));
  };
  return (await visit(JSON.parse(historyToJSON(history)))) as { events: JSONEvent[] };
}
