// What an unencrypted payload becomes when ROUTY_ENCRYPTION_KEYS is set: a value the workflow
// recognizes and refuses, rather than a payload no converter reads (which, in a signal, fails the
// workflow task until the signal is gone). Plain code with no imports: the workflow bundle reads it.

/** Metadata key marking a payload the codec refused (its value: `unencrypted`). */
export const REFUSED_METADATA = 'routy-refused';

/** The JSON value a refused payload decodes to; no call of this project takes such an object. */
export const REFUSED_PAYLOAD_VALUE = Object.freeze({ routy_refused_payload: 'not encrypted' });

/** True for the value a refused (unencrypted) payload decoded to (see PayloadEncryptionCodec). */
export function isRefusedPayload(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>).routy_refused_payload === REFUSED_PAYLOAD_VALUE.routy_refused_payload;
}
