import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { productCredits } from '../../domain/product-credits';
import { costShares, type ProductGroup } from '../../reports/product-shares';

describe('productCredits', () => {
  it('groups contents by SKU: units are quantities (1 when absent), revenue price × quantity in micro-currency', () => {
    assert.deepEqual(
      productCredits({ contents: [{ id: 'A', item_price: '10.0000005', quantity: 3 }, { id: 'B' }, { id: 'A', item_price: '1', quantity: 1 }, { id: 'C', quantity: 0, item_price: '5' }] }),
      [
        { sku: 'A', units: 4, revenue_micro: String(10_000_001 * 3 + 1_000_000) },
        { sku: 'B', units: 1, revenue_micro: null },
        { sku: 'C', units: 0, revenue_micro: '0' },
      ],
    );
  });

  it('credits content_ids only without contents: one unit each, no revenue; nothing without products', () => {
    assert.deepEqual(productCredits({ content_ids: ['X', 'Y', 'X'] }), [{ sku: 'X', units: 1, revenue_micro: null }, { sku: 'Y', units: 1, revenue_micro: null }]);
    assert.deepEqual(productCredits({ content_ids: ['X'], contents: [{ id: 'Z', item_price: '2', quantity: 1 }] }), [{ sku: 'Z', units: 1, revenue_micro: '2000000' }]);
    assert.deepEqual(productCredits({ num_items: 2 }), []);
    assert.deepEqual(productCredits(null), []);
  });
});

describe('costShares', () => {
  const group = (sku: string, entity_key: string, currency: string | null, revenue: number | null, date = ''): ProductGroup => ({ sku, currency, entity_key, pin_id: null, date, conversions: 1, units: 1, revenue_micro: revenue, unpriced_conversions: revenue === null ? 1 : 0 });

  it("splits each pin's spend by the SKUs' revenue in the account currency, converting other currencies for the share only", () => {
    const groups = [group('A', 'ad1', 'USD', 30_000_000), group('B', 'ad1', 'USD', 10_000_000), group('A', 'ad2', 'JPY', 1_000_000_000, '2026-11-25'), group('C', 'ad2', 'USD', 10_000_000), group('D', 'ad2', 'USD', null)];
    const shares = costShares('USD', groups, new Map([['ad1', 8_000_000], ['ad2', 3_000_000]]), new Map([['JPY', [{ date: '2026-11-24', rate: '0.02' }]]]));
    // ad1: 30 and 10 of 40 → 6 and 2; ad2: 1,000 JPY × 0.02 = 20 and 10 of 30 → 2 and 1; no price: no share.
    assert.deepEqual(shares, [6_000_000, 2_000_000, 2_000_000, 1_000_000, null]);
  });

  it('gives no share without spend, without a rate, or without a currency', () => {
    const groups = [group('A', 'ad1', 'USD', 5_000_000), group('B', 'ad1', 'GBP', 5_000_000), group('C', 'ad1', null, 5_000_000), group('D', 'ad9', 'USD', 5_000_000)];
    assert.deepEqual(costShares('USD', groups, new Map([['ad1', 7_000_000]]), new Map()), [7_000_000, null, null, null]);
  });

  it('rounds each share to the micro unit, half up', () => {
    // 8 USD over three SKUs of equal revenue: 2.666666⅔ each; 1 micro over two: 0.5 each, up to 1.
    const thirds = [group('A', 'ad1', 'USD', 1_000_000), group('B', 'ad1', 'USD', 1_000_000), group('C', 'ad1', 'USD', 1_000_000)];
    assert.deepEqual(costShares('USD', thirds, new Map([['ad1', 8_000_000]]), new Map()), [2_666_667, 2_666_667, 2_666_667]);
    const halves = [group('A', 'ad1', 'USD', 5), group('B', 'ad1', 'USD', 5)];
    assert.deepEqual(costShares('USD', halves, new Map([['ad1', 1]]), new Map()), [1, 1]);
  });
});
