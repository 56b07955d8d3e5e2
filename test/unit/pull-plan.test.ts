import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backfillProblems, planPull } from '../../domain/pull-plan';
import { clampToHistory, historyFloor } from '../../domain/history-bounds';

const today = '2026-03-15';

it('first pull: today and the 90 days before it, every day the synchronous endpoints serve', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: null, minDays: 30, backfillDays: 90 }), { start_date: '2025-12-15', end_date: today });
});

it('never starts more than 90 days back in UTC, whichever side of UTC the account lives', () => {
  // An account behind UTC: its today is UTC's yesterday, so its 90th day back is 91 in UTC: a report's.
  assert.deepEqual(planPull({ today: '2026-03-14', utcToday: today, lastPulledThrough: null, minDays: 30, backfillDays: 90 }), {
    start_date: '2025-12-15',
    end_date: '2026-03-14',
    missed_before: { start_date: '2025-12-14', end_date: '2025-12-14' },
  });
  // Ahead of UTC: its today is UTC's tomorrow; the call still spans at most 91 days.
  assert.deepEqual(planPull({ today: '2026-03-16', utcToday: today, lastPulledThrough: null, minDays: 30, backfillDays: 90 }), {
    start_date: '2025-12-16',
    end_date: '2026-03-16',
  });
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

it('pulls 91 days of 101 missed synchronously and hands the 10 older ones to reports', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2025-12-05', minDays: 30, backfillDays: 90 }), {
    start_date: '2025-12-15',
    end_date: today,
    missed_before: { start_date: '2025-12-05', end_date: '2025-12-14' },
  });
});

it('clamps missed days to the 914 days of history Pinterest keeps, and says what it dropped', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2023-06-19', minDays: 30, backfillDays: 90 }), {
    start_date: '2025-12-15',
    end_date: today,
    missed_before: { start_date: '2023-09-14', end_date: '2025-12-14' },
    dropped: { start_date: '2023-06-19', end_date: '2023-09-13', days: 87, reason: 'history_limit' },
  });
});

it('hands a first-pull backfill longer than 90 days to reports, dropping what is past 914 days', () => {
  const plan = planPull({ today, lastPulledThrough: undefined, minDays: 30, backfillDays: 2000 });
  assert.deepEqual(plan.missed_before, { start_date: '2023-09-14', end_date: '2025-12-14' });
  assert.deepEqual(plan.dropped, { start_date: '2020-09-22', end_date: '2023-09-13', days: 1087, reason: 'history_limit' });
});

it('asks for nothing before the account was created, and says so', () => {
  const plan = planPull({ today, lastPulledThrough: null, minDays: 30, backfillDays: 400, createdDate: '2025-11-01' });
  assert.deepEqual(plan, {
    start_date: '2025-12-15',
    end_date: today,
    missed_before: { start_date: '2025-11-01', end_date: '2025-12-14' },
    dropped: { start_date: '2025-02-08', end_date: '2025-10-31', days: 266, reason: 'account_created' },
  });
  const young = planPull({ today, lastPulledThrough: null, minDays: 30, backfillDays: 90, createdDate: '2026-03-10' });
  assert.deepEqual(young, { start_date: '2026-03-10', end_date: today, dropped: { start_date: '2025-12-15', end_date: '2026-03-09', days: 85, reason: 'account_created' } });
});

it('clamps the restatement window of a young account silently', () => {
  assert.deepEqual(planPull({ today, lastPulledThrough: '2026-03-14', minDays: 30, backfillDays: 90, createdDate: '2026-03-10' }), { start_date: '2026-03-10', end_date: today });
});

it('the history floor is the later of 913 days back and the creation date, never after today', () => {
  assert.deepEqual(historyFloor(today), { date: '2023-09-14', reason: 'history_limit' });
  assert.deepEqual(historyFloor(today, '2020-01-01'), { date: '2023-09-14', reason: 'history_limit' });
  assert.deepEqual(historyFloor(today, '2025-01-01'), { date: '2025-01-01', reason: 'account_created' });
  assert.deepEqual(historyFloor(today, '2026-03-16'), { date: today, reason: 'account_created' });
  assert.deepEqual(clampToHistory({ start_date: '2024-12-01', end_date: '2025-01-10' }, today, '2025-01-01'), {
    kept: { start_date: '2025-01-01', end_date: '2025-01-10' },
    dropped: { start_date: '2024-12-01', end_date: '2024-12-31', days: 31, reason: 'account_created' },
  });
});

it('accepts a backfill reaching past the floor (it is clamped), refuses one wholly before it by name', () => {
  assert.deepEqual(backfillProblems({ start_date: '2020-01-01', end_date: '2025-01-01' }, today), []);
  assert.deepEqual(backfillProblems({ start_date: '2024-06-01', end_date: '2025-06-01' }, today, '2025-01-01'), []);
  assert.deepEqual(backfillProblems({ start_date: '2024-06-01', end_date: '2024-12-01' }, today, '2025-01-01'), [
    'end_date: must not be before 2025-01-01: the ad account was created on 2025-01-01, nothing to backfill',
  ]);
  assert.deepEqual(backfillProblems({ start_date: '2020-01-01', end_date: '2021-01-01' }, today), [
    'end_date: must not be before 2023-09-14: Pinterest keeps 914 days of history, nothing to backfill',
  ]);
});
