import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { setImmediate as settle } from 'node:timers/promises';
import { InMemoryRequestBudget, REQUESTS_PER_MINUTE } from '../../pinterest/request-budget';

describe('InMemoryRequestBudget', () => {
  // A fake clock: the limiter reads performance.now() and waits with setTimeout; both are moved by hand.
  let clockMs = 0;
  beforeEach(() => {
    clockMs = 1_000_000;
    mock.method(performance, 'now', () => clockMs);
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });
  const advance = async (ms: number) => {
    clockMs += ms;
    mock.timers.tick(ms);
    await settle();
  };

  it('keeps one budget per rate-limit category and per user, at Pinterest published limits', async () => {
    assert.equal(REQUESTS_PER_MINUTE.ads_analytics, 300);
    assert.equal(REQUESTS_PER_MINUTE.ads_read, 1000);
    const budget = new InMemoryRequestBudget({ ...REQUESTS_PER_MINUTE, ads_analytics: 2 });
    await budget.take('ads_analytics', 'user-a');
    await budget.take('ads_analytics', 'user-a');
    assert.equal(budget.remaining('ads_analytics', 'user-a'), 0, 'the third analytics call this minute would wait');
    assert.equal(budget.remaining('ads_analytics', 'user-b'), 2, 'another user has their own budget');
    assert.equal(budget.remaining('ads_read', 'user-a'), 1000, 'another category has its own budget');
  });

  it('holds a request past the budget until the minute refills it, then lets requests through again', async () => {
    const budget = new InMemoryRequestBudget({ ...REQUESTS_PER_MINUTE, ads_analytics: 2 });
    const events: string[] = [];
    const request = (name: string) => budget.take('ads_analytics', 'user-a').then(() => events.push(name));
    await request('first');
    await request('second');
    const waiting = [request('third'), request('fourth')];
    await settle();
    await advance(59_999);
    events.push('59.999 s later');
    await advance(1);
    events.push('60 s later');
    await Promise.all(waiting);
    // The other user's budget is untouched by the wait.
    await budget.take('ads_analytics', 'user-b');
    events.push('user-b');
    assert.deepEqual(events, ['first', 'second', '59.999 s later', 'third', 'fourth', '60 s later', 'user-b']);
    const fifth = request('fifth');
    await settle();
    assert.deepEqual(events.slice(-1), ['user-b'], 'the refilled minute is spent: the fifth waits again');
    await advance(60_000);
    await fifth;
    assert.equal(events.at(-1), 'fifth');
  });
});
