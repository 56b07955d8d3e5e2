// The on-demand ad sync on real parts (a Temporal dev server, a fresh PostgreSQL database, our
// worker and ingress, the Pinterest emulator): a conversion credited to an ad the first sync never
// saw makes the workflow sync that ad by id at once, with its ad group, campaign and pin, so the
// attribution gets its placement and the campaign report shows it; an ad Pinterest does not know
// is asked for once, not at every credit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import type { RecordedExchange } from '../../emulator/pinterest-emulator';
import type { ReportRow } from '../../reports/performance-report';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken, postJson } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const NOW = Date.now();
const at = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();
const day = (msBeforeNow: number) => at(msBeforeNow).slice(0, 10);

/** Created in Pinterest after the first sync: a campaign, its ad group and one ad. */
const LATE = {
  campaign: { id: '626736533577', ad_account_id: ACCOUNT, name: 'Autumn Wreaths', status: 'ACTIVE' as const, objective_type: 'WEB_CONVERSION' },
  adGroup: { id: '2680060704777', campaign_id: '626736533577', ad_account_id: ACCOUNT, name: 'Door decor', status: 'ACTIVE' },
  ad: {
    id: '687195905977', ad_group_id: '2680060704777', campaign_id: '626736533577', ad_account_id: ACCOUNT, pin_id: '987654321012345677',
    creative_type: 'REGULAR' as const, name: 'Door decor: Eucalyptus wreath', status: 'ACTIVE', pin_title: 'Eucalyptus wreath in ten minutes',
  },
};
/** An ad id Pinterest never lists (deleted, or a typo in a landing URL). */
const GHOST_AD = '687195905966';

let testApp: ConnectedTestApp;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'test-ingress-token' });
});

after(() => testApp?.stop());

/** The list requests the emulator answered on `route` (e.g. `/ad_accounts/{ad_account_id}/ads`) whose `key` filter held `id`. */
function filteredRequests(route: string, key: string, id: string): RecordedExchange[] {
  return testApp.app.pinterest.emulator.exchanges.filter((e) => e.route === route && ([e.query[key]].flat() as string[]).flatMap((v) => String(v).split(',')).includes(id));
}

/** A click on `adId` (the landing URL carried only the ad id), then a conversion with its click id. */
async function clickedAndConverted(eventId: string, adId: string, extra: Array<{ event_id: string; click_id: string }> = []): Promise<void> {
  const { app } = testApp;
  const clickId = `epik-${eventId}`;
  const clicks = [{ ad_account_id: ACCOUNT, type: 'click', occurred_at: at(3_600_000), click_id: clickId, ad_id: adId }];
  assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: clicks })).status, 202);
  const conversion = (event_id: string, click_id: string) => ({ event_id, event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, click_id, value: '42.00', currency: 'USD', user: { email: `${event_id}@example.com` } });
  const conversions = [conversion(eventId, clickId), ...extra.map((e) => conversion(e.event_id, e.click_id))];
  assert.equal((await postJson(app, '/v1/conversions', { conversions })).status, 202);
}

const attribution = (eventId: string) => testApp.app.db.selectFrom('attributions').selectAll().where('event_id', '=', eventId).executeTakeFirst();

describe('the on-demand ad sync', { timeout: 300_000 }, () => {
  it('syncs an ad credited before any sync saw it by ad_ids, fills the attribution and reports it under its campaign', async () => {
    const { app } = testApp;
    const { emulator } = app.pinterest;
    assert.equal(await app.db.selectFrom('ads').select('ad_id').where('ad_id', '=', LATE.ad.id).executeTakeFirst(), undefined, 'the first sync did not see it');
    emulator.addEntities({ campaigns: [LATE.campaign], adGroups: [LATE.adGroup], ads: [LATE.ad] });

    await clickedAndConverted('wreath-1001', LATE.ad.id);
    const filled = await waitFor('the attribution to get its campaign', async () => {
      const row = await attribution('wreath-1001');
      return row?.campaign_id ? row : undefined;
    });
    assert.deepEqual(
      { campaign_id: filled.campaign_id, ad_group_id: filled.ad_group_id, ad_id: filled.ad_id, pin_id: filled.pin_id },
      { campaign_id: LATE.campaign.id, ad_group_id: LATE.adGroup.id, ad_id: LATE.ad.id, pin_id: LATE.ad.pin_id },
    );
    // Synced by id, not by the hourly full sync (its interval is an hour).
    assert.equal(filteredRequests('/ad_accounts/{ad_account_id}/ads', 'ad_ids', LATE.ad.id).length, 1);
    assert.equal(filteredRequests('/ad_accounts/{ad_account_id}/ad_groups', 'ad_group_ids', LATE.adGroup.id).length, 1);
    assert.equal(filteredRequests('/ad_accounts/{ad_account_id}/campaigns', 'campaign_ids', LATE.campaign.id).length, 1);
    assert.equal(emulator.requestCounts.get('GET /ad_accounts/{ad_account_id}/ads'), 2, 'the first full sync and the one by id');
    const pin = await app.db.selectFrom('pins').select(['title']).where('pin_id', '=', LATE.ad.pin_id).executeTakeFirstOrThrow();
    assert.equal(pin.title, LATE.ad.pin_title);

    const query = `level=campaign&window=30&start_date=${day(30 * 86_400_000)}&end_date=${day(0)}`;
    const response = await getWithToken(app, `/v1/reports/performance?${query}`);
    assert.equal(response.status, 200);
    const rows = ((await response.json()) as { rows: ReportRow[] }).rows;
    const wreaths = rows.find((r) => r.id === LATE.campaign.id);
    assert.deepEqual([wreaths?.name, wreaths?.routy.conversions, wreaths?.routy.revenue], ['Autumn Wreaths', 1, 42]);
    assert.equal(rows.filter((r) => r.id === '').length, 0, 'no conversion left without a campaign');
    assert.equal((await app.client.status(ACCOUNT)).last_error, undefined);
  });

  it('a click that carried only a pin no synced ad promotes lists the ads of the account and fills the ad too', async () => {
    const { app } = testApp;
    const { emulator } = app.pinterest;
    const pinned = { ...LATE.ad, id: '687195905988', pin_id: '987654321012345688', name: 'Door decor: Pine cone garland' };
    emulator.addEntities({ ads: [pinned] });
    const fullListings = emulator.requestCounts.get('GET /ad_accounts/{ad_account_id}/ads') ?? 0;
    const click = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(3_600_000), click_id: 'epik-garland', pin_id: pinned.pin_id };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [click] })).status, 202);
    const conversion = {
      event_id: 'garland-3001', event_name: 'checkout', event_time: at(60_000), ad_account_id: ACCOUNT, click_id: 'epik-garland', user: { email: 'garland@example.com' },
      contents: [{ id: 'GARLAND-1', item_price: '24.00', quantity: 2 }],
    };
    assert.equal((await postJson(app, '/v1/conversions', { conversions: [conversion] })).status, 202);
    const filled = await waitFor('the attribution to get its ad', async () => {
      const row = await attribution('garland-3001');
      return row?.ad_id ? row : undefined;
    });
    assert.deepEqual([filled.ad_id, filled.ad_group_id, filled.campaign_id, filled.pin_id], [pinned.id, LATE.adGroup.id, LATE.campaign.id, pinned.pin_id]);
    // The conversion's product carries the same ad and pin (attribution_products copies them), filled in the same statement.
    const product = await app.db.selectFrom('attribution_products').select(['sku', 'ad_id', 'pin_id', 'lag_seconds']).where('event_id', '=', 'garland-3001').execute();
    assert.deepEqual(product, [{ sku: 'GARLAND-1', ad_id: pinned.id, pin_id: pinned.pin_id, lag_seconds: String(filled.lag_seconds) }]);
    assert.equal(emulator.requestCounts.get('GET /ad_accounts/{ad_account_id}/ads'), fullListings + 1, 'one listing of the ads of the account');
  });

  it('waits while the account is paused, and syncs once it is resumed', async () => {
    const { app } = testApp;
    const { emulator } = app.pinterest;
    const paused = { ...LATE.ad, id: '687195905955', pin_id: '987654321012345655', name: 'Door decor: Birch wreath' };
    emulator.addEntities({ ads: [paused] });
    await app.client.pause(ACCOUNT, 'budget review');
    await clickedAndConverted('birch-4001', paused.id);
    // Paused: the pump stores and attributes; its end queues the ad, and no sync may start.
    await waitFor('the pump to end', async () => {
      const status = await app.client.status(ACCOUNT);
      return !status.records_waiting && (await attribution('birch-4001')) ? true : undefined;
    });
    assert.equal(filteredRequests('/ad_accounts/{ad_account_id}/ads', 'ad_ids', paused.id).length, 0);
    assert.equal((await attribution('birch-4001'))?.campaign_id, null);
    await app.client.resume(ACCOUNT);
    await waitFor('the attribution to get its campaign', async () => ((await attribution('birch-4001'))?.campaign_id === LATE.campaign.id ? true : undefined));
    assert.equal(filteredRequests('/ad_accounts/{ad_account_id}/ads', 'ad_ids', paused.id).length, 1);
  });

  it('asks for an ad Pinterest does not list once, not at every conversion credited to it', async () => {
    const { app } = testApp;
    await clickedAndConverted('ghost-2001', GHOST_AD);
    await waitFor('the ghost ad to be asked for', async () => (filteredRequests('/ad_accounts/{ad_account_id}/ads', 'ad_ids', GHOST_AD).length > 0 ? true : undefined));
    // A second credit to the ghost ad, in the same request as one to another ad no sync saw: both
    // are queued from one pump's result, so the sync that takes the second would take the ghost too.
    const other = { ...LATE.ad, id: '687195905978', pin_id: '987654321012345678', name: 'Door decor: Dried lavender' };
    app.pinterest.emulator.addEntities({ ads: [other] });
    const otherClick = { ad_account_id: ACCOUNT, type: 'click', occurred_at: at(3_600_000), click_id: 'epik-lavender', ad_id: other.id };
    assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints: [otherClick] })).status, 202);
    await clickedAndConverted('ghost-2002', GHOST_AD, [{ event_id: 'lavender-2003', click_id: 'epik-lavender' }]);
    await waitFor('the other ad to be synced and its attribution filled', async () => ((await attribution('lavender-2003'))?.campaign_id ? true : undefined));
    const other_requests = filteredRequests('/ad_accounts/{ad_account_id}/ads', 'ad_ids', other.id);
    assert.equal(other_requests.length, 1);
    assert.deepEqual([other_requests[0]!.query.ad_ids].flat(), [other.id], 'the ghost ad was not queued again');
    assert.equal(filteredRequests('/ad_accounts/{ad_account_id}/ads', 'ad_ids', GHOST_AD).length, 1);
    const ghost = await attribution('ghost-2002');
    assert.deepEqual([ghost?.ad_id, ghost?.campaign_id], [GHOST_AD, null], 'credited to the ad, its campaign unknown');
  });
});
