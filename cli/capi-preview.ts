import { toCapiEvent } from '../domain/capi-event';
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
  const outcome = toCapiEvent(
    {
      event_id: prepared.event_id,
      event_name: prepared.event_name,
      event_time: new Date(prepared.event_time),
      action_source: prepared.action_source,
      value: prepared.value ?? null,
      currency: prepared.currency ?? null,
      order_id: prepared.order_id ?? null,
      click_id: prepared.click_id ?? null,
      user_data: prepared.user_data,
      custom_data: { content_ids: prepared.content_ids, contents: prepared.contents, num_items: prepared.num_items },
      opt_out: prepared.opt_out,
      event_source_url: prepared.event_source_url ?? null,
    },
    now,
  );
  if (outcome.kind !== 'event') {
    return JSON.stringify({ line: lineNumber, error: [{ field: '(event)', message: `${outcome.kind}: ${outcome.reason}` }] });
  }
  return JSON.stringify({ line: lineNumber, ad_account_id: prepared.ad_account_id, event: outcome.event });
}
