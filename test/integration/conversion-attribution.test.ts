// Conversions on real parts (a Temporal dev server, a fresh PostgreSQL database, our worker and
// ingress, the Pinterest emulator): attributed to the clicked pin, sent to the Conversions API
// once, explained, held and expired, and recorded again after a crashed attempt.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { insertConversions } from '../../store/conversions-store';
import { insertTouchpoints } from '../../store/touchpoints-store';
import { sha256Hex } from '../../domain/user-data';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import type { ConversionExplanation } from '../../reports/conversion-explainer';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { capiEventsWithId } from '../support/capi-requests';
import { runCli } from '../support/cli';
import { waitFor } from '../support/wait';

const DAY_MS = 86_400_000;
const ACCOUNT = DEMO_AD_ACCOUNT_ID;
/** The one clock reading every event time in this file is set from, so lags do not depend on how long tests take. */
const NOW = Date.now();
const at = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();

let testApp: ConnectedTestApp;

before(async () => {
  // A 4-second hold lets an unmatched conversion expire within the test.
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' }, { schedule: { hold_seconds: 4 } });
});

after(() => testApp?.stop());

/** The stored conversion once its Conversions API outcome is known (the emulator records a request before it answers). */
const storedOutcome = (eventId: string) =>
  waitFor(`the Conversions API outcome of ${eventId} stored`, async () => {
    const row = await testApp.app.db.selectFrom('conversions').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    return row && row.capi_state !== 'posting' && row.capi_state !== 'unsent' && row.capi_state !== 'sending' ? row : undefined;
  });

/** Posts a click on pin ...603 (Spring Patio Refresh) and, `lagMs` later, a conversion carrying its click id; waits until it is sent. */
async function clickedAndConverted(eventId: string, clickId: string, lagMs: number, email: string): Promise<void> {
  const { app } = testApp;
  const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(60_000 + lagMs), click_id: clickId, pin_id: '987654321012345603' };
  assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
  const conversion = { event_id: eventId, event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, click_id: clickId, user: { email } };
  assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
  assert.equal((await storedOutcome(eventId)).capi_state, 'sent');
}

describe('conversions end to end', { timeout: 300_000 }, () => {
  it('attributes a conversion to the clicked pin and posts it to the Conversions API once', async () => {
    const { app } = testApp;
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(21 * DAY_MS), click_id: 'epik-21-days', pin_id: '987654321012345603' };
    const oldClick = { ...click, occurred_at: at(31 * DAY_MS), click_id: 'epik-31-days' };
    const touch = await postJson(app, '/v1/touchpoints', { touchpoints: [click, oldClick] });
    assert.equal(touch.status, 202);
    assert.equal(touch.body.accepted, 2);

    const conversion = {
      event_id: 'order-1001-checkout',
      event_name: 'checkout',
      event_time: at(60_000),
      ad_account_id: ACCOUNT,
      value: '84.50',
      currency: 'USD',
      order_id: 'order-1001',
      click_id: 'epik-21-days',
      user: { email: '  Ada.Lovelace@Example.COM ', phone: '+1 415 555 0100' },
    };
    const late = { ...conversion, event_id: 'order-1002-checkout', order_id: 'order-1002', click_id: 'epik-31-days' };
    const sent = await postJson(app, '/v1/conversions', { conversions: [conversion, late] });
    assert.equal(sent.status, 202);
    assert.deepEqual(sent.body, { accepted: 2, rejected: [], duplicates: [], warnings: [] });

    const capi = await waitFor('the Conversions API request', async () => capiEventsWithId(app, 'order-1001-checkout')[0]);
    assert.equal(capi.event_time, Math.floor((NOW - 60_000) / 1000));
    assert.equal(capi.event_name, 'checkout');
    assert.equal(capi.action_source, 'web');
    const user = capi.user_data as Record<string, unknown>;
    assert.deepEqual(user.em, [sha256Hex('ada.lovelace@example.com')]);
    assert.equal(user.click_id, 'epik-21-days');
    assert.deepEqual(capi.custom_data, { currency: 'USD', value: '84.50', order_id: 'order-1001' });

    const attribution = await app.db.selectFrom('attributions').selectAll().where('event_id', '=', 'order-1001-checkout').executeTakeFirstOrThrow();
    assert.equal(attribution.pin_id, '987654321012345603');
    assert.equal(attribution.ad_id, '687195905903', 'ad completed from the synced entities');
    assert.equal(attribution.ad_group_id, '2680060704712');
    assert.equal(attribution.campaign_id, '626736533501');
    assert.equal(attribution.touch_type, 'click');
    assert.equal(attribution.match_key, 'click_id');
    assert.equal(Number(attribution.lag_seconds), 21 * 86_400 - 60);

    const stored = await storedOutcome('order-1001-checkout');
    assert.equal(stored.capi_state, 'sent');
    assert.equal(stored.user_data.em, sha256Hex('ada.lovelace@example.com'));
    assert.ok(!JSON.stringify(stored).includes('Lovelace'), 'no raw email stored');

    // The 31-day-old click is outside the 30-day click window: nothing attributed, nothing sent.
    const lateRow = await app.db.selectFrom('conversions').selectAll().where('event_id', '=', 'order-1002-checkout').executeTakeFirstOrThrow();
    assert.notEqual(lateRow.attribution_state, 'matched');
    assert.equal(await app.db.selectFrom('attributions').select('event_id').where('event_id', '=', 'order-1002-checkout').executeTakeFirst(), undefined);
    assert.equal(capiEventsWithId(app, 'order-1002-checkout').length, 0);
  });

  it('explains a conversion over HTTP and from the CLI', async () => {
    const { app } = testApp;
    // 20.5 days: the CLI's one-decimal day count reads the same however it rounds.
    await clickedAndConverted('order-2001-checkout', 'epik-explained', 20.5 * DAY_MS, 'explained@example.com');
    const response = await getWithToken(app, '/v1/conversions/order-2001-checkout');
    assert.equal(response.status, 200);
    const [explained] = ((await response.json()) as { conversions: ConversionExplanation[] }).conversions;
    assert.equal(explained?.state, 'matched');
    assert.deepEqual(
      { ...explained?.attribution, touched_at: undefined },
      { campaign_id: '626736533501', ad_group_id: '2680060704712', ad_id: '687195905903', pin_id: '987654321012345603', touch_type: 'click', match_key: 'click_id', lag_seconds: 20.5 * 86_400, touched_at: undefined },
    );
    assert.equal(explained?.conversions_api.state, 'sent');
    assert.equal((await getWithToken(app, '/v1/conversions/nope')).status, 404);
    // A NUL in the path is refused by name before PostgreSQL sees it (it answered 500).
    const nul = await getWithToken(app, '/v1/conversions/a%00b');
    assert.deepEqual([nul.status, await nul.json()], [400, { error: 'invalid path', issues: [{ field: 'event_id', message: 'must not contain NUL characters' }] }]);
    const badAccount = await fetch(`${app.ingressUrl}/v1/ad_accounts/5%00/conversions-api`, {
      method: 'PUT', body: '{}', headers: { 'content-type': 'application/json', authorization: `Bearer ${app.ingressToken}` },
    });
    assert.deepEqual([badAccount.status, await badAccount.json()], [400, { error: 'invalid path', issues: [{ field: 'ad_account_id', message: 'must be 1 to 19 digits' }] }]);

    const stdout = await runCli(['conversion', 'order-2001-checkout', '--url', app.ingressUrl], app);
    assert.match(stdout, /credited to pin 987654321012345603 \(ad 687195905903, ad group 2680060704712, campaign 626736533501\)/);
    assert.match(stdout, /by a click at .*, matched on click_id, 20\.5 days before the conversion/);
    assert.match(stdout, /Conversions API {2}sent/);
  });

  it('a repeated event_id is answered as a duplicate, not counted and not sent again', async () => {
    const { app } = testApp;
    await clickedAndConverted('order-3001-checkout', 'epik-repeated', 2 * DAY_MS, 'ada.lovelace@example.com');
    // Counters come with the end of the record pump that took the records.
    const settled = () =>
      waitFor('the record pump to end', async () => {
        const s = await app.client.status(ACCOUNT);
        return s.records_waiting ? undefined : s;
      });
    const receivedBefore = (await settled()).counters.conversions_received;
    const again = { event_id: 'order-3001-checkout', event_name: 'checkout', event_time: at(30_000), ad_account_id: ACCOUNT, click_id: 'epik-repeated', user: { email: 'ada.lovelace@example.com' } };
    const marker = { ...again, event_id: 'order-3002-checkout', user: { email: 'grace@example.com' } };
    const repeat = await postJson(app, '/v1/conversions', { conversions: [again] });
    assert.equal(repeat.status, 202);
    assert.deepEqual(repeat.body.duplicates, [{ index: 0, event_id: 'order-3001-checkout', differing_fields: ['event_time'], message: 'event_id already received; this copy was ignored and these fields differ from the first: event_time' }]);
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [marker] })).status, 202);
    // The later conversion is sent once processed; by then the repeat was processed before it.
    await waitFor('the marker conversion to be sent', async () => capiEventsWithId(app, 'order-3002-checkout')[0]);
    assert.equal(capiEventsWithId(app, 'order-3001-checkout').length, 1);
    const status = await settled();
    assert.equal(status.counters.conversions_received, receivedBefore + 1, 'status counts distinct conversions: the repeat is not a new one');
  });

  it('status counts a conversion two racing requests both handed over once', async () => {
    const { app } = testApp;
    const settled = () =>
      waitFor('the record pump to end', async () => {
        const s = await app.client.status(ACCOUNT);
        return s.records_waiting ? undefined : s;
      });
    const receivedBefore = (await settled()).counters.conversions_received;
    const raced = { event_id: 'order-4001-checkout', event_name: 'checkout', event_time: at(20_000), ad_account_id: ACCOUNT, user: { email: 'race@example.com' } };
    // Either the second is answered as a duplicate at the ingress, or both copies reach the inbox
    // before either is stored (the race): the pump stores one, and status counts one.
    const answers = await Promise.all([postJson(app, '/v1/conversions', { conversions: [raced] }), postJson(app, '/v1/conversions', { conversions: [raced] })]);
    assert.deepEqual(answers.map((a) => a.status), [202, 202]);
    const stored = () => app.db.selectFrom('conversions').select('event_id').where('event_id', '=', 'order-4001-checkout').execute();
    await waitFor('the raced conversion to be stored', async () => ((await stored()).length === 1 ? true : undefined));
    const status = await settled();
    assert.equal(status.counters.conversions_received, receivedBefore + 1, 'one distinct conversion');
    assert.equal((await stored()).length, 1);
  });

  it('an unmatched conversion stays pending, then expires when its hold ends', async () => {
    const { app } = testApp;
    const lonely = { event_id: 'signup-without-click', event_name: 'signup', event_time: at(0), ad_account_id: ACCOUNT, user: { email: 'nobody@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [lonely] })).status, 202);
    const state = async () =>
      (await app.db.selectFrom('conversions').select('attribution_state').where('event_id', '=', 'signup-without-click').executeTakeFirst())?.attribution_state;
    assert.equal(await waitFor('the conversion to be stored', state), 'pending');
    assert.equal(await waitFor('the hold to end', async () => ((await state()) === 'expired' ? 'expired' : undefined)), 'expired');
  });

  it('a retried recordConversions still attributes what a crashed attempt had already inserted', async () => {
    const { app } = testApp;
    const activities = createActivities(app.activityDeps);
    await insertTouchpoints(app.db, [{ ad_account_id: ACCOUNT, type: 'click', occurred_at: at(3 * DAY_MS), click_id: 'epik-retry', ad_id: '687195905905', user_data: {} }]);
    const conversion = {
      event_id: 'retry-1', event_name: 'checkout' as const, event_time: at(0), ad_account_id: ACCOUNT,
      action_source: 'web' as const, click_id: 'epik-retry', user_data: {},
    };
    // The first attempt died right after its insert.
    await insertConversions(app.db, [conversion], 3600, new Date());
    const input = { ad_account_id: ACCOUNT, conversions: [conversion], settings: DEFAULT_ATTRIBUTION_SETTINGS, hold_seconds: 3600 };
    const retried = (await new MockActivityEnvironment().run(activities.recordConversions, input)) as Record<string, number>;
    const { pending_total: _all, ...counts } = retried;
    assert.deepEqual(counts, { inserted: 0, duplicates: 1, matched: 1, pending: 0 });
    const attribution = await app.db.selectFrom('attributions').selectAll().where('event_id', '=', 'retry-1').executeTakeFirstOrThrow();
    assert.equal(attribution.ad_id, '687195905905');
    assert.equal(attribution.pin_id, '987654321012345605');
  });

  it('a stored value too large for micro-currency is attributed without one, and blocks nothing', async () => {
    const { app } = testApp;
    // Accepted before the ingress capped values at 12 digits: 10^15 units is 10^21 micro, past a bigint.
    const activities = createActivities(app.activityDeps);
    const conversion = {
      event_id: 'huge-value-1', event_name: 'checkout' as const, event_time: at(0), ad_account_id: ACCOUNT,
      action_source: 'web' as const, click_id: 'epik-huge', value: '999999999999999.999999', currency: 'USD', user_data: {},
    };
    await insertConversions(app.db, [conversion], 3600, new Date());
    const touchpoints = [{ ad_account_id: ACCOUNT, type: 'click' as const, occurred_at: at(DAY_MS), click_id: 'epik-huge', ad_id: '687195905905', user_data: {} }];
    const result = (await new MockActivityEnvironment().run(activities.recordTouchpoints, { ad_account_id: ACCOUNT, touchpoints, settings: DEFAULT_ATTRIBUTION_SETTINGS })) as { matched: number };
    assert.equal(result.matched, 1);
    const attribution = await app.db.selectFrom('attributions').select(['ad_id', 'conversion_value_micro']).where('event_id', '=', 'huge-value-1').executeTakeFirstOrThrow();
    assert.deepEqual(attribution, { ad_id: '687195905905', conversion_value_micro: null });
  });
});
