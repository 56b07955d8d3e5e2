// The inputs Routy really sends, on real parts (a Temporal dev server, a fresh PostgreSQL
// database, our worker and ingress, the Pinterest emulator): a click without a click id matched
// by email (written in another Unicode form), a click-id match winning over it, percent-encoded
// click ids, the page URL's epik, and digit-string seconds, numeric ids and a partner id sent on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../domain/user-data';
import { insertTouchpoints } from '../../store/touchpoints-store';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { postJson } from '../support/ingress-requests';
import { capiEventsWithId } from '../support/capi-requests';
import { waitFor } from '../support/wait';

const DAY_MS = 86_400_000;
const ACCOUNT = DEMO_AD_ACCOUNT_ID;
/** The one clock reading every event time in this file is set from. */
const NOW = Date.now();
const at = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();
/** Pins of the emulator's seed, each under its own ad. */
const PIN_603 = '987654321012345603';
const PIN_605 = '987654321012345605';

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
});

after(() => testApp?.stop());

/** The attribution row of `eventId` once the pump has written it. */
const attributionOf = (eventId: string) =>
  waitFor(`the attribution of ${eventId}`, () => testApp.app.db.selectFrom('attributions').selectAll().where('event_id', '=', eventId).executeTakeFirst());

/** Posts records and checks every one was accepted. */
async function post(path: '/v1/touchpoints' | '/v1/conversions', records: object[]): Promise<void> {
  const key = path === '/v1/touchpoints' ? 'touchpoints' : 'conversions';
  const answer = await postJson(testApp.app, path, { [key]: records });
  assert.deepEqual([answer.status, answer.body.accepted, answer.body.rejected], [202, records.length, []]);
}

describe('inputs Routy sends, end to end', { timeout: 300_000 }, () => {
  it('matches a click without a click id by email, written composed on one side and decomposed on the other', async () => {
    const email = 'Zoë.Noclick@example.com';
    await post('/v1/touchpoints', [{ ad_account_id: ACCOUNT, type: 'click', occurred_at: at(2 * DAY_MS), pin_id: PIN_603, user: { email: email.normalize('NFC') } }]);
    await post('/v1/conversions', [
      { event_id: 'no-click-id-1', event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, user: { email: email.normalize('NFD') } },
    ]);
    const attribution = await attributionOf('no-click-id-1');
    assert.equal(attribution.match_key, 'em');
    assert.equal(attribution.touch_type, 'click');
    assert.equal(attribution.pin_id, PIN_603);
    const click = await testApp.app.db
      .selectFrom('touchpoints')
      .select(['click_id', 'user_data'])
      .where('touchpoint_id', '=', attribution.touchpoint_id)
      .executeTakeFirstOrThrow();
    assert.equal(click.click_id, null);
    assert.equal(click.user_data.em, sha256Hex('zoë.noclick@example.com'.normalize('NFC')));
  });

  it('stores two people clicking the same pin in the same second without click ids as two clicks, and a repeat once', async () => {
    const click = (email: string) => ({ ad_account_id: ACCOUNT, type: 'click' as const, occurred_at: at(3 * DAY_MS), pin_id: PIN_603, user_data: { em: sha256Hex(email) } });
    assert.equal(await insertTouchpoints(testApp.app.db, [click('one@example.com'), click('two@example.com')]), 2);
    assert.equal(await insertTouchpoints(testApp.app.db, [click('one@example.com')]), 0, 'the same click again');
  });

  it('prefers the click sharing the conversion’s click id, sent percent-encoded, over a later click matching by email', async () => {
    const email = 'both.clicks@example.com';
    // The email-only click is the later one: only the click-id rule makes the other win.
    await post('/v1/touchpoints', [
      { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(DAY_MS), pin_id: PIN_603, user: { email } },
      { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(5 * DAY_MS), click_id: 'dj0yJnU9Ym90aA==', pin_id: PIN_605 },
    ]);
    await post('/v1/conversions', [
      { event_id: 'click-id-wins-1', event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, click_id: 'dj0yJnU9Ym90aA%3D%3D', user: { email } },
    ]);
    const attribution = await attributionOf('click-id-wins-1');
    assert.equal(attribution.match_key, 'click_id');
    assert.equal(attribution.touch_type, 'click');
    assert.equal(attribution.pin_id, PIN_605);
    const capi = await waitFor('the Conversions API event', async () => capiEventsWithId(testApp.app, 'click-id-wins-1')[0]);
    assert.equal((capi.user_data as Record<string, unknown>).click_id, 'dj0yJnU9Ym90aA==', 'sent decoded');
  });

  it("takes the page URL's epik as the click id, and sends digit-string seconds, numeric ids and the partner id on", async () => {
    const seconds = Math.floor((NOW - 60_000) / 1000);
    await post('/v1/touchpoints', [
      { ad_account_id: ACCOUNT, type: 'click', occurred_at: String(seconds - 3 * 86_400), click_id: 'dj0yJnU9dXJs%3D', pin_id: PIN_605 },
    ]);
    await post('/v1/conversions', [
      {
        event_id: 'epik-in-url-1',
        event_name: 'checkout',
        event_time: String(seconds),
        ad_account_id: ACCOUNT,
        value: '19.90',
        currency: 'USD',
        order_id: 700123,
        content_ids: [4401, 'sku-2'],
        contents: [{ id: 4401, item_price: '9.95', quantity: 2 }],
        event_source_url: 'https://shop.example.com/checkout/done?utm_source=pinterest&epik=dj0yJnU9dXJs%3D&email=someone%40example.com',
        user: { email: 'url.epik@example.com', partner_id: ' ramp-XY-123 ' },
      },
    ]);
    const attribution = await attributionOf('epik-in-url-1');
    assert.equal(attribution.match_key, 'click_id');
    assert.equal(attribution.pin_id, PIN_605);
    assert.equal(Number(attribution.lag_seconds), 3 * 86_400);

    const stored = await testApp.app.db.selectFrom('conversions').selectAll().where('event_id', '=', 'epik-in-url-1').executeTakeFirstOrThrow();
    assert.equal(stored.click_id, 'dj0yJnU9dXJs=');
    assert.equal(stored.event_source_url, 'https://shop.example.com/checkout/done');
    assert.equal(stored.order_id, '700123');
    assert.equal(stored.event_time.getTime(), seconds * 1000);

    const capi = await waitFor('the Conversions API event', async () => capiEventsWithId(testApp.app, 'epik-in-url-1')[0]);
    assert.equal(capi.event_time, seconds);
    assert.equal(capi.event_source_url, 'https://shop.example.com/checkout/done');
    assert.deepEqual(capi.user_data, { em: [sha256Hex('url.epik@example.com')], click_id: 'dj0yJnU9dXJs=', partner_id: 'ramp-XY-123' });
    assert.deepEqual(capi.custom_data, {
      currency: 'USD',
      value: '19.90',
      order_id: '700123',
      content_ids: ['4401', 'sku-2'],
      contents: [{ id: '4401', item_price: '9.95', quantity: 2 }],
    });
  });
});
