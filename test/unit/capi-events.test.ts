import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { customDataOf, storedFromRecord, toCapiEvent, type StoredConversion } from '../../domain/capi-event';
import type { ConversionRecord } from '../../domain/routy-records';

const now = new Date('2026-11-29T12:00:00Z');
const base: StoredConversion = {
  event_id: 'e-1',
  event_name: 'checkout',
  event_time: new Date('2026-11-28T12:00:00Z'),
  action_source: 'web',
  value: '19.90',
  currency: 'EUR',
  order_id: 'o-1',
  click_id: null,
  user_data: { em: 'a'.repeat(64), client_ip_address: '203.0.113.1' },
};

describe('toCapiEvent', () => {
  it('builds the event with Unix seconds, the Tag event_id and a decimal string value', () => {
    assert.deepEqual(toCapiEvent(base, now), {
      kind: 'event',
      event: {
        event_name: 'checkout',
        action_source: 'web',
        event_time: Date.parse('2026-11-28T12:00:00Z') / 1000,
        event_id: 'e-1',
        user_data: { em: ['a'.repeat(64)], client_ip_address: '203.0.113.1' },
        custom_data: { currency: 'EUR', value: '19.90', order_id: 'o-1' },
        partner_name: 'ss-routy',
      },
    });
  });

  it('borrows IP and user agent from the matched click when the conversion has no identifiers', () => {
    const bare = { ...base, user_data: {} };
    assert.equal(toCapiEvent(bare, now).kind, 'not_sendable');
    const withClick = toCapiEvent(bare, now, { click_id: 'epik-1', client_ip_address: '198.51.100.2', client_user_agent: 'UA' });
    assert.equal(withClick.kind, 'event');
    assert.deepEqual(withClick.kind === 'event' && withClick.event.user_data, {
      click_id: 'epik-1',
      client_ip_address: '198.51.100.2',
      client_user_agent: 'UA',
    });
  });

  it('adds the matched click id, IP address and user agent beside an email, keeping what the conversion has', () => {
    const click = { click_id: 'epik-click', client_ip_address: '198.51.100.2', client_user_agent: 'UA-click' };
    const emailOnly = toCapiEvent({ ...base, user_data: { em: 'a'.repeat(64) } }, now, click);
    assert.deepEqual(emailOnly.kind === 'event' && emailOnly.event.user_data, {
      em: ['a'.repeat(64)],
      click_id: 'epik-click',
      client_ip_address: '198.51.100.2',
      client_user_agent: 'UA-click',
    });
    // The conversion's own click id (from Routy or its URL's epik) and IP address come first.
    const own = toCapiEvent({ ...base, click_id: 'epik-own' }, now, click);
    assert.deepEqual(own.kind === 'event' && own.event.user_data, {
      em: ['a'.repeat(64)],
      click_id: 'epik-own',
      client_ip_address: '203.0.113.1',
      client_user_agent: 'UA-click',
    });
  });

  it('sends no click id when neither the conversion nor a matched click has one', () => {
    const viaView = toCapiEvent(base, now, undefined);
    assert.ok(viaView.kind === 'event' && !('click_id' in viaView.event.user_data));
    const clickWithoutId = toCapiEvent(base, now, { client_user_agent: 'UA-click' });
    assert.deepEqual(clickWithoutId.kind === 'event' && clickWithoutId.event.user_data, { em: ['a'.repeat(64)], client_ip_address: '203.0.113.1', client_user_agent: 'UA-click' });
  });

  it('carries content ids, contents, the page URL, and opt_out only when the user opted out', () => {
    const rich = { ...base, custom_data: { content_ids: ['sku-1'], contents: [{ id: 'sku-1', item_price: '9.95', quantity: 2 }], num_items: 2 }, event_source_url: 'https://shop.example.com/cart' };
    const built = toCapiEvent({ ...rich, opt_out: true }, now);
    assert.equal(built.kind, 'event');
    if (built.kind !== 'event') return;
    assert.deepEqual(built.event.custom_data, { currency: 'EUR', value: '19.90', order_id: 'o-1', content_ids: ['sku-1'], contents: [{ id: 'sku-1', item_price: '9.95', quantity: 2 }], num_items: 2 });
    assert.equal(built.event.event_source_url, 'https://shop.example.com/cart');
    assert.equal(built.event.opt_out, true);
    const notOptedOut = toCapiEvent({ ...rich, opt_out: false }, now);
    assert.ok(notOptedOut.kind === 'event' && !('opt_out' in notOptedOut.event));
  });

  it('marks events older than 7 days stale instead of sending them', () => {
    const old = { ...base, event_time: new Date('2026-11-20T11:00:00Z') };
    assert.equal(toCapiEvent(old, now).kind, 'stale');
  });
});

describe('storedFromRecord', () => {
  const record = {
    ad_account_id: '549764105221',
    event_id: 'e-2',
    event_name: 'checkout',
    event_time: '2026-11-28T12:00:00.000Z',
    action_source: 'web',
    value: '5.00',
    currency: 'USD',
    user_data: { em: 'b'.repeat(64) },
  } as ConversionRecord;

  it('stores custom_data only when the record has one of its fields', () => {
    assert.equal(customDataOf(record), null);
    assert.deepEqual(customDataOf({ ...record, content_ids: [] }), { content_ids: [], contents: undefined, num_items: undefined });
  });

  it('gives the same event the stored row gives: products, value and time', () => {
    const withProducts = { ...record, contents: [{ id: 'sku-1', item_price: '2.50', quantity: 2 }], num_items: 2 };
    const event = toCapiEvent(storedFromRecord(withProducts), now);
    assert.equal(event.kind, 'event');
    assert.deepEqual(event.kind === 'event' && event.event.custom_data, {
      currency: 'USD',
      value: '5.00',
      contents: [{ id: 'sku-1', item_price: '2.50', quantity: 2 }],
      num_items: 2,
    });
    assert.equal(event.kind === 'event' && event.event.event_time, Date.parse('2026-11-28T12:00:00Z') / 1000);
  });
});
