import { decideCopy, type EventCopy } from './capi-deduplication';

/** What Pinterest would have counted from one ad account's Conversions API requests. */
export interface DeliveryReport {
  ad_account_id: string;
  /** Conversions API requests with a valid batch (1 to 1000 events), stale or test ones included. */
  requests: number;
  /** Events in those requests. */
  events_received: number;
  /**
   * Copies counted: answered `processed`, outside test mode, in a request not refused as stale,
   * and not dropped as a duplicate. An event counted twice adds 2.
   */
  events_counted: number;
  /** Later copies of a counted event that deduplication removed (still answered `processed`). */
  copies_dropped: number;
  /** Distinct events (`event_id` with `event_name`) counted more than once. */
  events_counted_more_than_once: number;
  /** Their `event_id`s, in the order they were first counted twice. */
  counted_more_than_once_event_ids: string[];
}

/** One event (`event_id` with `event_name`) and how many of its copies were counted. */
export interface CountedEvent {
  event_id: string;
  event_name: string;
  times_counted: number;
}

interface AccountTally {
  requests: number;
  events_received: number;
  events_counted: number;
  copies_dropped: number;
  /** Per event (key from {@link eventKey}): its first counted copy and how many copies counted. */
  counted: Map<string, { first: EventCopy; times: number }>;
  counted_more_than_once_event_ids: string[];
}

/** What one request's handler tells the ledger. */
export interface ReceivedRequest {
  ad_account_id: string;
  /** The events as sent (`data`). */
  events: ReadonlyArray<Record<string, unknown>>;
  /** Pinterest's per-event answer, in the same order; empty when the whole request was refused. */
  statuses: ReadonlyArray<'processed' | 'failed'>;
  /** `?test=true`: Pinterest marks the events as tests and records none of them. */
  test: boolean;
  arrived_at: Date;
}

const emptyTally = (): AccountTally => ({
  requests: 0,
  events_received: 0,
  events_counted: 0,
  copies_dropped: 0,
  counted: new Map(),
  counted_more_than_once_event_ids: [],
});

const eventKey = (copy: Pick<EventCopy, 'event_id' | 'event_name'>): string => JSON.stringify([copy.event_id, copy.event_name]);

/** A received event as the deduplication rule reads it. */
function copyOf(event: Record<string, unknown>, arrivedAt: Date): EventCopy {
  return {
    event_id: String(event.event_id),
    event_name: String(event.event_name),
    action_source: String(event.action_source),
    event_time: typeof event.event_time === 'number' ? event.event_time : Number.NaN,
    arrived_at_ms: arrivedAt.getTime(),
  };
}

/**
 * Per ad account, which Conversions API copies Pinterest would count under the cautious
 * deduplication rule (emulator/capi-deduplication.ts), in the order the requests arrived.
 */
export class DeliveryLedger {
  private readonly accounts = new Map<string, AccountTally>();

  private tally(adAccountId: string): AccountTally {
    let tally = this.accounts.get(adAccountId);
    if (!tally) {
      tally = emptyTally();
      this.accounts.set(adAccountId, tally);
    }
    return tally;
  }

  /** Takes one request with a valid batch, after its answer was decided. */
  received(request: ReceivedRequest): void {
    const tally = this.tally(request.ad_account_id);
    tally.requests += 1;
    tally.events_received += request.events.length;
    if (request.test) return;
    request.events.forEach((event, index) => {
      if (request.statuses[index] !== 'processed') return;
      const copy = copyOf(event, request.arrived_at);
      const key = eventKey(copy);
      const seen = tally.counted.get(key);
      if (decideCopy(seen?.first, copy) === 'dropped') {
        tally.copies_dropped += 1;
        return;
      }
      tally.events_counted += 1;
      if (!seen) {
        tally.counted.set(key, { first: copy, times: 1 });
        return;
      }
      seen.times += 1;
      if (seen.times === 2) tally.counted_more_than_once_event_ids.push(copy.event_id);
    });
  }

  /** The account's figures so far; all zero for an account that sent nothing. */
  report(adAccountId: string): DeliveryReport {
    const tally = this.accounts.get(adAccountId) ?? emptyTally();
    return {
      ad_account_id: adAccountId,
      requests: tally.requests,
      events_received: tally.events_received,
      events_counted: tally.events_counted,
      copies_dropped: tally.copies_dropped,
      events_counted_more_than_once: tally.counted_more_than_once_event_ids.length,
      counted_more_than_once_event_ids: [...tally.counted_more_than_once_event_ids],
    };
  }

  /** Every event of the account counted at least once, with how many of its copies counted. */
  countedEvents(adAccountId: string): CountedEvent[] {
    const counted = (this.accounts.get(adAccountId) ?? emptyTally()).counted;
    return [...counted.values()].map(({ first, times }) => ({ event_id: first.event_id, event_name: first.event_name, times_counted: times }));
  }
}
