// Measurement Source of Truth events: an account opts in (`setMsotOptIn`), the OAuth start asks for
// `msot:write`, and each conversion the Conversions API takes is posted once more with Routy's
// attribution; without the scope it is refused by name, once; an unknown outcome is never posted again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../activities/index';
import type { SendTotals } from '../../activities/capi-activities';
import type { EmulatedPinterest } from '../../demo/emulated-pinterest';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { prepareConversions, prepareTouchpoints, type ConversionInput } from '../../domain/routy-records';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import type { RunningApp } from '../../service/app';
import { connectThroughOAuth } from '../../service/oauth-connect';
import type { ConversionExplanation } from '../../reports/conversion-explainer';
import { capiEventsWithId } from '../support/capi-requests';
import { runCli } from '../support/cli';
import { getWithToken, postJson } from '../support/ingress-requests';
import { runActivity } from '../support/matched-conversions';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const CAMPAIGN = '626736533506';
const AD_GROUP = '2680060704746';
let app: RunningApp<EmulatedPinterest>;
let testApp: TestApp;

const send = () => runActivity(createActivities(app.activityDeps).sendMatchedConversions, { ad_account_id: ACCOUNT }) as Promise<SendTotals>;
const msotPosted = (eventId: string) => app.pinterest.emulator.msotEvents.filter((e) => e.body.event_id === eventId);
const msotRequests = () => app.pinterest.emulator.received('/msot/events');
const rowOf = (eventId: string) => app.db.selectFrom('msot_events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
const attemptsOf = (eventId: string) => app.db.selectFrom('msot_attempts').selectAll().where('event_id', '=', eventId).orderBy('attempt').execute();

/**
 * Stores a `type` touchpoint on the test campaign and ad group `touch_age_ms` ago and conversions
 * matched to it (by email), not yet sent. @returns the touch time (Unix seconds) and each conversion's event time.
 */
async function matched(prefix: string, conversions: Array<Partial<ConversionInput> & { event_name: ConversionInput['event_name'] }>, type: 'click' | 'engagement' | 'view' = 'click') {
  const activities = createActivities(app.activityDeps);
  const touchedAt = new Date(Date.now() - 3_600_000);
  const touchpoints = prepareTouchpoints([
    { ad_account_id: ACCOUNT, type, occurred_at: touchedAt.toISOString(), campaign_id: CAMPAIGN, ad_group_id: AD_GROUP, ...(type === 'click' ? { click_id: `${prefix}-click` } : {}), user: { email: `${prefix}@example.com` } },
  ]).accepted.map((a) => a.record);
  await runActivity(activities.recordTouchpoints, { ad_account_id: ACCOUNT, touchpoints, settings: DEFAULT_ATTRIBUTION_SETTINGS });
  const eventTime = new Date(Date.now() - 60_000);
  const prepared = prepareConversions(conversions.map((c, i) => ({ event_id: `${prefix}-${i}`, event_time: eventTime.toISOString(), ad_account_id: ACCOUNT, user: { email: `${prefix}@example.com` }, ...c })));
  assert.deepEqual(prepared.rejected ?? [], []);
  const records = prepared.accepted.map((a) => a.record);
  const result = (await runActivity(activities.recordConversions, { ad_account_id: ACCOUNT, conversions: records, settings: DEFAULT_ATTRIBUTION_SETTINGS, hold_seconds: 3600 })) as { matched: number };
  assert.equal(result.matched, conversions.length);
  return { touched: Math.floor(touchedAt.getTime() / 1000), event: Math.floor(eventTime.getTime() / 1000), ids: records.map((r) => r.event_id) };
}

before(async () => {
  testApp = await startTestApp();
  app = testApp.app;
  await connectThroughOAuth(app);
});

after(() => testApp?.stop());

describe('Measurement Source of Truth events', { timeout: 180_000 }, () => {
  it('an account that did not opt in posts nothing to MSOT', async () => {
    const { ids } = await matched('msot-out', [{ event_name: 'lead' }]);
    assert.equal((await send()).sent, 1);
    assert.equal(capiEventsWithId(app, ids[0]!).length, 1);
    assert.deepEqual([msotRequests(), await rowOf(ids[0]!)], [0, undefined]);
    const response = await getWithToken(app, `/v1/conversions/${ids[0]}`);
    const [explained] = ((await response.json()) as { conversions: ConversionExplanation[] }).conversions;
    assert.equal(explained?.msot, undefined, 'no MSOT outcome to show');
  });

  it('opting in is validated; without scope msot:write every post is refused by name, once, and never tried again', async () => {
    await assert.rejects(app.client.setMsotOptIn(ACCOUNT, { opt_in: 'yes' as unknown as boolean }), /opt_in: .*boolean/);
    const opted = await app.client.setMsotOptIn(ACCOUNT, { opt_in: true });
    assert.equal(opted.scope_granted, false, 'the demo connection was made without msot:write');
    assert.ok(opted.opted_in_at);
    const { ids } = await matched('msot-noscope', [{ event_name: 'lead' }, { event_name: 'signup' }]);
    assert.equal((await send()).sent, 2, 'the Conversions API posts go on');
    assert.equal(msotRequests(), 1, 'one request learns the scope is missing; the rest of the batch is refused without one');
    for (const id of ids) {
      const row = await rowOf(id);
      assert.equal(row?.state, 'refused');
      assert.match(row?.reason ?? '', /lacks scope msot:write/);
    }
    const [attempt] = await attemptsOf(ids[0]!);
    assert.deepEqual([attempt?.attempt, attempt?.http_status, attempt?.outcome], [1, 401, 'refused']);
    await send();
    await send();
    assert.equal(msotRequests(), 1, 'a refused event is never posted again');
    assert.equal((await attemptsOf(ids[0]!)).length, 1);
    const stdout = await runCli(['conversion', ids[0]!, '--url', app.ingressUrl], app);
    assert.match(stdout, /MSOT event {2}refused: the grant lacks scope msot:write/);
    assert.match(stdout, /#1 \S+: HTTP 401 refused: the grant lacks scope msot:write/);
  });

  it('reconnected (the OAuth start asks for msot:write), each sent conversion is posted once with Routy attribution', async () => {
    await connectThroughOAuth(app);
    assert.equal((await app.client.setMsotOptIn(ACCOUNT, { opt_in: true })).scope_granted, true, 'the opted-in account was asked for msot:write');
    const before = msotRequests();
    const click = await matched('msot-click', [{ event_name: 'lead' }, { event_name: 'checkout', value: 19.99, currency: 'USD' }, { event_name: 'page_visit' }]);
    const view = await matched('msot-view', [{ event_name: 'signup' }], 'view');
    await send();
    assert.deepEqual(msotPosted(click.ids[0]!).map((e) => e.body), [
      { event_id: click.ids[0], event_name: 'lead', event_timestamp: click.event, attribution_model: 'last_touch', attribution_scope: 'click', attribution_score: 1, campaign_id: CAMPAIGN, ad_group_id: AD_GROUP, action_timestamps: [click.touched], total_events: 1 },
    ]);
    assert.deepEqual(msotPosted(click.ids[1]!).map((e) => [e.body.value, e.body.currency]), [[19.99, 'USD']]);
    assert.deepEqual(msotPosted(view.ids[0]!).map((e) => e.body.attribution_scope), ['view'], 'the scope is the winning touchpoint type');
    assert.equal(msotPosted(click.ids[2]!).length, 0);
    assert.match((await rowOf(click.ids[2]!))?.reason ?? '', /event_name: "page_visit" is not one MSOT takes/);
    assert.equal(msotRequests() - before, 3, 'one request per postable conversion');
    assert.deepEqual((await attemptsOf(click.ids[0]!)).map((a) => [a.attempt, a.http_status, a.outcome]), [[1, 200, 'posted']]);
    const response = await getWithToken(app, `/v1/conversions/${click.ids[0]}`);
    const [explained] = ((await response.json()) as { conversions: ConversionExplanation[] }).conversions;
    assert.deepEqual([explained?.msot?.state, explained?.msot?.event?.attribution_scope, explained?.msot?.attempts.map((a) => [a.attempt, a.http_status, a.outcome])], ['posted', 'click', [[1, 200, 'posted']]]);
    await send();
    assert.equal(msotRequests() - before, 3, 'nothing is posted twice');
  });

  it("through the ingress and the workflow's record pump, a conversion is posted to MSOT once it is sent", async () => {
    const touched = new Date(Date.now() - 7_200_000);
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: touched.toISOString(), click_id: 'msot-pump-click', campaign_id: CAMPAIGN, ad_group_id: AD_GROUP };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = { event_id: 'msot-pump-0', event_name: 'signup', event_time: new Date(Date.now() - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'msot-pump-click', user: { email: 'msot-pump@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    const [posted] = await waitFor('the MSOT event', async () => (msotPosted('msot-pump-0').length > 0 ? msotPosted('msot-pump-0') : undefined));
    assert.deepEqual([posted?.body.event_name, posted?.body.attribution_scope, posted?.body.ad_group_id, posted?.body.action_timestamps], ['signup', 'click', AD_GROUP, [Math.floor(touched.getTime() / 1000)]]);
    assert.equal(capiEventsWithId(app, 'msot-pump-0').length, 1);
  });

  it('a Conversions API repost after an unknown outcome posts its MSOT event once; an MSOT post with no answer is never posted again; a 429 is', async () => {
    const { ids } = await matched('msot-repost', [{ event_name: 'lead' }]);
    app.pinterest.emulator.inject({ kind: 'reset' }, { pathContains: `/ad_accounts/${ACCOUNT}/events` });
    await assert.rejects(send());
    assert.equal(msotPosted(ids[0]!).length, 0, 'not sent: no MSOT event');
    await send();
    const capiAttempts = await app.db.selectFrom('capi_attempts').select(['attempt', 'repost']).where('event_id', '=', ids[0]!).orderBy('attempt').execute();
    assert.deepEqual(capiAttempts.map((a) => [a.attempt, a.repost]), [[1, false], [2, true]], 'the Conversions API event was posted again');
    assert.equal(msotPosted(ids[0]!).length, 1, 'its MSOT event once');

    const lost = await matched('msot-lost', [{ event_name: 'lead' }]);
    app.pinterest.emulator.inject({ kind: 'reset' }, { pathContains: '/msot/events' });
    const before = msotRequests();
    await send();
    assert.equal((await rowOf(lost.ids[0]!))?.state, 'unconfirmed');
    await send();
    assert.equal(msotRequests() - before, 1, 'posted once, never again');

    const limited = await matched('msot-limited', [{ event_name: 'lead' }]);
    app.pinterest.emulator.inject({ kind: 'rate_limit', hint: 'header', retry_after_seconds: 1 }, { pathContains: '/msot/events' });
    await send();
    assert.equal((await rowOf(limited.ids[0]!))?.state, 'pending');
    await send();
    assert.equal((await rowOf(limited.ids[0]!))?.state, 'pending', "not before Pinterest's wait and the backoff (2 s)");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await send();
    assert.equal((await rowOf(limited.ids[0]!))?.state, 'posted');
    assert.deepEqual((await attemptsOf(limited.ids[0]!)).map((a) => [a.attempt, a.outcome]), [[1, 'retry'], [2, 'posted']]);
    assert.equal(msotPosted(limited.ids[0]!).length, 1);
  });
});
