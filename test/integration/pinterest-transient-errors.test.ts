// Pinterest's transient errors on real parts (a Temporal dev server, PostgreSQL, our worker, the
// emulator's faults): a 400 with code 12 ("Something went wrong. Please try again later.") and
// answers of any status that ask for a retry after N seconds are retried inside the workflow's
// activities, each retry waiting at least as long as Pinterest asked, and no pull fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import type { Fault } from '../../emulator/pinterest-emulator';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { capiEventsWithId } from '../support/capi-requests';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';
import { waitFor } from '../support/wait';

const spec = sharedFile('pinterest/openapi-v5.yaml');
const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const ANALYTICS = `/ad_accounts/${ACCOUNT}/campaigns/analytics`;

let testApp: ConnectedTestApp;
const app = () => testApp.app;
const emulator = () => testApp.app.pinterest.emulator;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
});

after(() => testApp?.stop());

/**
 * Injects `fault` `times` times on the campaign analytics call, asks for a pull and waits for it
 * to finish. @returns the campaign analytics answers of that pull, in order (faults, then the 200).
 */
async function pullThrough(fault: Fault, times: number) {
  const first = emulator().exchanges.length;
  emulator().inject(fault, { pathContains: ANALYTICS, times });
  const before = await app().client.status(ACCOUNT);
  await app().client.pullNow(ACCOUNT);
  const status = await waitFor('the pull through the fault', async () => {
    const s = await app().client.status(ACCOUNT);
    return s.counters.pulls > before.counters.pulls ? s : undefined;
  }, 120_000);
  assert.equal(status.last_error, before.last_error, 'the pull did not fail');
  const answers = emulator().exchanges.slice(first).filter((e) => e.route === '/ad_accounts/{ad_account_id}/campaigns/analytics');
  return answers;
}

describe('transient Pinterest errors', { timeout: 300_000 }, () => {
  it('retries a 400 with code 12 with backoff until the pull goes through', async () => {
    const answers = await pullThrough({ kind: 'something_went_wrong' }, 2);
    assert.deepEqual(
      answers.map((e) => [e.status, (e.response as { code?: number }).code]),
      [[400, 12], [400, 12], [200, undefined]],
    );
    assert.deepEqual(answers[0]!.response, { code: 12, message: 'Something went wrong. Please try again later.' });
  });

  it('honours "Retry after 6 seconds" in a 400 without code 8: the next try waits at least 6 seconds', async () => {
    const answers = await pullThrough({ kind: 'retry_hint', status: 400, code: 1, hint: 'message', retry_after_seconds: 6 }, 1);
    assert.deepEqual(answers.map((e) => e.status), [400, 200]);
    assert.match((answers[0]!.response as { message: string }).message, /Retry after 6 seconds/);
    const waited = answers[1]!.answered_at! - answers[0]!.answered_at!;
    assert.ok(waited >= 6000, `the next try came ${waited} ms after the answer asking for 6 s`);
  });

  it('honours a Retry-After header on a 503: the next try waits at least that long', async () => {
    const answers = await pullThrough({ kind: 'retry_hint', status: 503, code: 503, hint: 'retry-after', retry_after_seconds: 4 }, 1);
    assert.deepEqual(answers.map((e) => e.status), [503, 200]);
    const waited = answers[1]!.answered_at! - answers[0]!.answered_at!;
    assert.ok(waited >= 4000, `the next try came ${waited} ms after the answer asking for 4 s`);
  });

  it('sends a conversion whose Conversions API post first met code 12', async () => {
    emulator().inject({ kind: 'something_went_wrong' }, { pathContains: `/ad_accounts/${ACCOUNT}/events`, times: 1 });
    const now = Date.now();
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 3_600_000).toISOString(), click_id: 'epik-code-12', pin_id: '987654321012345603' };
    assert.equal((await postJson(app(), '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = { event_id: 'order-code-12', event_name: 'checkout', event_time: new Date(now).toISOString(), ad_account_id: ACCOUNT, click_id: 'epik-code-12', value: '12.50', currency: 'USD', order_id: 'o-12', user: { email: 'planner@example.com' } };
    assert.equal((await postJson(app(), '/v1/conversions', { conversions: [conversion] })).status, 202);
    await waitFor('the conversion sent after the code 12', async () => capiEventsWithId(app(), 'order-code-12')[0], 120_000);
    const posts = emulator().exchanges.filter((e) => e.route === '/ad_accounts/{ad_account_id}/events');
    assert.deepEqual(posts.map((e) => e.status).slice(-2), [400, 200], 'refused once with code 12, then taken');
    const { conversions } = (await (await getWithToken(app(), '/v1/conversions/order-code-12')).json()) as { conversions: Array<{ conversions_api: { state: string } }> };
    assert.equal(conversions[0]!.conversions_api.state, 'sent');
  });

  it('every answer, faults included, conforms to openapi-v5.yaml', { skip: spec.skip }, () => {
    const checker = new OpenApiChecker(spec.path!);
    assert.deepEqual(emulator().exchanges.flatMap((exchange) => checker.check(exchange)), []);
  });
});
