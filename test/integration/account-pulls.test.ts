// One ad account's pulls on real parts (a Temporal dev server, a fresh PostgreSQL database, our
// worker and ingress, the Pinterest emulator): the first pull after OAuth, a repeated pull, and
// Routy's records going through while a pull waits on Pinterest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { adAccountWorkflowId, AD_ACCOUNT_ID, LAST_SUCCESSFUL_PULL } from '../../workflows/shared';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { postJson } from '../support/ingress-requests';
import { capiEventsWithId } from '../support/capi-requests';
import { waitFor } from '../support/wait';

const DAY_MS = 86_400_000;
const ACCOUNT = DEMO_AD_ACCOUNT_ID;

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
});

after(() => testApp?.stop());

// A bound so a hang fails the run instead of stalling CI.
describe('one ad account pulls', { timeout: 300_000 }, () => {
  it('connects through OAuth and pulls entities and daily metrics', async () => {
    const { app } = testApp;
    assert.deepEqual(testApp.connected, [ACCOUNT]);
    const status = await app.client.status(ACCOUNT);
    assert.equal(status.connection_status, 'connected');

    const ads = await app.db.selectFrom('ads').selectAll().where('ad_account_id', '=', ACCOUNT).execute();
    assert.equal(ads.length, 12, 'every seeded ad, archived ones included');
    assert.ok(ads.some((a) => a.status === 'ARCHIVED'));
    assert.deepEqual(new Set(ads.map((a) => a.creative_type)), new Set(['REGULAR', 'VIDEO', 'IDEA', 'SHOPPING', 'CAROUSEL']));
    const pinned = ads.find((a) => a.ad_id === '687195905901')!;
    assert.equal(pinned.pin_id, '987654321012345601', '18-digit pin id kept exactly');

    const rows = await app.db.selectFrom('metrics_daily').selectAll().where('ad_account_id', '=', ACCOUNT).execute();
    assert.equal(rows.length, status.counters.metric_rows_upserted);
    const row = rows.find((r) => r.entity_id === '687195905901' && r.is_partial === false)!;
    assert.equal(row.currency, 'USD');
    assert.equal(row.click_window_days, 30);
    assert.equal(row.view_window_days, 1);
    assert.equal(row.spend_micro, String(row.columns.SPEND_IN_MICRO_DOLLAR));
    assert.equal(Number(row.saves), Number(row.columns.REPIN_1) + Number(row.columns.REPIN_2));
    assert.equal(Number(row.outbound_clicks), Number(row.columns.OUTBOUND_CLICK_1) + Number(row.columns.OUTBOUND_CLICK_2));
    assert.ok(Number(row.spend_micro) > 0 && Number(row.impressions) > 0 && Number(row.pin_clicks) > 0);

    const description = await app.temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT)).describe();
    assert.equal(description.typedSearchAttributes.get(AD_ACCOUNT_ID), ACCOUNT);
    assert.ok(description.typedSearchAttributes.get(LAST_SUCCESSFUL_PULL) instanceof Date);
  });

  it('a repeated pull of the same days upserts, never double-counts', async () => {
    const { app } = testApp;
    const totals = () =>
      app.db
        .selectFrom('metrics_daily')
        .select((eb) => [eb.fn.countAll<string>().as('rows'), eb.fn.sum<string>('spend_micro').as('spend')])
        .executeTakeFirstOrThrow();
    const first = await totals();
    const activities = createActivities(app.activityDeps);
    const input = { ad_account_id: ACCOUNT, min_days: 30, backfill_days: 90, settings: DEFAULT_ATTRIBUTION_SETTINGS };
    const pulled = (await new MockActivityEnvironment().run(activities.pullMetrics, input)) as { rows: number; start_date: string };
    assert.ok(pulled.rows > 200, `re-read ${pulled.rows} rows`);
    await new MockActivityEnvironment().run(activities.pullMetrics, input);
    assert.deepEqual(await totals(), first);
  });

  it('records, attributes and sends conversions while a pull waits on Pinterest', async () => {
    const { app } = testApp;
    const emulator = app.pinterest.emulator;
    const held = `/ad_accounts/${ACCOUNT}/campaigns/analytics`;
    emulator.inject({ kind: 'slow', delay_ms: 20_000 }, { pathContains: held, times: 1 });
    const pullsBefore = (await app.client.status(ACCOUNT)).counters.pulls;
    const heldBefore = emulator.received(held);
    await app.client.pullNow(ACCOUNT);
    await waitFor('the held analytics request', async () => (emulator.received(held) > heldBefore ? true : undefined));
    const now = Date.now();
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - DAY_MS).toISOString(), click_id: 'epik-during-pull', pin_id: '987654321012345603' };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = { event_id: 'order-during-pull', event_name: 'checkout', event_time: new Date(now).toISOString(), ad_account_id: ACCOUNT, click_id: 'epik-during-pull', user: { email: 'planner@example.com' } };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    const sent = await waitFor('the Conversions API request', async () => capiEventsWithId(app, 'order-during-pull')[0]);
    assert.equal((sent.user_data as Record<string, unknown>).click_id, 'epik-during-pull');
    assert.equal(emulator.inFlight(held), 1, 'the pull was still waiting on Pinterest');
    assert.equal((await app.client.status(ACCOUNT)).counters.pulls, pullsBefore);
    await waitFor('the held pull to finish', async () => ((await app.client.status(ACCOUNT)).counters.pulls > pullsBefore ? true : undefined));
  });
});
