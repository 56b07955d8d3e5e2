// What reaches an operator is safe: a hostile event_id is printed escaped by the CLI. (Temporal
// clients without the keys: temporal-callers.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { runCli } from '../support/cli';
import { getWithToken, postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const TOKEN = 'operator-safety-token';
let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: TOKEN, ROUTY_ENCRYPTION_KEYS: generateEncryptionKeyEntry('k1') });
});
after(() => testApp?.stop());

describe('operator safety', { timeout: 180_000 }, () => {
  it('`conversion <hostile event_id>` prints the id with its escape sequences shown, not run', async () => {
    const { app } = testApp;
    const eventId = 'ord-\x1b]0;owned\x07-\x1b[31mred\r-over\u202Egnp';
    const answer = await postJson(app, '/v1/conversions', {
      conversions: [{ event_id: eventId, event_name: 'checkout', event_time: new Date(Date.now() - 60_000).toISOString(), ad_account_id: testApp.connected[0], click_id: 'nobody-clicked' }],
    });
    assert.ok(answer.status < 500, JSON.stringify(answer.body));
    await waitFor('the conversion (or its refusal) to be explainable', async () => {
      const explained = (await (await getWithToken(app, `/v1/conversions/${encodeURIComponent(eventId)}`)).json()) as { conversions?: unknown[] };
      return explained.conversions?.length ? true : undefined;
    });
    const stdout = await runCli(['conversion', eventId, '--url', app.ingressUrl], app);
    assert.match(stdout, /^conversion ord-\\x1B\]0;owned\\x07-\\x1B\[31mred\\x0D-over\\u202Egnp/);
    assert.doesNotMatch(stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
  });
});
