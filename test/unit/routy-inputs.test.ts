// The shapes Routy really sends, at the ingress's schemas: Unix seconds as a digit string, numbers
// for order and product ids, a partner id, clicks without a click id, percent-encoded click ids
// and an `epik` in the page URL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storedFromRecord, toCapiEvent } from '../../domain/capi-event';
import { prepareConversions, prepareTouchpoints } from '../../domain/routy-records';
import { sha256Hex } from '../../domain/user-data';

const SECONDS = 1_790_000_000;
const good = { event_id: 'e-1', event_name: 'checkout', event_time: SECONDS, ad_account_id: '549764105221' };
const touch = { ad_account_id: '549764105221', type: 'click', occurred_at: SECONDS, pin_id: '987654321012345603' };

const conversion = (extra: Record<string, unknown>) => {
  const { accepted, rejected } = prepareConversions([{ ...good, ...extra }]);
  assert.deepEqual(rejected, [], JSON.stringify(extra));
  return accepted[0]!.record;
};
const refusal = (extra: Record<string, unknown>) => prepareConversions([{ ...good, ...extra }]).rejected.map(({ field, message }) => `${field}: ${message}`);
const touchpoint = (extra: Record<string, unknown>) => {
  const { accepted, rejected } = prepareTouchpoints([{ ...touch, ...extra }]);
  assert.deepEqual(rejected, [], JSON.stringify(extra));
  return accepted[0]!.record;
};

describe('times as a string of digits', () => {
  it('reads "1790000000" as Unix seconds, for event_time and occurred_at alike', () => {
    assert.equal(conversion({ event_time: String(SECONDS) }).event_time, conversion({}).event_time);
    assert.equal(conversion({ event_time: String(SECONDS) }).event_time, '2026-09-21T14:13:20.000Z');
    assert.equal(touchpoint({ occurred_at: String(SECONDS) }).occurred_at, '2026-09-21T14:13:20.000Z');
  });

  it('refuses milliseconds as digits with the message numbers get, and other digit mistakes', () => {
    const ms = 'event_time: looks like milliseconds; send Unix seconds';
    assert.deepEqual(refusal({ event_time: String(SECONDS * 1000) }), [ms]);
    assert.deepEqual(refusal({ event_time: SECONDS * 1000 }), [ms]);
    assert.deepEqual(refusal({ event_time: '946684799' }), ['event_time: is before 2000-01-01']);
    const shape = 'event_time: must be an ISO 8601 date-time with offset, or whole Unix seconds (a number or a string of digits)';
    for (const bad of [' 1790000000', '1790000000.5', '-1790000000', '1e9', '', 'yesterday']) assert.deepEqual(refusal({ event_time: bad }), [shape], bad);
    const { rejected } = prepareTouchpoints([{ ...touch, occurred_at: String(SECONDS * 1000) }]);
    assert.deepEqual(rejected.map((r) => `${r.field}: ${r.message}`), ['occurred_at: looks like milliseconds; send Unix seconds']);
  });
});

describe('numbers as ids', () => {
  it('stores an order_id written with decomposed characters as its composed (NFC) form, and keeps event_id as sent', () => {
    const decomposed = conversion({ order_id: 'Zoe\u0308-1', event_id: 'e-Zoe\u0308' });
    assert.equal(decomposed.order_id, 'Zo\u00eb-1');
    assert.equal(decomposed.order_id, conversion({ order_id: 'Zo\u00eb-1' }).order_id);
    assert.equal(decomposed.event_id, 'e-Zoe\u0308');
  });

  it('stores order_id, content_ids and contents[].id given as numbers as decimal strings, and sends them so', () => {
    const record = conversion({ order_id: 1001, content_ids: [42, 'sku-7', 0], contents: [{ id: 42, quantity: 2 }], currency: 'USD', value: 5 });
    assert.equal(record.order_id, '1001');
    assert.deepEqual(record.content_ids, ['42', 'sku-7', '0']);
    assert.deepEqual(record.contents, [{ id: '42', quantity: 2 }]);
    const sent = toCapiEvent({ ...storedFromRecord(record), user_data: { em: 'a'.repeat(64) } }, new Date(Date.parse(record.event_time) + 60_000));
    assert.ok(sent.kind === 'event');
    assert.deepEqual(sent.event.custom_data, { currency: 'USD', value: '5', order_id: '1001', content_ids: ['42', 'sku-7', '0'], contents: [{ id: '42', quantity: 2 }] });
    assert.equal(conversion({ order_id: Number.MAX_SAFE_INTEGER }).order_id, '9007199254740991');
  });

  it('refuses arrays, objects and booleans, and numbers that may not be exact, naming the field', () => {
    const kind = 'must be a string or a number';
    assert.deepEqual(refusal({ order_id: [1] }), [`order_id: ${kind}`]);
    assert.deepEqual(refusal({ order_id: { id: 1 } }), [`order_id: ${kind}`]);
    assert.deepEqual(refusal({ content_ids: ['a', true] }), [`content_ids.1: ${kind}`]);
    assert.deepEqual(refusal({ contents: [{ id: [] }] }), [`contents.0.id: ${kind}`]);
    const inexact = 'a number must be a whole number from 0 to 9007199254740991; send other ids as strings';
    for (const bad of [12.5, -3, 2 ** 53, 1e21]) assert.deepEqual(refusal({ order_id: bad }), [`order_id: ${inexact}`], String(bad));
    assert.deepEqual(refusal({ content_ids: [1.5] }), [`content_ids.0: ${inexact}`]);
  });

  it("refuses a product whose revenue (item_price × quantity, over the items of its id) passes value's maximum, naming the item", () => {
    const most = '999999999999.999999';
    assert.deepEqual(conversion({ contents: [{ id: 'a', item_price: most, quantity: 1 }, { id: 'b', item_price: '1', quantity: 1_000_000 }] }).contents?.length, 2);
    const passes = 'item_price × quantity, summed over the items with this id, must be at most 999999999999.999999';
    assert.deepEqual(refusal({ contents: [{ id: 'OVERFLOW', item_price: most, quantity: 1_000_000 }] }), [`contents.0.quantity: ${passes}`]);
    assert.deepEqual(refusal({ contents: [{ id: 'a', item_price: '600000000000' }, { id: 'b', item_price: most }, { id: 'a', item_price: '400000000000' }] }), [`contents.2.quantity: ${passes}`]);
  });

  it('keeps the 256-character limit and the non-empty rule', () => {
    assert.deepEqual(refusal({ order_id: 'x'.repeat(257) }), ['order_id: must be at most 256 characters']);
    assert.deepEqual(refusal({ content_ids: ['x'.repeat(257)] }), ['content_ids.0: must be at most 256 characters']);
    assert.deepEqual(refusal({ order_id: ' ' }), ['order_id: must not be empty']);
  });
});

describe('partner_id', () => {
  it('is kept trimmed and unhashed beside the digests, and sent as user_data.partner_id, a plain string', () => {
    const record = conversion({ user: { email: 'a@b.com', partner_id: ' Xi-ramp-1234 ' } });
    assert.deepEqual(record.user_data, { em: sha256Hex('a@b.com'), partner_id: 'Xi-ramp-1234' });
    const sent = toCapiEvent(storedFromRecord(record), new Date(Date.parse(record.event_time) + 60_000));
    assert.ok(sent.kind === 'event');
    assert.deepEqual(sent.event.user_data, { em: [sha256Hex('a@b.com')], partner_id: 'Xi-ramp-1234' });
  });

  it('is bounded and must be a string; a blank one is dropped; alone it does not make an event sendable', () => {
    assert.deepEqual(refusal({ user: { partner_id: 'x'.repeat(513) } }), ['user.partner_id: must be at most 512 characters']);
    assert.deepEqual(refusal({ user: { partner_id: 7 } }), ['user.partner_id: must be a string']);
    assert.deepEqual(conversion({ user: { partner_id: '  ' } }).user_data, {});
    const record = conversion({ user: { partner_id: 'ramp' } });
    assert.equal(toCapiEvent(storedFromRecord(record), new Date(Date.parse(record.event_time) + 60_000)).kind, 'not_sendable');
  });
});

describe('click ids', () => {
  it('accepts a click without a click id', () => {
    const record = touchpoint({ user: { email: 'a@b.com' } });
    assert.equal(record.click_id, undefined);
    assert.equal(record.type, 'click');
  });

  it('are percent-decoded for conversions and touchpoints alike, a + kept', () => {
    assert.equal(conversion({ click_id: 'abc%3D%3D' }).click_id, 'abc==');
    assert.equal(touchpoint({ click_id: 'abc%3D%3D' }).click_id, 'abc==');
    assert.equal(conversion({ click_id: 'abc==' }).click_id, 'abc==');
    assert.equal(conversion({ click_id: 'abc%253D%253D' }).click_id, 'abc==', 'encoded twice');
    assert.equal(conversion({ click_id: 'a+b/c%2Bd' }).click_id, 'a+b/c+d');
  });

  it('keeps a malformed percent sequence as given, and refuses what decodes to nothing or to NUL', () => {
    assert.equal(conversion({ click_id: 'abc%ZZ%3D' }).click_id, 'abc%ZZ%3D');
    assert.equal(touchpoint({ click_id: 'abc%' }).click_id, 'abc%');
    assert.equal(conversion({ click_id: 'abc%C3' }).click_id, 'abc%C3', 'not UTF-8');
    assert.equal(conversion({ click_id: 'abc%2525ZZ' }).click_id, 'abc%ZZ', 'decoded until a round meets the malformed escape');
    assert.deepEqual(refusal({ click_id: '%00' }), ['click_id: must not contain NUL characters']);
    assert.deepEqual(refusal({ click_id: '%20' }), ['click_id: must not be empty after percent-decoding']);
    assert.deepEqual(refusal({ click_id: 'x'.repeat(513) }), ['click_id: must be at most 512 characters']);
    assert.equal(conversion({ click_id: '%3D'.repeat(512) }).click_id, '='.repeat(512), '512 once decoded');
    assert.deepEqual(refusal({ click_id: '%3D'.repeat(683) }), ['click_id: must be at most 2048 characters']);
  });
});

describe('epik in event_source_url', () => {
  const page = 'https://shop.example.com/cart';

  it('becomes the click id, percent-decoded, and the stored URL stays origin and path', () => {
    const record = conversion({ event_source_url: `${page}?utm_source=pinterest&epik=dj0yJnU9a%3D%3D&email=a@b.c#top` });
    assert.equal(record.click_id, 'dj0yJnU9a==');
    assert.equal(record.event_source_url, page);
    assert.equal(conversion({ event_source_url: `${page}?epik=a+b%2B` }).click_id, 'a+b+', 'a + is not a space here');
    assert.equal(conversion({ event_source_url: `${page}?epik=first&epik=second` }).click_id, 'first');
  });

  it("loses to the conversion's own click id", () => {
    const record = conversion({ click_id: 'own%3D', event_source_url: `${page}?epik=from-url` });
    assert.equal(record.click_id, 'own=');
    assert.equal(record.event_source_url, page);
  });

  it('is ignored when empty or absent; refused, naming event_source_url, when it is not a usable click id', () => {
    assert.equal(conversion({ event_source_url: `${page}?epik=` }).click_id, undefined);
    assert.equal(conversion({ event_source_url: `${page}?xepik=1` }).click_id, undefined);
    assert.deepEqual(refusal({ event_source_url: `${page}?epik=%00` }), ['event_source_url: its epik parameter must not contain NUL characters']);
    assert.deepEqual(refusal({ event_source_url: `${page}?epik=%20` }), ['event_source_url: its epik parameter must not be empty after percent-decoding']);
    // Beside the conversion's own click id, the URL's epik is not used, so not judged either.
    assert.equal(conversion({ click_id: 'own', event_source_url: `${page}?epik=%00` }).click_id, 'own');
  });

  it('is sent as user_data.click_id', () => {
    const record = conversion({ event_source_url: `${page}?epik=abc%3D`, user: { email: 'a@b.com' } });
    const sent = toCapiEvent(storedFromRecord(record), new Date(Date.parse(record.event_time) + 60_000));
    assert.ok(sent.kind === 'event');
    assert.equal(sent.event.user_data.click_id, 'abc=');
    assert.equal(sent.event.event_source_url, page);
  });
});
