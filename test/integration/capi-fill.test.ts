// The record pump's posts on real parts: matches that arrive close together share one Conversions
// API request (it waits `ROUTY_CAPI_FILL_MS` for more), and a lone match still leaves within that wait.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
/** Long enough that three requests 200 ms apart all land inside one wait. */
const FILL_MS = 2000;
let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token', ROUTY_CAPI_FILL_MS: String(FILL_MS) });
});

after(() => testApp?.stop());

const click = (id: string) => ({ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(Date.now() - 60_000).toISOString(), click_id: id, ad_id: '687195905901' });
const conversion = (id: string) => ({ event_id: id, event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: ACCOUNT, click_id: id, user: { email: `${id}@example.com` } });

/** The emulator's Conversions API requests that carried any event whose id starts with `prefix`, as their event ids. */
const requestsWith = (prefix: string) =>
  testApp.app.pinterest.emulator.capiRequests.map((r) => r.body.data.map((e) => String(e.event_id)).filter((id) => id.startsWith(prefix))).filter((ids) => ids.length > 0);

describe('Conversions API requests that fill', { timeout: 120_000 }, () => {
  it('posts matches that arrive within the wait in one request', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `fill-${i}`);
    assert.equal((await postJson(testApp.app, '/v1/touchpoints', { touchpoints: ids.map(click) })).status, 202);
    for (let batch = 0; batch < 3; batch += 1) {
      assert.equal((await postJson(testApp.app, '/v1/conversions', { conversions: ids.slice(batch * 10, batch * 10 + 10).map(conversion) })).status, 202);
      await sleep(200);
    }
    const requests = await waitFor('all 30 posted', async () => (requestsWith('fill-').flat().length === 30 ? requestsWith('fill-') : undefined), 30_000);
    assert.deepEqual(requests.map((r) => r.length), [30]);
  });

  it('posts a lone match once the wait has passed, not before', async () => {
    assert.equal((await postJson(testApp.app, '/v1/touchpoints', { touchpoints: [click('lone-1')] })).status, 202);
    const accepted = Date.now();
    assert.equal((await postJson(testApp.app, '/v1/conversions', { conversions: [conversion('lone-1')] })).status, 202);
    await waitFor('the lone match posted', async () => (requestsWith('lone-').length === 1 ? true : undefined), 30_000);
    const posted = Date.now() - accepted;
    assert.ok(posted >= FILL_MS - 100, `posted ${posted} ms after its 202: it waited for the request to fill`);
  });
});
