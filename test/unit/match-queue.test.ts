// The record pump's queue of matches waiting for a Conversions API request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatchQueue } from '../../activities/match-queue';

describe('MatchQueue', () => {
  it('counts matches and keeps the oldest wait until its matches are taken', () => {
    const queue = new MatchQueue();
    assert.deepEqual([queue.count, queue.since], [0, undefined]);
    queue.add(3, 1000);
    queue.add(5, 1200);
    assert.deepEqual([queue.count, queue.since], [8, 1000]);
    queue.take(2);
    assert.deepEqual([queue.count, queue.since], [6, 1000], 'one match of the oldest group still waits');
    queue.take(1);
    assert.deepEqual([queue.count, queue.since], [5, 1200]);
    queue.take(10);
    assert.deepEqual([queue.count, queue.since], [0, undefined]);
  });

  it('never lets a later group look older than an earlier one, ignores empty groups, and clears', () => {
    const queue = new MatchQueue();
    queue.add(0, 500);
    assert.equal(queue.since, undefined);
    queue.add(1, 2000);
    queue.add(1, 1500);
    queue.take(1);
    assert.equal(queue.since, 2000);
    queue.clear();
    assert.deepEqual([queue.count, queue.since], [0, undefined]);
  });
});
