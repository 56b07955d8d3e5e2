// The rule for posting again an event whose earlier Conversions API post has no known outcome.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRepost, DEFAULT_REPOST_MARGIN_SECONDS } from '../../domain/capi-repost';

const now = new Date('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const event = (overrides: Partial<{ action_source: string; event_time: Date; first_posted_at: Date }> = {}) => ({
  action_source: 'web',
  event_time: ago(120),
  first_posted_at: ago(60),
  ...overrides,
});

describe('decideRepost', () => {
  it('posts again a web or app event younger than the margin whose first post is recent', () => {
    for (const action_source of ['web', 'app_android', 'app_ios']) {
      assert.deepEqual(decideRepost(event({ action_source }), now, DEFAULT_REPOST_MARGIN_SECONDS), { repost: true });
    }
  });

  it('never posts an offline event again: Pinterest cannot deduplicate it', () => {
    const decision = decideRepost(event({ action_source: 'offline' }), now, DEFAULT_REPOST_MARGIN_SECONDS);
    assert.equal(decision.repost, false);
    assert.equal(!decision.repost && decision.reason, 'offline_source');
  });

  it('stops at the margin: 50 minutes by default, an event exactly that old is not posted again', () => {
    assert.equal(DEFAULT_REPOST_MARGIN_SECONDS, 3000);
    assert.deepEqual(decideRepost(event({ event_time: ago(2999) }), now, 3000), { repost: true });
    const atMargin = decideRepost(event({ event_time: ago(3000) }), now, 3000);
    assert.deepEqual(atMargin, { repost: false, reason: 'event_too_old', detail: 'event_time is 3000 s old, not under the repost margin of 3000 s; not posted again' });
    assert.equal(decideRepost(event({ event_time: ago(600) }), now, 300).repost, false, 'a configured margin applies');
    assert.equal(decideRepost(event({ event_time: ago(1) }), now, 0).repost, false, 'a margin of 0 never reposts');
  });

  it('stops 48 hours after the first post, past Pinterest\'s deduplication window', () => {
    // An event_time up to an hour ahead is accepted at the ingress, so only the first post's age can bound it.
    const future = ago(-3000);
    assert.deepEqual(decideRepost(event({ event_time: future, first_posted_at: ago(48 * 3600 - 1) }), now, 3000), { repost: true });
    const late = decideRepost(event({ event_time: future, first_posted_at: ago(48 * 3600) }), now, 3000);
    assert.equal(!late.repost && late.reason, 'first_post_too_old');
  });
});
