import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig } from '../../service/config';

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
