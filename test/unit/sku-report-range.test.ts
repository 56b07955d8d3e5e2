import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mondayOnOrBefore, skuReportRange } from '../../domain/sku-report-range';

// 2026-12-03 is a Thursday.
const today = '2026-12-03';

it('weeks start on Mondays', () => {
  assert.deepEqual(['2026-11-30', '2026-12-03', '2026-12-06', '2026-12-07'].map(mondayOnOrBefore), ['2026-11-30', '2026-11-30', '2026-11-30', '2026-12-07']);
});

it('first pull: back to the Monday of the backfill start', () => {
  assert.deepEqual(skuReportRange({ today, minDays: 30, backfillDays: 90, newestStored: null }), { start_date: '2026-08-31', end_date: today });
});

it('later pulls: the restatement window, from its Monday', () => {
  assert.deepEqual(skuReportRange({ today, minDays: 30, backfillDays: 90, newestStored: '2026-11-30' }).start_date, '2026-11-02');
});

it('at least 7 days: a one-day restatement window still asks for the week before', () => {
  const range = skuReportRange({ today, minDays: 1, backfillDays: 90, newestStored: today });
  assert.equal(range.start_date, '2026-11-23');
});

it('at most a year: a longer backfill starts at the first Monday within it', () => {
  const range = skuReportRange({ today, minDays: 30, backfillDays: 900, newestStored: null });
  assert.equal(range.start_date, '2025-12-08');
  assert.ok((Date.parse(today) - Date.parse(range.start_date)) / 86_400_000 + 1 <= 366);
});
