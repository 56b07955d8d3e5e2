import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareConversions, prepareTouchpoints } from '../../domain/routy-records';

const good = {
  event_id: 'e-1',
  event_name: 'checkout',
  event_time: '2026-11-01T10:00:00+01:00',
  ad_account_id: '549764105221',
  value: 12.5,
  currency: 'EUR',
};

const refusal = (record: Record<string, unknown>) => prepareConversions([record]).rejected.map(({ field, message }) => `${field}: ${message}`);

describe('conversion input validation names the field at fault', () => {
  it('accepts a good record and normalizes its time and value', () => {
    const { accepted, rejected } = prepareConversions([good]);
    assert.deepEqual(rejected, []);
    assert.equal(accepted[0]?.record.event_time, '2026-11-01T09:00:00.000Z');
    assert.equal(accepted[0]?.record.value, '12.5');
    assert.equal(accepted[0]?.record.action_source, 'web');
  });

  it('refuses NUL characters, which PostgreSQL text cannot store', () => {
    assert.deepEqual(refusal({ ...good, event_id: 'a\u0000b' }), ['event_id: must not contain NUL characters']);
    assert.deepEqual(refusal({ ...good, user: { email: '\u0000' } }), ['user.email: must not contain NUL characters']);
  });

  it('refuses times in milliseconds, before 2000, in the future, or missing', () => {
    assert.deepEqual(refusal({ ...good, event_time: Date.now() }), ['event_time: looks like milliseconds; send Unix seconds']);
    assert.deepEqual(refusal({ ...good, event_time: '1999-12-31T23:59:59Z' }), ['event_time: is before 2000-01-01']);
    assert.deepEqual(refusal({ ...good, event_time: '9999-12-31T23:59:59Z' }), ['event_time: is in the future']);
    assert.deepEqual(refusal({ ...good, event_time: undefined }), [
      'event_time: must be an ISO 8601 date-time with offset, or whole Unix seconds (a number or a string of digits)',
    ]);
  });

  it('refuses values that are not plain decimals, and value without a known currency', () => {
    const decimal = 'value: must be a non-negative decimal with at most 12 digits before the point and 6 after';
    assert.deepEqual(refusal({ ...good, value: 1e21 }), [decimal]);
    assert.deepEqual(refusal({ ...good, value: '1000000000000' }), [decimal]);
    assert.deepEqual(refusal({ ...good, value: '999999999999.999999' }), []);
    assert.deepEqual(refusal({ ...good, value: 1e-7 }), [decimal]);
    assert.deepEqual(refusal({ ...good, value: '-5' }), [decimal]);
    assert.deepEqual(refusal({ ...good, value: true }), [decimal]);
    assert.deepEqual(refusal({ ...good, currency: undefined }), ['currency: is required when value is set']);
    assert.deepEqual(refusal({ ...good, currency: 'ZZZ' }), ['currency: must be an ISO 4217 code such as USD']);
  });

  it('takes only http and https pages as event_source_url, without query or fragment', () => {
    const url = 'event_source_url: must be an http or https URL';
    for (const bad of ['javascript:alert(1)', 'ftp://shop.example.com/cart', 'data:text/html,hi', 'not a url']) assert.deepEqual(refusal({ ...good, event_source_url: bad }), [url], bad);
    const [accepted] = prepareConversions([{ ...good, event_source_url: 'https://shop.example.com/cart?email=a@b.c#x' }]).accepted;
    assert.equal(accepted?.record.event_source_url, 'https://shop.example.com/cart');
  });

  it('names unknown keys and bad IP addresses', () => {
    assert.deepEqual(refusal({ ...good, foo: 1, user: { bar: 2 } }).sort(), ['foo: is not a known field', 'user.bar: is not a known field']);
    assert.deepEqual(refusal({ ...good, user: { ip: 'not-an-ip' } }), ['user.ip: must be an IPv4 or IPv6 address']);
  });

  it('keeps the good records of a mixed batch with their index', () => {
    const { accepted, rejected } = prepareTouchpoints([
      { ad_account_id: '1', type: 'click', occurred_at: 1_790_000_000, click_id: 'epik', pin_id: '987654321012345601' },
      { ad_account_id: '1', type: 'click', occurred_at: 1_790_000_000, click_id: 7, pin_id: '2' },
      { ad_account_id: '1', type: 'save', occurred_at: 1_790_000_000, ad_id: '3' },
    ]);
    assert.deepEqual(accepted.map((a) => a.index), [0]);
    assert.deepEqual(
      rejected.map((r) => `${r.index} ${r.field}`),
      ['1 click_id', '2 type'],
    );
  });
});
