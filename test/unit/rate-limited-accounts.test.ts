// routy_pinterest_rate_limited_accounts counts the accounts Pinterest rate-limited until the wait
// it gave passes (60 s without one), each account once.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { accountRateLimited, rateLimitedAccounts } from '../../observability/metrics';

const value = async () => (await rateLimitedAccounts.get()).values[0]?.value;

it('counts each rate-limited account once, until its wait has passed', async () => {
  assert.equal(await value(), 0);
  accountRateLimited('111', 30);
  accountRateLimited('111', 30);
  accountRateLimited('222', undefined);
  assert.equal(await value(), 2);
  // A wait that has passed: 5 s from a minute ago.
  accountRateLimited('222', 5, Date.now() - 60_000);
  accountRateLimited('333', undefined, Date.now() - 61_000);
  assert.equal(await value(), 1);
});
