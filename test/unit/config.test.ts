import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isLoopbackHost, loadConfig } from '../../service/config';
import { loadIngressConfig, loadWorkerConfig } from '../../service/role-config';

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

const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const worker = {
  DATABASE_URL: 'postgres://routy:pw@db:5432/routy',
  TEMPORAL_ADDRESS: 'temporal:7233',
  ROUTY_ENCRYPTION_KEYS: KEYS,
  PINTEREST_APP_ID: '1500001',
  PINTEREST_APP_SECRET: 'app-secret',
};
const ingress = { ...worker, ROUTY_INGRESS_TOKEN: 'token', PINTEREST_REDIRECT_URI: 'https://routy.example/v1/oauth/callback' };

/** The variable names an error lists, in order. */
const named = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return [...String((error as Error).message).matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]);
  }
  return assert.fail('accepted');
};

it('a worker-only process needs PostgreSQL, Temporal, the keys and the Pinterest app, and names each one missing', () => {
  const config = loadWorkerConfig(worker);
  assert.deepEqual([config.DATABASE_URL, config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, config.PINTEREST_REQUEST_TIMEOUT_SECONDS], [worker.DATABASE_URL, 'temporal:7233', 'default', 60]);
  assert.deepEqual(named(() => loadWorkerConfig({})), ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ROUTY_ENCRYPTION_KEYS', 'PINTEREST_APP_ID', 'PINTEREST_APP_SECRET']);
  assert.throws(() => loadWorkerConfig({ ...worker, TEMPORAL_ADDRESS: ' ' }), /^Error: Invalid worker configuration:\n {2}TEMPORAL_ADDRESS: required by the worker$/);
  // No embedded database: every copy shares one PostgreSQL.
  assert.throws(() => loadWorkerConfig({ ...worker, DATABASE_URL: 'file:.data/pglite' }), /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  assert.throws(() => loadWorkerConfig({ ...worker, ROUTY_ENCRYPTION_KEYS: 'k1:short' }), /ROUTY_ENCRYPTION_KEYS: /);
});

it('a worker-only process reads no ingress setting: neither missing nor invalid ones stop it', () => {
  const config = loadWorkerConfig({ ...worker, ROUTY_HTTP_HOST: '0.0.0.0', ROUTY_HTTP_PORT: 'not-a-port', ROUTY_INGRESS_TOKEN: '', PINTEREST_REDIRECT_URI: 'not a url' });
  assert.equal('ROUTY_HTTP_PORT' in config, false);
  assert.equal('ROUTY_INGRESS_TOKEN' in config, false);
});

it('an ingress-only process needs PostgreSQL, Temporal, the keys, the token and the Pinterest app; HTTP settings keep their defaults', () => {
  const config = loadIngressConfig({ ...ingress, ROUTY_HTTP_HOST: '0.0.0.0' });
  assert.deepEqual([config.ROUTY_HTTP_HOST, config.ROUTY_HTTP_PORT, config.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS, config.ROUTY_INGRESS_TOKEN], ['0.0.0.0', 8080, 30, 'token']);
  assert.deepEqual(named(() => loadIngressConfig({})), ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ROUTY_ENCRYPTION_KEYS', 'ROUTY_INGRESS_TOKEN', 'PINTEREST_APP_ID', 'PINTEREST_APP_SECRET', 'PINTEREST_REDIRECT_URI']);
  assert.throws(() => loadIngressConfig({ ...ingress, ROUTY_INGRESS_TOKEN: '' }), /ROUTY_INGRESS_TOKEN: required by the ingress/);
  assert.throws(() => loadIngressConfig({ ...ingress, ROUTY_HTTP_PORT: '70000' }), /ROUTY_HTTP_PORT: /);
  assert.throws(() => loadIngressConfig({ ...ingress, ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: '5' }), /ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS must not exceed ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS/);
  // The worker's own settings are not its business.
  assert.equal(loadIngressConfig({ ...ingress, ROUTY_CAPI_FILL_MS: '99999', ROUTY_SDK_METRICS_PORT: 'x' }).ROUTY_INGRESS_TOKEN, 'token');
});

it('per-user Pinterest budgets can be lowered per category, and a bad one names the category', () => {
  assert.equal(loadConfig({}).PINTEREST_REQUESTS_PER_MINUTE.ads_analytics, 300);
  const lowered = loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_analytics=150, ads_read = 500' }).PINTEREST_REQUESTS_PER_MINUTE;
  assert.deepEqual(lowered, { ads_read: 500, ads_analytics: 150, ads_write: 400, ads_conversions: 5000, msot_write: 400, org_read: 1000, oauth: 1000 });
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_analytic=150' }), /PINTEREST_REQUESTS_PER_MINUTE: ads_analytic: unknown category; one of ads_read, /);
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_read=0' }), /PINTEREST_REQUESTS_PER_MINUTE: ads_read: Too small/);
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_read=fast' }), /PINTEREST_REQUESTS_PER_MINUTE: ads_read: /);
  assert.throws(() => loadConfig({ PINTEREST_REQUESTS_PER_MINUTE: 'ads_read' }), /PINTEREST_REQUESTS_PER_MINUTE: "ads_read" is not category=requests per minute/);
});

it('durations have a ceiling and URLs must be http(s): a hold past 60 days or a javascript: link stops start-up by name', () => {
  assert.equal(loadConfig({ ROUTY_HOLD_SECONDS: String(60 * 86_400) }).ROUTY_HOLD_SECONDS, 5_184_000);
  assert.throws(() => loadConfig({ ROUTY_HOLD_SECONDS: '99999999999999' }), /ROUTY_HOLD_SECONDS: /);
  assert.equal(loadConfig({ ROUTY_PULL_INTERVAL_SECONDS: '86400' }).ROUTY_PULL_INTERVAL_SECONDS, 86_400);
  assert.throws(() => loadConfig({ ROUTY_PULL_INTERVAL_SECONDS: '1e12' }), /ROUTY_PULL_INTERVAL_SECONDS: /);
  for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://x/y', 'mailto:a@b.c']) {
    assert.throws(() => loadConfig({ PINTEREST_API_BASE_URL: bad }), /PINTEREST_API_BASE_URL: must be an http:\/\/ or https:\/\/ URL/, bad);
    assert.throws(() => loadConfig({ PINTEREST_OAUTH_AUTHORIZE_URL: bad }), /PINTEREST_OAUTH_AUTHORIZE_URL: must be an http:\/\/ or https:\/\/ URL/, bad);
  }
  assert.equal(loadConfig({ PINTEREST_API_BASE_URL: 'http://127.0.0.1:9/v5' }).PINTEREST_API_BASE_URL, 'http://127.0.0.1:9/v5');
});
