/**
 * The cautious reading of Pinterest's Conversions API deduplication, as the emulator applies it.
 *
 * What is known: the Tag and the Conversions API are deduplicated on `event_id` with
 * `event_name`; Pinterest keeps the first event and removes copies received within 48 hours
 * (its conversion docs, as integrators quote them); events that took place offline cannot be
 * deduplicated (openapi-v5.yaml, `events/create`); events received more than an hour after they
 * occurred are categorized as offline (Segment's and Tealium's docs). Whether two API copies are
 * deduplicated is not documented. So a later copy is taken as removed only when every one of
 * those conditions holds; any doubt counts it again, which is the outcome a sender must avoid.
 */

/** Pinterest keeps the first copy and removes later ones received within this long of it. */
const DEDUPLICATION_WINDOW_MS = 48 * 3_600_000;

/** An event received more than this long from its `event_time` is categorized as offline. */
const ONLINE_WINDOW_MS = 3_600_000;

/**
 * `action_source` values that can be deduplicated (ConversionEvents in openapi-v5.yaml lists
 * `app_android`, `app_ios`, `web` and `offline`). Anything else, `offline` included, cannot.
 */
const DEDUPLICATED_SOURCES: ReadonlySet<string> = new Set(['web', 'app_android', 'app_ios']);

/** One copy of a conversion event as Pinterest received it. */
export interface EventCopy {
  event_id: string;
  event_name: string;
  /** As sent: `web`, `app_android`, `app_ios`, `offline`, or anything else (never deduplicated). */
  action_source: string;
  /** When the event happened, Unix seconds as sent; NaN when the copy carried no number. */
  event_time: number;
  /** When the copy arrived, epoch milliseconds on the receiver's clock. */
  arrived_at_ms: number;
}

/** What happens to one received copy. */
export type CopyDecision = 'counted' | 'dropped';

/** Whether two copies are the same event for deduplication: same `event_id` and `event_name`. */
function sameEvent(a: Pick<EventCopy, 'event_id' | 'event_name'>, b: Pick<EventCopy, 'event_id' | 'event_name'>): boolean {
  return a.event_id === b.event_id && a.event_name === b.event_name;
}

/**
 * Whether a copy was received as a web or app event: its source can be deduplicated and it
 * arrived within an hour of its `event_time` (either side of it; a copy without a numeric
 * `event_time` never is).
 */
export function arrivedOnline(copy: EventCopy): boolean {
  return DEDUPLICATED_SOURCES.has(copy.action_source) && Math.abs(copy.arrived_at_ms - copy.event_time * 1000) <= ONLINE_WINDOW_MS;
}

/**
 * Decides one copy against the first counted copy of the same event.
 * @param first the first copy of this `event_id` and `event_name` that was counted, or undefined
 *   when none was (a copy of another event also counts as none).
 * @param copy the copy just received, later than `first`.
 * @returns `dropped` only when both copies arrived online ({@link arrivedOnline}) and `copy`
 *   arrived within 48 hours of `first`; else `counted` (again).
 */
export function decideCopy(first: EventCopy | undefined, copy: EventCopy): CopyDecision {
  if (!first || !sameEvent(first, copy)) return 'counted';
  const withinWindow = copy.arrived_at_ms - first.arrived_at_ms <= DEDUPLICATION_WINDOW_MS;
  return withinWindow && arrivedOnline(first) && arrivedOnline(copy) ? 'dropped' : 'counted';
}
