import assert from 'node:assert/strict';
import { it } from 'node:test';
import { planPull } from '../../domain/pull-plan';

const today = '2026-03-15';

it('backfills 90 days on the first pull, today included', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: null, minDays: 30, backfillDays: 90 }), { start_date: '2025-12-16', end_date: today });
});

it('re-reads the 30-day restatement window when yesterday was pulled', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2026-03-14', minDays: 30, backfillDays: 90 }), { start_date: '2026-02-14', end_date: today });
});

it('reads at least today even with no restatement window', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: today, minDays: 0, backfillDays: 90 }), { start_date: today, end_date: today });
});

it('reaches back to the last pulled day when more days were missed than the restatement window', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2026-01-14', minDays: 30, backfillDays: 90 }), { start_date: '2026-01-14', end_date: today });
});

it('pulls 90 days of 100 missed synchronously and hands the 10 older ones to reports', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2025-12-06', minDays: 30, backfillDays: 90 }), {
    start_date: '2025-12-16',
    end_date: today,
    missed_before: { start_date: '2025-12-06', end_date: '2025-12-15' },
  });
});

it('clamps missed days to the 914 days of history Pinterest keeps', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2023-06-19', minDays: 30, backfillDays: 90 }), {
    start_date: '2025-12-16',
    end_date: today,
    missed_before: { start_date: '2023-09-14', end_date: '2025-12-15' },
  });
});

it('hands a first-pull backfill longer than 90 days to reports', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: undefined, minDays: 30, backfillDays: 2000 }).missed_before, {
    start_date: '2023-09-14',
    end_date: '2025-12-15',
  });
});
