// How an error answer from Pinterest is read: which are worth another try, and how long Pinterest
// asks us to wait, from either header or the message, in any status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter, PinterestApiError } from '../../pinterest/http';

const error = (status: number, code: number | undefined, retryAsked = false) => new PinterestApiError(status, code, 'x', '/ad_accounts/1/ads/analytics', {}, undefined, retryAsked);

describe('PinterestApiError.retryable', () => {
  it('retries 429, code 8, 5xx, 401 and code 12 in any status', () => {
    for (const [status, code] of [[429, undefined], [400, 8], [500, undefined], [503, 503], [401, 2], [400, 12], [500, 12]] as const) {
      assert.equal(error(status, code).retryable, true, `${status} code ${code}`);
    }
  });

  it('does not retry a refusal of the request itself, unless the answer asks for a retry', () => {
    for (const [status, code] of [[400, 1], [403, 3], [404, 4], [400, undefined], [409, 2625]] as const) {
      assert.equal(error(status, code).retryable, false, `${status} code ${code}`);
      assert.equal(error(status, code, true).retryable, true, `${status} code ${code} asking for a retry`);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads X-RateLimit-Reset in seconds or as an epoch', () => {
    assert.equal(parseRetryAfter('3', '', 0), 3);
    assert.equal(parseRetryAfter('1700000060', '', 1_700_000_000_000), 60);
  });

  it('reads a hint in the message, in seconds, minutes or hours', () => {
    assert.equal(parseRetryAfter(null, 'Something went wrong. Retry after 6 seconds.', 0), 6);
    assert.equal(parseRetryAfter(null, 'Please retry after 2 minutes', 0), 120);
    assert.equal(parseRetryAfter(null, 'retry after 1.5s', 0), 2);
    assert.equal(parseRetryAfter(null, 'Something went wrong. Please try again later.', 0), undefined);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter(null, '', 0, '7'), 7);
    assert.equal(parseRetryAfter(null, '', Date.parse('2026-12-03T10:00:00Z'), 'Thu, 03 Dec 2026 10:00:30 GMT'), 30);
    assert.equal(parseRetryAfter(null, '', 0, 'soon'), undefined);
  });

  it('takes the longest wait when several are given, so the next attempt waits at least each', () => {
    assert.equal(parseRetryAfter('2', 'retry after 6 seconds', 0, '4'), 6);
    assert.equal(parseRetryAfter('20', 'retry after 6 seconds', 0), 20);
  });
});
