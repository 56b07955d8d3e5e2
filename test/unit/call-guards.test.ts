import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { CallGuard, callOriginProblems, REFUSED_CALL, refuseUnusableInput } from '../../workflows/call-guards';
import { REFUSAL_REASONS, refusedPayloadValue } from '../../workflows/refused-payload';
import type { AdAccountCounters } from '../../workflows/ad-account-types';

const counters = (): AdAccountCounters => ({ pulls: 0, metric_rows_upserted: 0, conversions_received: 0, conversions_matched: 0, conversions_sent: 0, touchpoints_received: 0 });
const refused = refusedPayloadValue(REFUSAL_REASONS.unencrypted);
const isRefusedCall = (pattern: RegExp) => (error: unknown) => error instanceof ApplicationFailure && error.type === REFUSED_CALL && error.nonRetryable && pattern.test(error.message);

describe('call guards', () => {
  it('runs with the origin patch take payload-less calls only with an origin that names them', () => {
    const guard = new CallGuard(true, counters());
    assert.equal(guard.refusal('resume', [{ call: 'resume', by: 'ops: Ana' }], 'origin'), undefined);
    assert.equal(guard.refusal('resume', [], 'origin'), 'resume: origin: must be an object like {"call": "resume", "by": "ops: Ana"}: the call and who sends it');
    // An origin read from a `resume` in history is no `disconnect`.
    assert.equal(guard.refusal('disconnect', [{ call: 'resume', by: 'ops: Ana' }], 'origin'), 'disconnect: origin.call: must be "disconnect", the call it comes with');
    assert.equal(guard.refusal('pullNow', [{ call: 'pullNow', by: '' }], 'origin'), 'pullNow: origin.by: must be a string of 1 to 200 characters');
    assert.equal(guard.refusal('pullNow', [{ call: 'pullNow', by: 'x'.repeat(201) }], 'origin'), 'pullNow: origin.by: must be a string of 1 to 200 characters');
    assert.equal(guard.refusal('connected', [{ call: 'connected', by: 'a', extra: 1 }], 'origin'), 'connected: origin.extra: is not a known field');
    assert.equal(guard.refusal('pause', [{}], 'payload'), undefined);
    assert.equal(guard.refusal('pause', [undefined], 'payload'), 'pause: its argument is missing');
    assert.equal(guard.refusal('pause', [null], 'payload'), 'pause: its argument is missing');
  });

  it('runs started before the patch take bare calls as they always did', () => {
    const guard = new CallGuard(false, counters());
    assert.equal(guard.refusal('resume', [], 'origin'), undefined);
    assert.equal(guard.refusal('pause', [undefined], 'payload'), undefined);
  });

  it('refuses a payload the codec refused in any run, with its reason, thrown as a non-retryable RefusedCall for validators', () => {
    for (const required of [true, false]) {
      const guard = new CallGuard(required, counters());
      assert.equal(guard.refusal('pause', [refused], 'payload'), 'pause: an unencrypted payload is refused (the caller lacks ROUTY_ENCRYPTION_KEYS)');
      assert.equal(guard.refusal('recordsWaiting', [refusedPayloadValue(REFUSAL_REASONS.altered)], 'origin'), 'recordsWaiting: a payload that fails decryption (altered or forged) is refused');
      assert.throws(() => guard.check('backfill', [refused], 'payload'), isRefusedCall(/^backfill: an unencrypted payload/));
    }
  });

  it('fails a start whose input was refused or is missing', () => {
    assert.throws(() => refuseUnusableInput(refused), isRefusedCall(/^workflow input: an unencrypted payload is refused/));
    assert.throws(() => refuseUnusableInput(undefined), isRefusedCall(/^workflow input: must be an object/));
    assert.throws(() => refuseUnusableInput([]), isRefusedCall(/^workflow input: must be an object/));
    assert.doesNotThrow(() => refuseUnusableInput({ ad_account_id: '1' }));
  });

  it('names what is wrong with an origin', () => {
    assert.deepEqual(callOriginProblems('pullNow', { call: 'pullNow', by: 'routy-client' }), []);
    assert.deepEqual(callOriginProblems('pullNow', { call: 'pullNow', by: 7 }), ['origin.by: must be a string of 1 to 200 characters']);
    assert.deepEqual(callOriginProblems('pullNow', 'routy-client'), ['origin: must be an object like {"call": "pullNow", "by": "ops: Ana"}: the call and who sends it']);
  });
});
