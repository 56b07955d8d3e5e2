// Conversions you can trust, on real parts (dev server, PostgreSQL, worker, ingress, emulator):
// the matched click's match keys go to Pinterest beside an email, one order is counted and sent
// once whatever its event_ids, and a repeated event_id is answered as a duplicate naming what differs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { sha256Hex } from '../../domain/user-data';
import type { ConversionExplanation } from '../../reports/conversion-explainer';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { capiEventsWithId } from '../support/capi-requests';
import { runCli } from '../support/cli';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const NOW = Date.now();
const at = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();
const PIN = '987654321012345603';

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
});

after(() => testApp?.stop());

/** The stored conversion once it has left `unsent` / `sending` / `posting` (or is a duplicate). */
const settled = (eventId: string) =>
  waitFor(`${eventId} settled`, async () => {
    const row = await testApp.app.db.selectFrom('conversions').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    return row && !['unsent', 'sending', 'posting'].includes(row.capi_state) ? row : undefined;
  });

describe('conversions you can trust', { timeout: 300_000 }, () => {
  it('sends the matched click id, IP address and user agent beside an email the conversion matched on', async () => {
    const { app } = testApp;
    const user = { email: 'keys@example.com', ip: '198.51.100.7', user_agent: 'Mozilla/5.0 (click)' };
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(3_600_000), click_id: 'epik-keys-click', pin_id: PIN, user };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    // Matched by email only: the conversion carries no click id, IP address or user agent.
    const conversion = { event_id: 'trust-keys-1', event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, order_id: 'order-keys-1', user: { email: 'Keys@Example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    assert.equal((await settled('trust-keys-1')).capi_state, 'sent');
    const [event] = capiEventsWithId(app, 'trust-keys-1');
    assert.deepEqual(event!.user_data, {
      em: [sha256Hex('keys@example.com')],
      click_id: 'epik-keys-click',
      client_ip_address: '198.51.100.7',
      client_user_agent: 'Mozilla/5.0 (click)',
    });
    const explained = (await (await getWithToken(app, '/v1/conversions/trust-keys-1')).json()) as { conversions: ConversionExplanation[] };
    assert.equal(explained.conversions[0]!.attribution?.match_key, 'em');
  });

  it('keeps the conversion own click id and IP address over the matched click', async () => {
    const { app } = testApp;
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(3_600_000), click_id: 'epik-own-click', pin_id: PIN, user: { email: 'own@example.com', ip: '198.51.100.8', user_agent: 'UA click' } };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = { event_id: 'trust-own-1', event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, order_id: 'order-own-1', click_id: 'epik-from-routy', user: { email: 'own@example.com', ip: '203.0.113.9' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    assert.equal((await settled('trust-own-1')).capi_state, 'sent');
    const [event] = capiEventsWithId(app, 'trust-own-1');
    assert.deepEqual(event!.user_data, { em: [sha256Hex('own@example.com')], click_id: 'epik-from-routy', client_ip_address: '203.0.113.9', client_user_agent: 'UA click' });
  });

  it('counts and sends one order once when it comes back under a new event_id', async () => {
    const { app } = testApp;
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(7_200_000), click_id: 'epik-order-click', pin_id: PIN };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const checkout = { event_name: 'checkout', event_time: at(120_000), ad_account_id: ACCOUNT, value: '30.00', currency: 'USD', order_id: 'order-reloaded', click_id: 'epik-order-click', user: { email: 'order@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [{ ...checkout, event_id: 'thank-you-1' }] })).status, 202);
    assert.equal((await settled('thank-you-1')).capi_state, 'sent');
    // The thank-you page reloads: Routy fires the same order again under a new event_id.
    const again = await postJson(app, '/v1/conversions', { conversions: [{ ...checkout, event_id: 'thank-you-2', event_time: at(60_000) }] });
    assert.equal(again.status, 202);
    assert.equal(again.body.accepted, 1);
    const duplicate = await settled('thank-you-2');
    assert.equal(duplicate.attribution_state, 'duplicate');
    assert.equal(duplicate.duplicate_of, 'thank-you-1');
    assert.equal(duplicate.capi_state, 'duplicate');
    // Another event_name with the same order id is another conversion.
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [{ ...checkout, event_id: 'order-signup', event_name: 'signup' }] })).status, 202);
    assert.equal((await settled('order-signup')).attribution_state, 'matched');

    assert.equal(capiEventsWithId(app, 'thank-you-2').length, 0);
    const attributions = await app.db.selectFrom('attributions').select('event_id').where('event_id', 'in', ['thank-you-1', 'thank-you-2']).execute();
    assert.deepEqual(attributions.map((a) => a.event_id), ['thank-you-1']);
    // Whatever the account's time zone, today there is within a day of UTC's.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const report = await getWithToken(app, `/v1/reports/performance?level=pin&start_date=${day(-1)}&end_date=${day(1)}&window=30&ad_account_id=${ACCOUNT}`);
    const pinRows = (((await report.json()) as { rows: unknown[] }).rows as Array<{ pin_id: string; routy: { conversions: number; revenue: number } }>).filter((r) => r.pin_id === PIN);
    // Four conversions credited to the pin so far in this file (keys, own, thank-you-1, order-signup): the repeat adds none.
    assert.equal(pinRows.reduce((n, r) => n + r.routy.conversions, 0), 4);
    assert.equal(pinRows.reduce((n, r) => n + r.routy.revenue, 0), 60);

    const explained = (await (await getWithToken(app, '/v1/conversions/thank-you-2')).json()) as { conversions: ConversionExplanation[] };
    assert.equal(explained.conversions[0]!.state, 'duplicate');
    assert.equal(explained.conversions[0]!.duplicate_of, 'thank-you-1');
    assert.match(await runCli(['conversion', 'thank-you-2', '--url', app.ingressUrl], app), /duplicate of conversion thank-you-1/);
  });

  it('answers a repeated event_id as a duplicate naming the fields that differ, and changes nothing stored', async () => {
    const { app } = testApp;
    const first = { event_id: 'repeat-1', event_name: 'lead', event_time: at(60_000), ad_account_id: ACCOUNT, value: '30', currency: 'USD', order_id: 'lead-1', user: { email: 'repeat@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [first] })).status, 202);
    // No touchpoint: it stays pending; stored is enough.
    const stored = await waitFor('repeat-1 stored', () => app.db.selectFrom('conversions').selectAll().where('event_id', '=', 'repeat-1').executeTakeFirst());
    const answer = await postJson(app, '/v1/conversions', {
      conversions: [
        { ...first, value: '45', user: { email: ' REPEAT@example.com', phone: '+1 555 010 4477' } },
        { ...first, value: '30.000' },
        { ...first, event_id: 'repeat-2', order_id: 'lead-2' },
        { ...first, event_id: 'repeat-2', order_id: 'lead-2', currency: 'EUR' },
      ],
    });
    assert.equal(answer.status, 202);
    assert.equal(answer.body.accepted, 1);
    const duplicates = answer.body.duplicates as Array<{ index: number; event_id: string; differing_fields: string[]; message: string }>;
    assert.deepEqual(
      duplicates.map((d) => [d.index, d.event_id, d.differing_fields]),
      [
        [0, 'repeat-1', ['user.phone', 'value']],
        [1, 'repeat-1', []],
        [3, 'repeat-2', ['currency']],
      ],
    );
    assert.match(duplicates[0]!.message, /ignored.*user\.phone, value/);
    const after = await app.db.selectFrom('conversions').selectAll().where('event_id', '=', 'repeat-1').executeTakeFirstOrThrow();
    assert.equal(Number(after.value), 30);
    assert.deepEqual(after.user_data, stored.user_data);
    // A retry of a request already taken: nothing new, answered 202 with every record a duplicate.
    const retry = await postJson(app, '/v1/conversions', { conversions: [first] });
    assert.equal(retry.status, 202);
    assert.equal(retry.body.accepted, 0);
    assert.equal((retry.body.duplicates as unknown[]).length, 1);
  });

  it('explains a conversion whose event_id has the full 256 characters, non-ASCII ones included', async () => {
    const { app } = testApp;
    const eventId = `é-${'x'.repeat(254)}`;
    const answer = await postJson(app, '/v1/conversions', { conversions: [{ event_id: eventId, event_name: 'lead', event_time: at(60_000), ad_account_id: ACCOUNT, order_id: 'long-id', user: { email: 'long@example.com' } }] });
    assert.equal(answer.status, 202);
    await waitFor('the long event_id stored', () => app.db.selectFrom('conversions').select('event_id').where('event_id', '=', eventId).executeTakeFirst());
    const response = await getWithToken(app, `/v1/conversions/${encodeURIComponent(eventId)}`);
    assert.equal(response.status, 200);
    const explained = (await response.json()) as { conversions: ConversionExplanation[] };
    assert.equal(explained.conversions[0]!.event_id, eventId);
    assert.equal(explained.conversions[0]!.state, 'pending');
  });

  it('accepts a checkout without order_id with a warning, counted in a metric', async () => {
    const { app } = testApp;
    const answer = await postJson(app, '/v1/conversions', {
      conversions: [
        { event_id: 'no-order-1', event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, user: { email: 'no-order@example.com' } },
        { event_id: 'no-order-lead', event_name: 'lead', event_time: at(60_000), ad_account_id: ACCOUNT, user: { email: 'no-order@example.com' } },
      ],
    });
    assert.equal(answer.status, 202);
    assert.equal(answer.body.accepted, 2);
    const warnings = answer.body.warnings as Array<{ index: number; field: string; message: string }>;
    assert.deepEqual(warnings.map((w) => [w.index, w.field]), [[0, 'order_id']]);
    assert.match(warnings[0]!.message, /checkout without order_id/);
    await waitFor('every conversion of this file stored', async () => {
      const row = await app.db.selectFrom('conversions').select((eb) => eb.fn.countAll<string>().as('n')).where('ad_account_id', '=', ACCOUNT).where('event_id', 'in', ['repeat-2', 'no-order-1', 'no-order-lead']).executeTakeFirstOrThrow();
      return Number(row.n) === 3 ? true : undefined;
    });
    const metrics = await (await getWithToken(app, '/metrics')).text();
    assert.match(metrics, /routy_pinterest_conversion_warnings_total\{field="order_id",reason="checkout_without_order_id"\} 1\b/);
    assert.match(metrics, /routy_pinterest_conversions_order_duplicates_total 1\b/);
  });
});
