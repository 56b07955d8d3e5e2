// Routy's attribution as a ConversionMSOTEvents body, and what each failed MSOT post means.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MAX_MSOT_ATTEMPTS, msotFailureAnswer } from '../../activities/msot-sender';
import { toMsotEvent, type MsotSource } from '../../domain/msot-event';
import { FAILURE_TYPES } from '../../workflows/shared';

const source: MsotSource = {
  event_id: 'e-1',
  event_name: 'checkout',
  event_time: new Date('2026-12-01T10:00:30Z'),
  value: '42.50',
  currency: 'EUR',
  touch_type: 'engagement',
  campaign_id: '626736533506',
  ad_group_id: '2680060704746',
  touched_at: new Date('2026-11-28T09:00:00Z'),
};

describe('toMsotEvent', () => {
  it('last touch: the scope from the touchpoint type, its campaign and ad group, the touch time, the same event_id', () => {
    assert.deepEqual(toMsotEvent(source), {
      kind: 'event',
      event: {
        event_id: 'e-1',
        event_name: 'checkout',
        event_timestamp: 1796119230,
        attribution_model: 'last_touch',
        attribution_scope: 'engagement',
        attribution_score: 1,
        campaign_id: '626736533506',
        ad_group_id: '2680060704746',
        action_timestamps: [1795856400],
        total_events: 1,
        value: 42.5,
        currency: 'EUR',
      },
    });
  });

  it('what the spec cannot carry is not postable, with the field named', () => {
    const reason = (change: Partial<MsotSource>) => {
      const built = toMsotEvent({ ...source, ...change });
      return built.kind === 'not_postable' ? built.reason : 'postable';
    };
    assert.match(reason({ event_name: 'page_visit' }), /^event_name: "page_visit"/);
    assert.match(reason({ ad_group_id: null }), /^ad_group_id:/);
    assert.match(reason({ value: null }), /^value: checkout needs a value/);
    assert.equal(reason({ event_name: 'lead', value: null, campaign_id: null }), 'postable');
  });
});

describe('msotFailureAnswer', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const limited = ApplicationFailure.create({ message: 'slow down', type: FAILURE_TYPES.rateLimited });

  it("a 429 waits Pinterest's wait and at least 2^attempt seconds, and is given up after the last attempt", () => {
    assert.deepEqual(msotFailureAnswer(limited, 1, 429, now, 30), { state: 'pending', outcome: 'retry', http_status: 429, error: 'slow down', next_post_at: new Date('2026-12-01T00:00:30Z') });
    assert.equal(msotFailureAnswer(limited, 3, 429, now)?.next_post_at?.toISOString(), '2026-12-01T00:00:08.000Z');
    const last = msotFailureAnswer(limited, MAX_MSOT_ATTEMPTS, 429, now);
    assert.deepEqual([last.state, last.error], ['failed', `gave up after ${MAX_MSOT_ATTEMPTS} attempts: slow down`]);
  });

  it('a 4xx is failed at once; no readable answer is unconfirmed, never posted again', () => {
    assert.equal(msotFailureAnswer(ApplicationFailure.nonRetryable('bad', FAILURE_TYPES.api, { status: 400, code: 4196 }), 1, 400, now).state, 'failed');
    assert.equal(msotFailureAnswer(new Error('The operation was aborted due to timeout'), 1, null, now).state, 'unconfirmed');
  });
});
