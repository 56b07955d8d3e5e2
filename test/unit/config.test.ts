import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isLoopbackHost, loadConfig } from '../../service/config';

it('an empty variable keeps its default; a bad one stops start-up with its name', () => {
  assert.equal(loadConfig({ ROUTY_HTTP_PORT: '' }).ROUTY_HTTP_PORT, 8080);
  assert.equal(loadConfig({}).TEMPORAL_NAMESPACE, 'default');
  assert.throws(() => loadConfig({ ROUTY_HTTP_PORT: 'abc' }), /ROUTY_HTTP_PORT: /);
  assert.throws(() => loadConfig({ DATABASE_URL: 'http://example.com/db' }), /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  assert.throws(() => loadConfig({ PINTEREST_APP_ID: '1' }), /PINTEREST_APP_ID, PINTEREST_APP_SECRET and PINTEREST_REDIRECT_URI must be set together/);
  assert.throws(() => loadConfig({ ROUTY_LOG_LEVEL: 'LOUD' }), /ROUTY_LOG_LEVEL: /);
  assert.equal(loadConfig({}).ROUTY_CAPI_FILL_MS, 500);
  assert.throws(() => loadConfig({ ROUTY_CAPI_FILL_MS: '5001' }), /ROUTY_CAPI_FILL_MS: /);
});

it('the Conversions API repost margin defaults to 50 minutes and stays within the hour', () => {
  assert.equal(loadConfig({}).ROUTY_CAPI_REPOST_MARGIN_SECONDS, 3000);
  assert.equal(loadConfig({ ROUTY_CAPI_REPOST_MARGIN_SECONDS: '0' }).ROUTY_CAPI_REPOST_MARGIN_SECONDS, 0);
  assert.throws(() => loadConfig({ ROUTY_CAPI_REPOST_MARGIN_SECONDS: '3601' }), /ROUTY_CAPI_REPOST_MARGIN_SECONDS: /);
  assert.throws(() => loadConfig({ ROUTY_CAPI_REPOST_MARGIN_SECONDS: '-1' }), /ROUTY_CAPI_REPOST_MARGIN_SECONDS: /);
});

it('without ROUTY_INGRESS_TOKEN the ingress may listen on loopback only', () => {
  assert.equal(loadConfig({}).ROUTY_HTTP_HOST, '127.0.0.1');
  for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) assert.equal(loadConfig({ ROUTY_HTTP_HOST: host }).ROUTY_HTTP_HOST, host);
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.org', '::ffff:10.0.0.1']) {
    assert.throws(() => loadConfig({ ROUTY_HTTP_HOST: host }), /ROUTY_HTTP_HOST: .*not a loopback address.*ROUTY_INGRESS_TOKEN/, host);
  }
  assert.throws(() => loadConfig({ ROUTY_HTTP_HOST: '0.0.0.0', ROUTY_INGRESS_TOKEN: '  ' }), /ROUTY_HTTP_HOST: /);
  assert.equal(loadConfig({ ROUTY_HTTP_HOST: '0.0.0.0', ROUTY_INGRESS_TOKEN: 'secret' }).ROUTY_HTTP_HOST, '0.0.0.0');
  assert.equal(isLoopbackHost('::ffff:127.0.0.1'), true);
});

it('the ingress timeouts have defaults, stay positive, and headers come within the request time', () => {
  const config = loadConfig({});
  assert.deepEqual(
    [config.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS, config.ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS, config.ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS, config.ROUTY_HTTP_IDLE_TIMEOUT_SECONDS],
    [30, 10, 5, 60],
  );
  assert.throws(() => loadConfig({ ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: '0' }), /ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: /);
  assert.throws(() => loadConfig({ ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: 'soon' }), /ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: /);
  assert.throws(() => loadConfig({ ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: '5' }), /ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS must not exceed ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS/);
});

it('per-user Pinterest budgets can be lowered per category, and a bad one names the category', () => {
  assert.equal(loadConfig({}).PINTEREST_REQUESTS_PER_MINUTE.ads_analytics, 300);
  const lowered = loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_analytics=150, ads_read = 500' }).PINTEREST_REQUESTS_PER_MINUTE;
  assert.deepEqual(lowered, { ads_read: 500, ads_analytics: 150, ads_write: 400, ads_conversions: 5000, org_read: 1000, oauth: 1000 });
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_analytic=150' }), /PINTEREST_REQUESTS_PER_MINUTE: ads_analytic: unknown category; one of ads_read, /);
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_read=0' }), /PINTEREST_REQUESTS_PER_MINUTE: ads_read: Too small/);
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_read=fast' }), /PINTEREST_REQUESTS_PER_MINUTE: ads_read: /);
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_read' }), /PINTEREST_REQUESTS_PER_MINUTE: "ads_read" is not category=requests per minute/);
});
