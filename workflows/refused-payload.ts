// What a payload the codec refuses becomes (unencrypted while ROUTY_ENCRYPTION_KEYS is set, not
// decryptable, or encrypted for another workflow): a value the workflow recognizes and refuses,
// rather than an error that fails the workflow task again and again while the signal stays in
// history. Plain code with no imports: the workflow bundle reads it.

/** Metadata key marking a payload the codec refused; its value is the reason. */
export const REFUSED_METADATA = 'routy-refused';

/** The JSON value a refused payload decodes to: `{routy_refused_payload: <reason>}`. No call takes such an object. */
export interface RefusedPayloadValue {
  routy_refused_payload: string;
}

/** Reasons the codec refuses a payload, as they read in refusals and logs. */
export const REFUSAL_REASONS = {
  unencrypted: 'an unencrypted payload is refused (the caller lacks ROUTY_ENCRYPTION_KEYS)',
  altered: 'a payload that fails decryption (altered or forged) is refused',
  unknownKey: (id: string) => `a payload encrypted with key "${id.slice(0, 64)}", which ROUTY_ENCRYPTION_KEYS does not list, is refused`,
  otherWorkflow: (workflowId: string) => `a payload encrypted for workflow "${workflowId.slice(0, 200)}" is refused (sent again from another workflow's history?)`,
} as const;

/** The refused value for `reason`. */
export function refusedPayloadValue(reason: string): RefusedPayloadValue {
  return { routy_refused_payload: reason };
}

/** The reason, when `value` is what a refused payload decoded to; undefined for anything else. */
export function refusalOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const reason = (value as Record<string, unknown>).routy_refused_payload;
  return typeof reason === 'string' ? reason : undefined;
}
