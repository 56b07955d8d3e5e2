import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RequestBudget, REQUESTS_PER_MINUTE } from '../../pinterest/request-budget';

it('keeps one budget per rate-limit category and per user, at Pinterest published limits', async () => {
  assert.equal(REQUESTS_PER_MINUTE.ads_analytics, 300);
  assert.equal(REQUESTS_PER_MINUTE.ads_read, 1000);
  const budget = new RequestBudget({ ...REQUESTS_PER_MINUTE, ads_analytics: 2 });
  await budget.take('ads_analytics', 'user-a');
  await budget.take('ads_analytics', 'user-a');
  assert.equal(budget.remaining('ads_analytics', 'user-a'), 0, 'the third analytics call this minute would wait');
  assert.equal(budget.remaining('ads_analytics', 'user-b'), 2, 'another user has their own budget');
  assert.equal(budget.remaining('ads_read', 'user-a'), 1000, 'another category has its own budget');
});
