import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { convertMicro, exchangeRatesBodySchema, exchangeRatesQuerySchema, rateOn, totalInAccountCurrency, trimRate } from '../../domain/exchange-rates';
import { fieldIssues } from '../../domain/field-issues';
import { parseRatesFile } from '../../cli/exchange-rates-cli';

const JPY_USD = [
  { date: '2026-11-01', rate: '0.0066' },
  { date: '2026-11-15', rate: '0.0067' },
  { date: '2026-11-20', rate: '0.0068' },
];

describe('rateOn', () => {
  it('takes the rate dated on the conversion date, else the latest before it, never a later one', () => {
    assert.deepEqual(rateOn(JPY_USD, '2026-11-15'), { date: '2026-11-15', rate: '0.0067' });
    assert.deepEqual(rateOn(JPY_USD, '2026-11-19'), { date: '2026-11-15', rate: '0.0067' });
    assert.deepEqual(rateOn(JPY_USD, '2026-12-31'), { date: '2026-11-20', rate: '0.0068' });
    assert.deepEqual(rateOn(JPY_USD, '2026-11-01'), { date: '2026-11-01', rate: '0.0066' });
    assert.equal(rateOn(JPY_USD, '2026-10-31'), undefined);
    assert.equal(rateOn([], '2026-11-15'), undefined);
  });

  it('agrees with a plain scan over any sorted rates', () => {
    const day = fc.integer({ min: 0, max: 60 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.uniqueArray(day, { maxLength: 20 }), day, (dates, date) => {
        const rates = [...dates].sort().map((d, i) => ({ date: d, rate: String(i + 1) }));
        const expected = rates.filter((r) => r.date <= date).at(-1);
        assert.deepEqual(rateOn(rates, date), expected);
      }),
      { seed: 20261203 },
    );
  });
});

describe('convertMicro', () => {
  it('multiplies exactly and rounds half up to a micro unit', () => {
    // 1,500 JPY at 0.0067: 10.05 USD.
    assert.equal(convertMicro('1500000000', '0.0067'), 10_050_000n);
    assert.equal(convertMicro(1n, '0.5'), 1n);
    assert.equal(convertMicro(1n, '0.49'), 0n);
    assert.equal(convertMicro(3n, '1'), 3n);
    // Past what a double holds: 999,999,999,999.999999 units at 1.000000000001.
    assert.equal(convertMicro('999999999999999999', '1.000000000001'), 1_000_000_000_000_999_999n);
    assert.throws(() => convertMicro(1n, '1e-3'), /not a decimal rate/);
  });
});

describe('totalInAccountCurrency', () => {
  it('adds same-currency values, converts others by their date, lists the rest unconverted', () => {
    const total = totalInAccountCurrency(
      'USD',
      [
        { currency: 'USD', date: '', conversions: 2, value_micro: '84500000' },
        { currency: 'JPY', date: '2026-11-16', conversions: 1, value_micro: '1500000000' },
        { currency: 'JPY', date: '2026-11-18', conversions: 1, value_micro: '3000000000' },
        { currency: 'JPY', date: '2026-10-30', conversions: 1, value_micro: '1000000000' },
        { currency: 'GBP', date: '2026-11-16', conversions: 2, value_micro: '50000000' },
        { currency: null, date: '2026-11-16', conversions: 1, value_micro: '7000000' },
        { currency: 'USD', date: '', conversions: 3, value_micro: null },
      ],
      new Map([['JPY', JPY_USD]]),
    );
    assert.equal(total.conversions, 11, 'every conversion counts, whatever its currency');
    // 84.50 + (1,500 + 3,000) × 0.0067 = 84.50 + 30.15.
    assert.equal(total.revenue_micro, 114_650_000n);
    assert.deepEqual(total.converted, [{ currency: 'JPY', rate_date: '2026-11-15', rate: '0.0067', conversions: 2, value_micro: 4_500_000_000n, converted_micro: 30_150_000n }]);
    assert.deepEqual(total.unconverted, [
      { currency: 'GBP', conversions: 2, value_micro: 50_000_000n },
      { currency: 'JPY', conversions: 1, value_micro: 1_000_000_000n },
      { currency: null, conversions: 1, value_micro: 7_000_000n },
    ]);
  });
});

describe('exchange rate input', () => {
  const issues = (body: unknown) => {
    const parsed = exchangeRatesBodySchema.safeParse(body);
    return parsed.success ? [] : fieldIssues(parsed.error, '(body)');
  };

  it('takes dated ISO 4217 pairs with a positive decimal rate, as a string', () => {
    const parsed = exchangeRatesBodySchema.parse({ rates: [{ date: '2026-11-15', from: 'JPY', to: 'USD', rate: '0.0067' }, { date: '2026-11-15', from: 'EUR', to: 'USD', rate: 1.08 }] });
    assert.deepEqual(parsed.rates.map((r) => r.rate), ['0.0067', '1.08']);
    assert.equal(trimRate('0.006700000000'), '0.0067');
    assert.equal(trimRate('2.000'), '2');
    assert.equal(trimRate('10'), '10');
  });

  it('names each field at fault', () => {
    const byField = (a: { field: string }, b: { field: string }) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0);
    assert.deepEqual(
      issues({
        rates: [
          { date: '2026-02-30', from: 'JPY', to: 'USD', rate: '0.0067' },
          { date: '1999-12-31', from: 'jpy', to: 'USD', rate: '0' },
          { date: '2026-11-15', from: 'USD', to: 'USD', rate: '-1' },
          { date: '2026-11-15', from: 'XYZ', to: 'USD', rate: '1e-3', extra: 1 },
          { date: '2026-11-15', from: 'EUR', to: 'USD', rate: '1.1' },
          { date: '2026-11-15', from: 'EUR', to: 'USD', rate: '1.2' },
        ],
      }).sort(byField),
      [
        { field: 'rates.0.date', message: 'must be a date, YYYY-MM-DD' },
        { field: 'rates.1.date', message: 'must be between 2000-01-01 and 2100-12-31' },
        { field: 'rates.1.from', message: 'must be an ISO 4217 code such as USD' },
        { field: 'rates.1.rate', message: 'must be a positive decimal such as "0.0067" (at most 18 digits before the point and 12 after)' },
        { field: 'rates.2.rate', message: 'must be a positive decimal such as "0.0067" (at most 18 digits before the point and 12 after)' },
        { field: 'rates.3.extra', message: 'is not a known field' },
        { field: 'rates.3.from', message: 'must be an ISO 4217 code such as USD' },
        { field: 'rates.3.rate', message: 'must be a positive decimal such as "0.0067" (at most 18 digits before the point and 12 after)' },
        { field: 'rates.5.date', message: 'repeats rates.4 (same date, from and to)' },
      ].sort(byField),
    );
    assert.deepEqual(issues({ rates: [{ date: '2026-11-15', from: 'USD', to: 'USD', rate: '1' }] }), [{ field: 'rates.0.to', message: 'must differ from from' }]);
    assert.deepEqual(issues({ rates: [] }), [{ field: 'rates', message: 'must hold at least one rate' }]);
    assert.deepEqual(issues({}), [{ field: 'rates', message: 'Invalid input: expected array, received undefined' }]);
  });

  it('checks the list filters', () => {
    const parsed = exchangeRatesQuerySchema.safeParse({ from: 'yen', start_date: '2026-12-01', end_date: '2026-11-01' });
    assert.ok(!parsed.success);
    assert.deepEqual(fieldIssues(parsed.error, '(query)'), [{ field: 'from', message: 'must be an ISO 4217 code such as USD' }]);
    const reversed = exchangeRatesQuerySchema.safeParse({ start_date: '2026-12-01', end_date: '2026-11-01' });
    assert.deepEqual(reversed.success ? [] : fieldIssues(reversed.error, '(query)'), [{ field: 'start_date', message: 'must not be after end_date' }]);
  });
});

describe('exchange rate files', () => {
  it('reads CSV with or without a header, skipping blank lines and naming each rate\'s line', () => {
    assert.deepEqual(parseRatesFile('date,from,to,rate\r\n2026-11-21,JPY,USD,0.0067\r\n\r\n"2026-11-22", JPY ,USD,0.007\n'), {
      body: { rates: [{ date: '2026-11-21', from: 'JPY', to: 'USD', rate: '0.0067' }, { date: '2026-11-22', from: 'JPY', to: 'USD', rate: '0.007' }] },
      lines: [2, 4],
    });
    assert.deepEqual(parseRatesFile('2026-11-21,JPY,USD,0.0067').lines, [1]);
    assert.throws(() => parseRatesFile('date,from,to,rate\n2026-11-21,JPY,USD'), /^Error: line 2: must have 4 fields \(date,from,to,rate\), has 3$/);
  });

  it('reads JSON as {rates} or a bare array', () => {
    const rate = { date: '2026-11-21', from: 'JPY', to: 'USD', rate: '0.0067' };
    assert.deepEqual(parseRatesFile(JSON.stringify({ rates: [rate] })), { body: { rates: [rate] } });
    assert.deepEqual(parseRatesFile(` ${JSON.stringify([rate])}\n`), { body: { rates: [rate] } });
  });
});
