import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { CallGuard, callOriginProblems, REFUSED_CALL, refuseUnencryptedInput } from '../../workflows/call-guards';
import { REFUSED_PAYLOAD_VALUE } from '../../workflows/refused-payload';
import type { AdAccountCounters } from '../../workflows/ad-account-types';

const counters = (): AdAccountCounters => ({ pulls: 0, metric_rows_upserted: 0, conversions_received: 0, conversions_matched: 0, conversions_sent: 0, touchpoints_received: 0 });
const refused = { ...REFUSED_PAYLOAD_VALUE };

describe('call guards', () => {
  it('runs with the origin patch take payload-less calls only with a valid origin', () => {
    const guard = new CallGuard(true, counters());
    assert.equal(guard.refusal('resume', [{ by: 'ops: Ana' }], 'origin'), undefined);
    assert.equal(guard.refusal('resume', [], 'origin'), 'resume: origin: must be an object like {"by": "routy-client"}: who sends the call');
    assert.equal(guard.refusal('pullNow', [{ by: '' }], 'origin'), 'pullNow: origin.by: must be a string of 1 to 200 characters');
    assert.equal(guard.refusal('pullNow', [{ by: 'x'.repeat(201) }], 'origin'), 'pullNow: origin.by: must be a string of 1 to 200 characters');
    assert.equal(guard.refusal('connected', [{ by: 'a', extra: 1 }], 'origin'), 'connected: origin.extra: is not a known field');
    assert.equal(guard.refusal('pause', [{}], 'payload'), undefined);
    assert.equal(guard.refusal('pause', [undefined], 'payload'), 'pause: its argument is missing');
    assert.equal(guard.refusal('pause', [null], 'payload'), 'pause: its argument is missing');
  });

  it('runs started before the patch take bare calls as they always did', () => {
    const guard = new CallGuard(false, counters());
    assert.equal(guard.refusal('resume', [], 'origin'), undefined);
    assert.equal(guard.refusal('pause', [undefined], 'payload'), undefined);
  });

  it('refuses an unencrypted payload in any run, and throws it as a non-retryable RefusedCall for validators', () => {
    for (const required of [true, false]) {
      const guard = new CallGuard(required, counters());
      assert.equal(guard.refusal('pause', [refused], 'payload'), 'pause: an unencrypted payload is refused (the caller lacks ROUTY_ENCRYPTION_KEYS)');
      assert.equal(guard.refusal('recordsWaiting', [refused], 'origin'), 'recordsWaiting: an unencrypted payload is refused (the caller lacks ROUTY_ENCRYPTION_KEYS)');
      assert.throws(
        () => guard.check('backfill', [refused], 'payload'),
        (error: unknown) => error instanceof ApplicationFailure && error.type === REFUSED_CALL && error.nonRetryable && /^backfill: an unencrypted payload/.test(error.message),
      );
    }
    assert.throws(() => refuseUnencryptedInput(refused), (error: unknown) => error instanceof ApplicationFailure && error.type === REFUSED_CALL);
    assert.doesNotThrow(() => refuseUnencryptedInput({ ad_account_id: '1' }));
  });

  it('names what is wrong with an origin', () => {
    assert.deepEqual(callOriginProblems({ by: 'routy-client' }), []);
    assert.deepEqual(callOriginProblems({ by: 7 }), ['origin.by: must be a string of 1 to 200 characters']);
    assert.deepEqual(callOriginProblems('routy-client'), ['origin: must be an object like {"by": "routy-client"}: who sends the call']);
  });
});
