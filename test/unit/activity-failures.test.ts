import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import {
  asActivityFailure,
  asInvalidRecordFailure,
  asReportDownloadFailure,
  classifySendFailure,
  isNotFoundFailure,
  reportDownloadUrl,
} from '../../activities/activity-failures';
import { PinterestApiError } from '../../pinterest/http';
import { ReportDownloadError } from '../../pinterest/reports';

const pinterestError = (status: number, code?: number, retryAfterSeconds?: number, retryAsked = false) =>
  new PinterestApiError(status, code, 'said no', '/ad_accounts/1/events', {}, retryAfterSeconds, retryAsked);

/** Narrows to an ApplicationFailure, failing the test when it is something else. */
function applicationFailure(value: unknown): ApplicationFailure {
  assert.ok(value instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(value)}`);
  return value;
}

/** A network error as undici raises it: a TypeError whose cause carries the system code. */
const networkError = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

describe('asActivityFailure', () => {
  it('retries a 429 after Pinterest\'s hint', () => {
    const failure = applicationFailure(asActivityFailure(pinterestError(429, undefined, 30)));
    assert.equal(failure.type, 'PinterestRateLimited');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, '30 seconds');
    assert.equal(failure.message, 'Pinterest /ad_accounts/1/events answered HTTP 429: said no');
  });

  it('waits at least a second, and sleeps through exactly 15 minutes', () => {
    assert.equal(applicationFailure(asActivityFailure(pinterestError(429, undefined, 0))).nextRetryDelay, '1 seconds');
    const longest = applicationFailure(asActivityFailure(pinterestError(429, undefined, 900)));
    assert.equal(longest.type, 'PinterestRateLimited');
    assert.equal(longest.nextRetryDelay, '900 seconds');
  });

  it('leaves the delay to the retry policy when Pinterest gave no hint', () => {
    const failure = applicationFailure(asActivityFailure(pinterestError(429)));
    assert.equal(failure.type, 'PinterestRateLimited');
    assert.equal(failure.nextRetryDelay, undefined);
  });

  it('treats code 8 as a rate limit whatever the status', () => {
    assert.equal(applicationFailure(asActivityFailure(pinterestError(400, 8, 5))).type, 'PinterestRateLimited');
  });

  it('fails a wait over 15 minutes non-retryably with the wait in its details', () => {
    const failure = applicationFailure(asActivityFailure(pinterestError(429, undefined, 901)));
    assert.equal(failure.type, 'PinterestRateLimitedLong');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, [{ retry_after_seconds: 901 }]);
    assert.equal(failure.nextRetryDelay, undefined);
  });

  it('fails other 4xx non-retryably with Pinterest\'s status, code and message', () => {
    const failure = applicationFailure(asActivityFailure(pinterestError(400, 2)));
    assert.equal(failure.type, 'PinterestApiError');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, [{ status: 400, code: 2 }]);
    assert.equal(failure.message, 'Pinterest /ad_accounts/1/events answered HTTP 400 (code 2): said no');
  });

  it('retries code 12 ("Something went wrong") in a 400 with the retry policy\'s backoff', () => {
    const failure = applicationFailure(asActivityFailure(pinterestError(400, 12)));
    assert.equal(failure.type, 'PinterestTransient');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, undefined, 'no hint: the retry policy backs off');
    assert.deepEqual(failure.details, [{ status: 400, code: 12 }]);
  });

  it('retries any answer that asks for a retry, whatever its status and code, after the wait it gives', () => {
    const hinted = applicationFailure(asActivityFailure(pinterestError(400, undefined, 6, true)));
    assert.equal(hinted.type, 'PinterestTransient');
    assert.equal(hinted.nextRetryDelay, '6 seconds');
    assert.equal(applicationFailure(asActivityFailure(pinterestError(400, 12, 9, true))).nextRetryDelay, '9 seconds');
    assert.equal(applicationFailure(asActivityFailure(pinterestError(403, 4, 2, true))).nextRetryDelay, '2 seconds');
    const serverError = applicationFailure(asActivityFailure(pinterestError(503, 503, 4)));
    assert.equal(serverError.type, 'PinterestTransient');
    assert.equal(serverError.nextRetryDelay, '4 seconds', 'a 5xx giving a wait waits that long');
    assert.deepEqual(serverError.details, [{ status: 503, code: 503, retry_after_seconds: 4 }], 'the wait in the details too, for reads the workflow retries');
    assert.deepEqual(applicationFailure(asActivityFailure(pinterestError(429, undefined, 30))).details, [{ retry_after_seconds: 30 }]);
    const long = applicationFailure(asActivityFailure(pinterestError(400, 12, 3600, true)));
    assert.equal(long.type, 'PinterestRateLimitedLong');
    assert.deepEqual(long.details, [{ retry_after_seconds: 3600 }]);
  });

  it('does not retry a refusal just because the rate-limit reset header came with it', () => {
    const failure = applicationFailure(asActivityFailure(pinterestError(400, 1, 30, false)));
    assert.equal(failure.type, 'PinterestApiError');
    assert.equal(failure.nonRetryable, true);
  });

  it('returns 5xx, 401 and non-Pinterest errors as they are', () => {
    for (const error of [pinterestError(503), pinterestError(401), networkError('ECONNRESET')]) {
      assert.equal(asActivityFailure(error), error);
    }
  });
});

describe('asInvalidRecordFailure', () => {
  it('refuses data exceptions (SQLSTATE class 22) and check violations non-retryably', () => {
    for (const code of ['22P02', '22003', '23514']) {
      const failure = applicationFailure(asInvalidRecordFailure(Object.assign(new Error('value out of range'), { code })));
      assert.equal(failure.type, 'InvalidRecord');
      assert.equal(failure.nonRetryable, true);
      assert.equal(failure.message, 'the database refused a record: value out of range');
    }
  });

  it('returns other database and non-database errors as they are', () => {
    for (const error of [Object.assign(new Error('duplicate'), { code: '23505' }), Object.assign(new Error('numeric'), { code: 22 }), new Error('connection lost')]) {
      assert.equal(asInvalidRecordFailure(error), error);
    }
  });
});

describe('reportDownloadUrl', () => {
  it('gives the URL of a finished report', () => {
    assert.equal(reportDownloadUrl({ report_status: 'FINISHED', url: 'https://reports.example/1.json' }), 'https://reports.example/1.json');
  });

  it('fails retryably while the report is in progress, as a benign failure (the worker logs it at DEBUG, not as a WARN)', () => {
    assert.throws(() => reportDownloadUrl({ report_status: 'IN_PROGRESS' }), (error) => {
      const failure = applicationFailure(error);
      assert.equal(failure.category, ApplicationFailureCategory.BENIGN);
      return failure.type === 'PinterestReportNotReady' && !failure.nonRetryable && failure.message === 'report in progress';
    });
  });

  it('leaves real report failures in the default category, so they still log as warnings', () => {
    assert.throws(() => reportDownloadUrl({ report_status: 'FAILED' }), (error) => applicationFailure(error).category === undefined);
  });

  it('fails an expired report non-retryably, so the workflow asks for a new one', () => {
    assert.throws(() => reportDownloadUrl({ report_status: 'EXPIRED' }), (error) => {
      const failure = applicationFailure(error);
      return failure.type === 'PinterestReportExpired' && failure.nonRetryable;
    });
  });

  it('fails a failed report, or a finished one without a URL, with its status', () => {
    for (const report of [{ report_status: 'FAILED' as const }, { report_status: 'DOES_NOT_EXIST' as const }, { report_status: 'FINISHED' as const, url: null }]) {
      assert.throws(() => reportDownloadUrl(report), (error) => {
        const failure = applicationFailure(error);
        assert.equal(failure.type, 'PinterestReportFailed');
        assert.equal(failure.nonRetryable, true);
        assert.deepEqual(failure.details, [{ status: report.report_status }]);
        assert.equal(failure.message, `the report ended ${report.report_status}`);
        return true;
      });
    }
  });
});

describe('asReportDownloadFailure', () => {
  it('reads a 403 or 404 download as an expired link', () => {
    for (const status of [403, 404]) {
      const failure = applicationFailure(asReportDownloadFailure(new ReportDownloadError(status)));
      assert.equal(failure.type, 'PinterestReportExpired');
      assert.equal(failure.nonRetryable, true);
      assert.equal(failure.message, `the report link is no longer valid: Error: report download answered HTTP ${status}`);
    }
  });

  it('returns other download failures as they are, to be retried', () => {
    for (const error of [new ReportDownloadError(500), new ReportDownloadError(401), new Error('HTTP 404 in a message only')]) {
      assert.equal(asReportDownloadFailure(error), error);
    }
  });
});

describe('isNotFoundFailure', () => {
  it('recognizes a Pinterest 404 once it became a failure', () => {
    assert.equal(isNotFoundFailure(asActivityFailure(pinterestError(404))), true);
    assert.equal(isNotFoundFailure(asActivityFailure(pinterestError(400))), false);
    assert.equal(isNotFoundFailure(pinterestError(404)), false);
  });
});

describe('classifySendFailure', () => {
  it('retries what Pinterest did not take: rate limits, a refused grant, 5xx', () => {
    const refusedGrant = ApplicationFailure.nonRetryable('Pinterest refused the grant', 'PinterestReauthRequired');
    const replacedGrant = ApplicationFailure.retryable('reconnected meanwhile', 'PinterestGrantReplaced');
    for (const error of [asActivityFailure(pinterestError(429, undefined, 10)), asActivityFailure(pinterestError(429, undefined, 3600)), refusedGrant, replacedGrant, pinterestError(502), asActivityFailure(pinterestError(400, 12))]) {
      assert.deepEqual(classifySendFailure(error), { reason: 'retried' });
    }
  });

  it('retries a post that never reached Pinterest', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']) assert.deepEqual(classifySendFailure(networkError(code)), { reason: 'retried' });
  });

  it('marks events Pinterest found too old (code 953) stale', () => {
    const error = asActivityFailure(pinterestError(422, 953));
    assert.deepEqual(classifySendFailure(error), {
      reason: 'stale',
      capi_state: 'stale',
      result: { error_message: 'Pinterest /ad_accounts/1/events answered HTTP 422 (code 953): said no' },
    });
  });

  it('marks events of a refused request failed with Pinterest\'s message', () => {
    assert.deepEqual(classifySendFailure(asActivityFailure(pinterestError(400, 1))), {
      reason: 'refused',
      capi_state: 'failed',
      result: { error_message: 'Pinterest /ad_accounts/1/events answered HTTP 400 (code 1): said no' },
    });
  });

  it('calls the outcome unknown when no answer could be read (a reset, a timeout, a body that is not Pinterest\'s)', () => {
    for (const [error, message] of [
      [networkError('ECONNRESET'), 'fetch failed'],
      [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'The operation was aborted due to timeout'],
      [new SyntaxError('Unexpected token < in JSON'), 'Unexpected token < in JSON'],
    ] as const) {
      assert.deepEqual(classifySendFailure(error), { reason: 'unknown', result: { reason: `no readable answer: ${message}` } });
    }
  });
});
