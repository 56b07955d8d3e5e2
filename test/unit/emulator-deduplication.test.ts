import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrivedOnline, decideCopy, type EventCopy } from '../../emulator/capi-deduplication';
import { DeliveryLedger } from '../../emulator/delivery-ledger';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The event happened at noon; the first copy arrived 5 minutes later. */
const eventTime = Date.parse('2026-11-29T12:00:00Z');
const first: EventCopy = { event_id: 'e-1', event_name: 'checkout', action_source: 'web', event_time: eventTime / 1000, arrived_at_ms: eventTime + 5 * MINUTE };
/** A later copy of `first`, arriving `after` milliseconds after the event, with `changes`. */
const copy = (after: number, changes: Partial<EventCopy> = {}): EventCopy => ({ ...first, arrived_at_ms: eventTime + after, ...changes });

describe('decideCopy: the cautious reading of Pinterest deduplication', () => {
  it('drops a web copy arriving 10 minutes after the first, inside the hour', () => {
    assert.equal(decideCopy(first, copy(15 * MINUTE)), 'dropped');
  });

  it('drops app copies too', () => {
    for (const source of ['app_android', 'app_ios']) {
      assert.equal(decideCopy({ ...first, action_source: source }, copy(15 * MINUTE, { action_source: source })), 'dropped', source);
    }
  });

  it('counts an offline copy again, and a web copy of an offline first', () => {
    assert.equal(decideCopy(first, copy(15 * MINUTE, { action_source: 'offline' })), 'counted');
    assert.equal(decideCopy({ ...first, action_source: 'offline' }, copy(15 * MINUTE)), 'counted');
  });

  it('counts a copy whose source is not one Pinterest deduplicates', () => {
    assert.equal(decideCopy(first, copy(15 * MINUTE, { action_source: 'undefined' })), 'counted');
  });

  it('counts a copy arriving 49 hours after the first again', () => {
    // Both copies arrive within an hour of their own event_time, so only the 48 hours decide.
    const later = { ...copy(0), event_time: (eventTime + 49 * HOUR) / 1000, arrived_at_ms: first.arrived_at_ms + 49 * HOUR };
    assert.equal(decideCopy(first, later), 'counted');
    assert.equal(decideCopy(first, { ...later, arrived_at_ms: first.arrived_at_ms + 47 * HOUR, event_time: (eventTime + 47 * HOUR) / 1000 }), 'dropped');
  });

  it('counts a copy arriving 61 minutes after event_time again; 60 minutes still drops', () => {
    assert.equal(decideCopy(first, copy(61 * MINUTE)), 'counted');
    assert.equal(decideCopy(first, copy(60 * MINUTE)), 'dropped');
  });

  it('counts a copy again when the first copy itself arrived over an hour after event_time', () => {
    const lateFirst = { ...first, arrived_at_ms: eventTime + 61 * MINUTE };
    assert.equal(decideCopy(lateFirst, copy(62 * MINUTE)), 'counted');
  });

  it('counts a different event_name separately, and the first copy of anything', () => {
    assert.equal(decideCopy(first, copy(15 * MINUTE, { event_name: 'lead' })), 'counted');
    assert.equal(decideCopy(first, copy(15 * MINUTE, { event_id: 'e-2' })), 'counted');
    assert.equal(decideCopy(undefined, copy(15 * MINUTE)), 'counted');
  });

  it('reads a copy without a numeric event_time as offline', () => {
    assert.equal(arrivedOnline(copy(5 * MINUTE, { event_time: Number.NaN })), false);
    assert.equal(arrivedOnline(copy(5 * MINUTE)), true);
  });
});

describe('DeliveryLedger', () => {
  const event = (id: string, name = 'checkout', source = 'web') => ({ event_id: id, event_name: name, action_source: source, event_time: eventTime / 1000 });
  const at = (after: number) => new Date(eventTime + after);

  it('counts per account what Pinterest would count, in arrival order', () => {
    const ledger = new DeliveryLedger();
    ledger.received({ ad_account_id: 'a', events: [event('e-1'), event('e-2'), event('e-3')], statuses: ['processed', 'processed', 'failed'], test: false, arrived_at: at(MINUTE) });
    // e-1 again inside the hour: dropped. e-2 offline: counted again. e-3 was not counted before, so it counts now.
    ledger.received({ ad_account_id: 'a', events: [event('e-1'), event('e-2', 'checkout', 'offline'), event('e-3')], statuses: ['processed', 'processed', 'processed'], test: false, arrived_at: at(10 * MINUTE) });
    // e-1 a third time, past the hour: counted again. e-1 as a lead: a separate event.
    ledger.received({ ad_account_id: 'a', events: [event('e-1'), event('e-1', 'lead')], statuses: ['processed', 'processed'], test: false, arrived_at: at(2 * HOUR) });
    ledger.received({ ad_account_id: 'b', events: [event('e-1')], statuses: ['processed'], test: false, arrived_at: at(MINUTE) });
    assert.deepEqual(ledger.report('a'), {
      ad_account_id: 'a',
      requests: 3,
      events_received: 8,
      events_counted: 6,
      copies_dropped: 1,
      events_counted_more_than_once: 2,
      counted_more_than_once_event_ids: ['e-2', 'e-1'],
    });
    assert.deepEqual(ledger.countedEvents('a'), [
      { event_id: 'e-1', event_name: 'checkout', times_counted: 2 },
      { event_id: 'e-2', event_name: 'checkout', times_counted: 2 },
      { event_id: 'e-3', event_name: 'checkout', times_counted: 1 },
      { event_id: 'e-1', event_name: 'lead', times_counted: 1 },
    ]);
    assert.deepEqual(ledger.report('b'), {
      ad_account_id: 'b',
      requests: 1,
      events_received: 1,
      events_counted: 1,
      copies_dropped: 0,
      events_counted_more_than_once: 0,
      counted_more_than_once_event_ids: [],
    });
  });

  it('counts nothing from test requests or refused requests, and reports zeros for an unknown account', () => {
    const ledger = new DeliveryLedger();
    ledger.received({ ad_account_id: 'a', events: [event('e-1')], statuses: ['processed'], test: true, arrived_at: at(MINUTE) });
    ledger.received({ ad_account_id: 'a', events: [event('e-1')], statuses: [], test: false, arrived_at: at(MINUTE) });
    assert.deepEqual(ledger.report('a'), {
      ad_account_id: 'a',
      requests: 2,
      events_received: 2,
      events_counted: 0,
      copies_dropped: 0,
      events_counted_more_than_once: 0,
      counted_more_than_once_event_ids: [],
    });
    assert.deepEqual(ledger.countedEvents('a'), []);
    assert.equal(ledger.report('nobody').requests, 0);
  });
});
