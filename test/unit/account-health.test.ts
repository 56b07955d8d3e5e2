import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { AccountHealth, scrubbedError } from '../../workflows/account-health';
import { retryDelayMs } from '../../workflows/ad-account-reads';
import { carryOf, pullOverdueReason, statusOf } from '../../workflows/ad-account-snapshot';
import { AdAccountState } from '../../workflows/ad-account-state';
import type { AdAccountWorkflowInput } from '../../workflows/ad-account-types';
import { FAILURE_TYPES } from '../../workflows/failure-types';

const input: AdAccountWorkflowInput = {
  ad_account_id: '1',
  settings: DEFAULT_ATTRIBUTION_SETTINGS,
  schedule: { pull_interval_seconds: 60, hold_seconds: 100, backfill_days: 90 },
};
const at = (ms: number) => new Date(ms).toISOString();

describe('AccountHealth', () => {
  it('is retrying with the next attempt, its error and time, then failing once retries are exhausted, then healthy after a success', () => {
    const health = new AccountHealth(undefined, 0);
    assert.deepEqual(health.status(), { state: 'healthy', since: at(0) });
    assert.equal(health.retryScheduled('pullMetrics', 1, 'HTTP 503', 3_000, 1_000), true);
    assert.deepEqual(health.status(), { state: 'retrying', since: at(1_000), failing_call: 'pullMetrics', attempt: 2, last_error: 'HTTP 503', next_retry_at: at(3_000) });
    assert.equal(health.retryScheduled('pullMetrics', 2, 'HTTP 502', 8_000, 4_000), false, 'still retrying: no change to show');
    assert.equal(health.status().since, at(1_000));
    assert.equal(health.status().attempt, 3);
    assert.equal(health.failed('pullMetrics', 8, 'HTTP 503', 9_000), true);
    assert.deepEqual(health.status(), { state: 'failing', since: at(9_000), failing_call: 'pullMetrics', attempt: 8, last_error: 'HTTP 503' });
    assert.equal(health.succeeded('syncEntities', 10_000), false, 'another call succeeding leaves the pull failing');
    assert.equal(health.succeeded('pullMetrics', 11_000), true);
    assert.deepEqual(health.status(), { state: 'healthy', since: at(11_000) });
  });

  it('stays retrying while one of two calls retrying at once succeeds', () => {
    const health = new AccountHealth(undefined, 0);
    health.retryScheduled('pullMetrics', 1, 'HTTP 503', 2_000, 0);
    health.retryScheduled('syncAds', 1, 'HTTP 500', 3_000, 1_000);
    assert.equal(health.succeeded('syncAds', 2_500), false);
    assert.deepEqual(health.status(), { state: 'retrying', since: at(0), failing_call: 'pullMetrics', attempt: 2, last_error: 'HTTP 503', next_retry_at: at(2_000) });
  });

  it('carries failures across continue-as-new; a full entity sync clears a failed ad sync', () => {
    const health = new AccountHealth(undefined, 0);
    health.failed('syncAds', undefined, 'HTTP 500', 5);
    const next = new AccountHealth(health.carry(), 100);
    assert.deepEqual(next.status(), { state: 'failing', since: at(5), failing_call: 'syncAds', last_error: 'HTTP 500' });
    next.succeeded('syncEntities', 200);
    assert.equal(next.state, 'healthy');
    assert.deepEqual(next.carry(), { since: at(200), failures: [] });
  });

  it('scrubs tokens, e-mail addresses and hashes from errors', () => {
    const hash = 'a'.repeat(64);
    assert.equal(
      scrubbedError(`refused pina_AbC123.x for planner@example.com (Bearer xyz) access_token=secret ${hash}`),
      'refused [token] for [email] (Bearer [token] access_token=[token] [hash]',
    );
    assert.equal(scrubbedError('x'.repeat(400)).length, 300);
  });
});

describe('retryDelayMs', () => {
  const retryable = { message: 'HTTP 503', nonRetryable: false };
  it('backs off as the pinterestReads policy did: 2 s doubling up to 5 minutes, 8 attempts', () => {
    assert.deepEqual([1, 2, 3, 7].map((n) => retryDelayMs(n, retryable)), [2_000, 4_000, 8_000, 128_000]);
    assert.equal(retryDelayMs(8, retryable), undefined);
  });
  it("waits Pinterest's wait from the failure's details; gives up on a non-retryable failure", () => {
    assert.equal(retryDelayMs(3, { ...retryable, type: FAILURE_TYPES.transient, details: [{ status: 503, code: 503, retry_after_seconds: 6 }] }), 6_000);
    assert.equal(retryDelayMs(1, { message: 'HTTP 400', nonRetryable: true }), undefined);
  });
});

describe('status: health, an overdue pull and pending settings', () => {
  it('explains a pull in the past: pulling, retrying, then paused', () => {
    const state = new AdAccountState(input, 0);
    assert.equal(pullOverdueReason(state, 0), 'due');
    state.health.currentRead = 'pullMetrics';
    assert.equal(statusOf(state, 1_000).pull_overdue_reason, 'pulling');
    state.health.retryScheduled('pullMetrics', 1, 'HTTP 503', 3_000, 1_000);
    const status = statusOf(state, 2_000);
    assert.equal(status.pull_overdue_reason, 'retrying');
    assert.equal(status.health.state, 'retrying');
    state.health.failed('pullMetrics', 8, 'HTTP 503', 5_000);
    state.health.currentRead = undefined;
    state.pullFailed(5_000, { message: 'HTTP 503', nonRetryable: false }, false);
    assert.equal(statusOf(state, 6_000).pull_overdue_reason, undefined, 'the next pull is an interval ahead');
    state.connection.pause(undefined);
    assert.equal(statusOf(state, 70_000).pull_overdue_reason, 'paused');
    assert.equal(carryOf(state).carried?.health?.failures[0]?.call, 'pullMetrics');
  });

  it('shows settings waiting for a backfill report beside those in effect', () => {
    const state = new AdAccountState(input, 0);
    state.health.currentRead = 'collectAdReport';
    state.requestSettings({ click_window_days: 7 }, 1_000);
    assert.deepEqual(statusOf(state, 2_000).pending_settings, {
      settings: { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 7 },
      reason: 'pinterest_read_under_way',
      waiting_for: 'collectAdReport',
      requested_at: at(1_000),
    });
    assert.equal(statusOf(state, 2_000).settings.click_window_days, 30);
    state.health.currentRead = undefined;
    assert.equal(statusOf(state, 3_000).pending_settings?.reason, 'saving');
    state.settingsSaved(state.pendingSettings!, 4_000);
    assert.equal(statusOf(state, 5_000).pending_settings, undefined);
  });
});
