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
  assert.equal(loadConfig({}).ROUTY_SIGNAL_BATCH_MS, 50);
  assert.throws(() => loadConfig({ ROUTY_SIGNAL_BATCH_MS: '1001' }), /ROUTY_SIGNAL_BATCH_MS: /);
});
