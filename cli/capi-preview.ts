import { storedFromRecord, toCapiEvent } from '../domain/capi-event';
import { prepareConversions } from '../domain/routy-records';

/**
 * The dry run behind `routy-pinterest capi-preview`: one ingress-shaped conversion per line in,
 * one line out: `{"line": n, "ad_account_id", "event": {...}}` with the exact Conversions API event the
 * record would produce, or `{"line": n, "error": [{field, message}]}`. No network, no database.
 * Without a matched click there is no click-id fallback, so the preview shows identifiers only.
 */
export function previewLine(line: string, lineNumber: number, now: Date): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return JSON.stringify({ line: lineNumber, error: [{ field: '(line)', message: 'is not valid JSON' }] });
  }
  const { accepted, rejected } = prepareConversions([record]);
  const prepared = accepted[0]?.record;
  if (!prepared) {
    return JSON.stringify({ line: lineNumber, error: rejected.map(({ field, message }) => ({ field, message })) });
  }
  const outcome = toCapiEvent(storedFromRecord(prepared), now);
  if (outcome.kind !== 'event') {
    return JSON.stringify({ line: lineNumber, error: [{ field: '(event)', message: `${outcome.kind}: ${outcome.reason}` }] });
  }
  return JSON.stringify({ line: lineNumber, ad_account_id: prepared.ad_account_id, event: outcome.event });
}
