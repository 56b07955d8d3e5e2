import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredConversion } from '../../domain/capi-event';
import { differingFields } from '../../domain/conversion-differences';
import { hashUser } from '../../domain/user-data';

const stored: StoredConversion = {
  event_id: 'e-1',
  event_name: 'checkout',
  event_time: new Date('2026-11-28T12:00:00Z'),
  action_source: 'web',
  value: '30.000000',
  currency: 'USD',
  order_id: 'o-1',
  click_id: null,
  user_data: hashUser({ email: 'ada@example.com', ip: '203.0.113.1' }),
  custom_data: { content_ids: ['sku-1'] },
  opt_out: false,
  event_source_url: null,
};

describe('differingFields', () => {
  it('finds nothing in an identical repeat, comparing money by amount and user data by hash', () => {
    const repeat = { ...stored, value: '30', user_data: hashUser({ email: ' ADA@example.com', ip: '203.0.113.1' }), event_time: new Date('2026-11-28T12:00:00.000Z') };
    assert.deepEqual(differingFields(stored, repeat), []);
  });

  it('names each differing field under Routy input names, sorted', () => {
    const repeat: StoredConversion = {
      ...stored,
      event_time: new Date('2026-11-28T12:00:01Z'),
      value: '45',
      currency: 'EUR',
      click_id: 'epik-1',
      opt_out: true,
      custom_data: { content_ids: ['sku-2'], num_items: 1 },
      user_data: hashUser({ email: 'grace@example.com', phone: '+1 555 010 4477', user_agent: 'UA' }),
    };
    assert.deepEqual(differingFields(stored, repeat), ['click_id', 'content_ids', 'currency', 'event_time', 'num_items', 'opt_out', 'user.email', 'user.ip', 'user.phone', 'user.user_agent', 'value']);
  });

  it('tells a value from no value', () => {
    assert.deepEqual(differingFields(stored, { ...stored, value: null, currency: null }), ['currency', 'value']);
  });
});
