// Our Pinterest client's requests and the emulator's answers, checked against Pinterest's
// OpenAPI description; our parsers, checked on responses other projects recorded from Pinterest.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getAnalytics, METRIC_COLUMNS } from '../../pinterest/analytics';
import { sendConversionEvents } from '../../pinterest/conversions';
import { sendMsotEvent } from '../../pinterest/msot';
import { toMsotEvent } from '../../domain/msot-event';
import {
  adAccountSchema,
  adGroupSchema,
  adSchema,
  campaignSchema,
  getPin,
  listAdAccounts,
  listAdGroups,
  listAdGroupsByIds,
  listAds,
  listAdsByIds,
  listCampaigns,
  listCampaignsByIds,
} from '../../pinterest/entities';
import { PinterestApiError, PinterestHttp } from '../../pinterest/http';
import { exchangeAuthorizationCode, refreshAccessToken } from '../../pinterest/oauth';
import { getUserAccount } from '../../pinterest/user-account';
import { getProductGroupAnalytics, listPromotedProductGroups, PRODUCT_GROUP_COLUMNS } from '../../pinterest/product-groups';
import { createSkuReport, downloadSkuReport, getSkuReport } from '../../pinterest/sku-reports';
import { productGroups } from '../../emulator/product-seed';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { EMULATOR_APP, PinterestEmulator } from '../../emulator/pinterest-emulator';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { OpenApiChecker } from '../support/openapi';
import { sharedFile } from '../support/shared-files';
import { z } from 'zod';

const spec = sharedFile('pinterest/openapi-v5.yaml');
const columns = sharedFile('pinterest/analytics-columns.txt');
const asyncColumns = sharedFile('pinterest/analytics-columns-async.txt');
const nango = sharedFile('pinterest/peer-fixtures/nango-integration-templates/list-campaigns.test.json');

const addDaysUtc = (date: string, days: number) => new Date(Date.parse(date) + days * 86_400_000).toISOString().slice(0, 10);

const oauthApp = { ...EMULATOR_APP, redirectUri: 'http://127.0.0.1/callback' };

/** A fresh emulator and our HTTP client pointed at it; `close` stops the emulator. */
async function emulated(): Promise<{ emulator: PinterestEmulator; http: PinterestHttp; close: () => Promise<void> }> {
  const emulator = new PinterestEmulator();
  const http = new PinterestHttp(emulator.apiBaseUrl(await emulator.listen(0)));
  return { emulator, http, close: () => emulator.close() };
}

/** An access token from the emulator's auto-approved consent page, granted `scope`. */
async function emulatorToken(http: PinterestHttp, scope = 'ads:read') {
  const consent = await fetch(
    `${http.baseUrl.replace(/\/v5$/, '')}/oauth/?client_id=${oauthApp.appId}&redirect_uri=${encodeURIComponent(oauthApp.redirectUri)}&response_type=code&scope=${scope}&state=s`,
    { redirect: 'manual' },
  );
  return exchangeAuthorizationCode(http, oauthApp, new URL(consent.headers.get('location')!).searchParams.get('code')!);
}

/**
 * Makes every Pinterest call the service makes, through our client: OAuth code exchange and
 * refresh, entity listings, analytics at three levels for the last 30 days, a pin, a Conversions
 * API post, and one call with a token Pinterest refuses. @returns what each call gave.
 */
async function everyCall(http: PinterestHttp) {
  const consent = await fetch(
    `${http.baseUrl.replace(/\/v5$/, '')}/oauth/?client_id=${oauthApp.appId}&redirect_uri=${encodeURIComponent(oauthApp.redirectUri)}&response_type=code&scope=ads:read&state=s`,
    { redirect: 'manual' },
  );
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const tokens = await exchangeAuthorizationCode(http, oauthApp, code);
  const refreshed = await refreshAccessToken(http, oauthApp, tokens.refresh_token!);
  const token = refreshed.access_token;
  const user = await getUserAccount(http, token);
  const accounts = await listAdAccounts(http, token);
  const campaigns = await listCampaigns(http, token, DEMO_AD_ACCOUNT_ID);
  const adGroups = await listAdGroups(http, token, DEMO_AD_ACCOUNT_ID);
  const ads = await listAds(http, token, DEMO_AD_ACCOUNT_ID);
  // The on-demand sync's filters: an ad Pinterest knows, one it does not, their ad group and campaign.
  const adsById = await listAdsByIds(http, token, DEMO_AD_ACCOUNT_ID, [ads[1]!.id, '999999999999']);
  const adGroupsById = await listAdGroupsByIds(http, token, DEMO_AD_ACCOUNT_ID, [ads[1]!.ad_group_id]);
  const campaignsById = await listCampaignsByIds(http, token, DEMO_AD_ACCOUNT_ID, [ads[1]!.campaign_id]);
  const today = new Date().toISOString().slice(0, 10);
  const start = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const range = { startDate: start, endDate: today, settings: DEFAULT_ATTRIBUTION_SETTINGS };
  const adRows = await getAnalytics(http, token, DEMO_AD_ACCOUNT_ID, { level: 'ad', ids: ads.map((a) => a.id), ...range });
  const campaignRows = await getAnalytics(http, token, DEMO_AD_ACCOUNT_ID, { level: 'campaign', ids: campaigns.map((c) => c.id), ...range });
  const adGroupRows = await getAnalytics(http, token, DEMO_AD_ACCOUNT_ID, { level: 'ad_group', ids: adGroups.map((g) => g.id), ...range });
  const pin = await getPin(http, token, DEMO_AD_ACCOUNT_ID, ads[0]!.pin_id!);
  const capi = await sendConversionEvents(http, token, DEMO_AD_ACCOUNT_ID, [
    {
      event_name: 'checkout',
      action_source: 'web',
      event_time: Math.floor(Date.now() / 1000) - 60,
      event_id: 'openapi-check-1',
      user_data: { em: ['a'.repeat(64)], click_id: 'epik', partner_id: 'ramp-id-1' },
      custom_data: { currency: 'USD', value: '12.00', order_id: 'o-1' },
      partner_name: 'ss-routy',
    },
  ]);
  const refusal = await listCampaigns(http, 'not-a-token', DEMO_AD_ACCOUNT_ID).then(
    () => assert.fail('a made-up token was taken'),
    (error: unknown) => error,
  );
  // Measurement Source of Truth: Routy's attribution of the same event, with and without the scope.
  const built = toMsotEvent({ event_id: 'openapi-check-1', event_name: 'checkout', event_time: new Date(Date.now() - 60_000), value: '12.00', currency: 'USD', touch_type: 'click', campaign_id: campaigns[0]!.id, ad_group_id: adGroups[0]!.id, touched_at: new Date(Date.now() - 3_600_000) });
  assert.equal(built.kind, 'event');
  const msotToken = (await emulatorToken(http, 'ads:read,msot:write')).access_token;
  await sendMsotEvent(http, msotToken, DEMO_AD_ACCOUNT_ID, (built as Extract<typeof built, { kind: 'event' }>).event);
  const msotRefusal = await sendMsotEvent(http, token, DEMO_AD_ACCOUNT_ID, (built as Extract<typeof built, { kind: 'event' }>).event).then(
    () => assert.fail('a token without msot:write was taken'),
    (error: unknown) => error,
  );
  return { tokens, refreshed, user, accounts, campaigns, ads, adsById, adGroupsById, campaignsById, adRows, campaignRows, adGroupRows, pin, capi, refusal, msotRefusal };
}

// Needs no file from ../shared: runs in every clone.
describe('our Pinterest client against the emulator', () => {
  it('exchanges and rotates tokens, lists entities, pulls analytics that reconcile, posts events, and names a refusal', async () => {
    const { http, close } = await emulated();
    try {
      const got = await everyCall(http);
      assert.notEqual(got.refreshed.refresh_token, got.tokens.refresh_token, 'the refresh token rotates');
      assert.deepEqual(got.accounts.map((a) => a.id), [DEMO_AD_ACCOUNT_ID]);
      assert.equal(got.campaigns.filter((c) => c.status === 'ARCHIVED').length, 1, 'archived campaigns are asked for');
      assert.deepEqual(got.adsById.map((a) => a.id), [got.ads[1]!.id], 'the ad_ids filter: the known ad, and nothing for an unknown one');
      assert.deepEqual(got.adGroupsById.map((g) => g.id), [got.ads[1]!.ad_group_id]);
      assert.deepEqual(got.campaignsById.map((c) => c.id), [got.ads[1]!.campaign_id]);
      assert.ok(got.adRows.length > 100);
      // The levels reconcile: campaign spend is the sum of its ads' spend, day by day.
      const spend = (rows: typeof got.adRows) => rows.reduce((total, r) => total + Number(r.columns.SPEND_IN_MICRO_DOLLAR ?? 0), 0);
      assert.equal(spend(got.campaignRows), spend(got.adRows));
      assert.equal(spend(got.adGroupRows), spend(got.adRows));
      const video = got.adRows.find((r) => r.entity_id === got.ads.find((a) => a.creative_type === 'VIDEO')!.id)!;
      assert.ok(Number(video.columns.TOTAL_VIDEO_MRC_VIEWS) > 0, 'video metrics pulled');
      const idea = got.adRows.find((r) => r.entity_id === got.ads.find((a) => a.creative_type === 'IDEA')!.id)!;
      assert.ok(Number(idea.columns.TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT) > 0, 'Idea Pin metrics pulled');
      assert.equal(got.pin.id, got.ads[0]!.pin_id);
      assert.deepEqual([got.user.id, got.user.username], ['1099300727702429065', 'evergreenhome'], "the token's user: the owner of the seeded account");
      assert.ok(got.pin.title && got.pin.link && got.pin.media?.media_type);
      assert.equal(got.capi.events[0]?.status, 'processed');
      const refusal = got.refusal as PinterestApiError;
      assert.ok(refusal instanceof PinterestApiError, String(refusal));
      assert.deepEqual([refusal.status, refusal.pinterestMessage], [401, 'Authentication failed.']);
      const msotRefusal = got.msotRefusal as PinterestApiError;
      assert.deepEqual([msotRefusal.status, msotRefusal.code], [401, 3], 'no msot:write: refused as Pinterest does');
    } finally {
      await close();
    }
  });
});

describe('Pinterest API shapes', { skip: spec.skip }, () => {
  it('every request we make and every answer the emulator gives conforms to openapi-v5.yaml', async () => {
    const { emulator, http, close } = await emulated();
    try {
      await everyCall(http);
      const checker = new OpenApiChecker(spec.path!);
      const routes = new Set(emulator.exchanges.map((e) => `${e.method} ${e.route}`));
      assert.deepEqual(
        [...routes].sort(),
        [
          'GET /ad_accounts',
          'GET /ad_accounts/{ad_account_id}/ad_groups',
          'GET /ad_accounts/{ad_account_id}/ad_groups/analytics',
          'GET /ad_accounts/{ad_account_id}/ads',
          'GET /ad_accounts/{ad_account_id}/ads/analytics',
          'GET /ad_accounts/{ad_account_id}/campaigns',
          'GET /ad_accounts/{ad_account_id}/campaigns/analytics',
          'GET /pins/{pin_id}',
          'GET /user_account',
          'POST /ad_accounts/{ad_account_id}/events',
          'POST /ad_accounts/{ad_account_id}/msot/events',
          'POST /oauth/token',
        ],
      );
      assert.deepEqual(emulator.exchanges.flatMap((exchange) => checker.check(exchange)), []);
      const filters = emulator.exchanges.filter((e) => !e.route.endsWith('/analytics')).flatMap((e) => ['ad_ids', 'ad_group_ids', 'campaign_ids'].filter((key) => e.query[key] !== undefined).map((key) => `${e.route} ${key}`));
      assert.deepEqual(filters.sort(), ['/ad_accounts/{ad_account_id}/ad_groups ad_group_ids', '/ad_accounts/{ad_account_id}/ads ad_ids', '/ad_accounts/{ad_account_id}/campaigns campaign_ids'], 'the id filters were checked too');
    } finally {
      await close();
    }
  });

  it('the product calls (product group promotions and analytics, the brand / category / SKU report) conform to openapi-v5.yaml', async () => {
    const { emulator, http, close } = await emulated();
    try {
      const { access_token: token } = await emulatorToken(http);
      const shopping = productGroups(emulator.seed, DEMO_AD_ACCOUNT_ID);
      assert.ok(shopping.length >= 2, 'the demo seed has shopping ad groups with product groups');
      const ids = await listPromotedProductGroups(http, token, DEMO_AD_ACCOUNT_ID, shopping[0]!.ad_group_id);
      assert.deepEqual(ids, [shopping[0]!.id]);
      const today = new Date().toISOString().slice(0, 10);
      const start = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
      const rows = await getProductGroupAnalytics(http, token, DEMO_AD_ACCOUNT_ID, { ids: shopping.map((g) => g.id), startDate: start, endDate: today, settings: DEFAULT_ATTRIBUTION_SETTINGS });
      assert.ok(rows.length >= 30, `a row per delivering product group and day (${rows.length})`);
      assert.deepEqual(Object.keys(rows[0]!.columns).sort(), [...PRODUCT_GROUP_COLUMNS].sort());
      const reportToken = await createSkuReport(http, token, DEMO_AD_ACCOUNT_ID, { startDate: addDaysUtc(today, -13), endDate: today, settings: DEFAULT_ATTRIBUTION_SETTINGS });
      let report = await getSkuReport(http, token, DEMO_AD_ACCOUNT_ID, reportToken);
      while (report.report_status === 'IN_PROGRESS') report = await getSkuReport(http, token, DEMO_AD_ACCOUNT_ID, reportToken);
      assert.equal(report.report_status, 'FINISHED');
      const skus = await downloadSkuReport(report.url!);
      assert.ok(skus.length > 0 && skus.every((row) => /^EVG\d+$/.test(row.sku)), 'rows per catalog SKU');
      const checker = new OpenApiChecker(spec.path!);
      const routes = [...new Set(emulator.exchanges.map((e) => `${e.method} ${e.route}`))].sort();
      assert.deepEqual(routes, [
        'GET /ad_accounts/{ad_account_id}/product_group_promotions',
        'GET /ad_accounts/{ad_account_id}/product_groups/analytics',
        'GET /ad_accounts/{ad_account_id}/reports/brand_category_sku',
        'POST /ad_accounts/{ad_account_id}/reports/brand_category_sku',
        'POST /oauth/token',
      ]);
      assert.deepEqual(emulator.exchanges.flatMap((exchange) => checker.check(exchange)), []);
      // The checker reads these operations: a request breaking the spec is caught.
      const bad = checker.check({ method: 'POST', route: '/ad_accounts/{ad_account_id}/reports/brand_category_sku', query: {}, body: { start_date: today, end_date: today, granularity: 'DAY', level: 'ADVERTISER', columns: ['NOT_A_COLUMN'] }, status: 200, response: { token: 't' } });
      assert.match(bad.join('\n'), /report_name/);
      assert.match(bad.join('\n'), /granularity/);
    } finally {
      await close();
    }
  });

  it('the checker itself catches a request and an answer that break the spec', () => {
    const checker = new OpenApiChecker(spec.path!);
    const problems = checker.check({
      method: 'GET',
      route: '/ad_accounts/{ad_account_id}/ads/analytics',
      query: { start_date: '2026-01-01', end_date: '2026-01-02', ad_ids: ['1'], columns: 'NOT_A_COLUMN', granularity: 'DAY', click_window_days: '3' },
      body: undefined,
      status: 200,
      response: [{ DATE: '2026-01-01' }],
    });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /columns/);
    assert.match(problems.join('\n'), /click_window_days/);
    assert.match(problems.join('\n'), /AD_ID/);
  });

  it('the emulator refuses the id filters the spec does not allow, as Pinterest would', async () => {
    const { emulator, http, close } = await emulated();
    try {
      const checker = new OpenApiChecker(spec.path!);
      const tooMany = Array.from({ length: 251 }, (_, i) => String(700000000000 + i));
      const overLimit = { method: 'GET', route: '/ad_accounts/{ad_account_id}/ads', query: { ad_ids: tooMany }, body: undefined, status: 200, response: { items: [], bookmark: null } };
      assert.match(checker.check(overLimit).join('\n'), /ad_ids/, 'the spec allows at most 250 ids');
      const { access_token: token } = await emulatorToken(http);
      const get = (query: string) => fetch(`${http.baseUrl}/ad_accounts/${DEMO_AD_ACCOUNT_ID}/ads?${query}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await get(tooMany.map((id) => `ad_ids=${id}`).join('&'))).status, 400);
      assert.equal((await get('ad_ids=1&campaign_ids=2')).status, 400, 'one kind of id list at a time');
      assert.equal((await get('ad_ids=12a')).status, 400);
      const refusals = emulator.exchanges.filter((e) => e.status === 400).map((e) => e.response);
      assert.deepEqual(refusals, Array(3).fill({ code: 1, message: 'Invalid ad account ads parameters.' }), 'the spec\'s Error shape and example message');
    } finally {
      await close();
    }
  });
});

describe('analytics columns', () => {
  const known = (path: string) => new Set(readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
  it('every column we ask for is in the sync reporting columns enum', { skip: columns.skip }, () => {
    const sync = known(columns.path!);
    assert.deepEqual(METRIC_COLUMNS.filter((c) => !sync.has(c)), []);
  });
  // The async backfill reports ask for the same columns.
  it('every column we ask for is in the async report columns enum', { skip: asyncColumns.skip }, () => {
    const reportable = known(asyncColumns.path!);
    assert.deepEqual(METRIC_COLUMNS.filter((c) => !reportable.has(c)), []);
    assert.ok(reportable.has('SPEND_IN_MICRO_DOLLAR'), 'the list was read');
  });
});

describe('parsers on responses recorded from Pinterest', { skip: nango.skip }, () => {
  const fixture = (name: string) =>
    JSON.parse(readFileSync(nango.path!.replace('list-campaigns.test.json', name), 'utf8')) as {
      api: { get: Record<string, { response: unknown }> };
    };
  const responses = (name: string, suffix: string) =>
    Object.entries(fixture(name).api.get)
      .filter(([p]) => p.endsWith(suffix))
      .map(([, v]) => v.response as { items: unknown[] });

  for (const [name, suffix, schema] of [
    ['list-ad-accounts.test.json', '/ad_accounts', adAccountSchema],
    ['campaigns.test.json', '/campaigns', campaignSchema],
    ['ad-groups.test.json', '/ad_groups', adGroupSchema],
    ['ads.test.json', '/ads', adSchema],
  ] as const) {
    it(`parses ${name}`, () => {
      const pages = responses(name, suffix);
      assert.ok(pages.length > 0);
      for (const page of pages) {
        const parsed = z.object({ items: z.array(schema as z.ZodTypeAny), bookmark: z.string().nullish() }).parse(page);
        for (const item of parsed.items) assert.equal(typeof (item as { id: unknown }).id, 'string');
      }
    });
  }
});
