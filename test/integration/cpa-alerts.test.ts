// CPA alerts on real parts (dev server, PostgreSQL, worker, ingress, the emulator): a pin's target
// through the validated `setCpaTargets` update, slow-burn conversions attributed by the record
// pump, a pull, and the alert in `status`, `GET /v1/alerts`, the gauge, the operator CLI and the
// webhook (a local server here, whose first answer is a 500): one signed delivery per alert, no
// repeat while the condition holds, a new alert only after it cleared and crossed again.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addDays, dateInTimeZone } from '../../domain/dates';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { signedCorrectly } from '../../http/ingress-auth';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { performanceReport, type ReportRow } from '../../reports/performance-report';
import type { CpaAlert } from '../../store/cpa-alerts-store';
import { getAdAccount } from '../../store/entities-store';
import { runCliWithEnv } from '../support/cli';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { getWithToken } from '../support/ingress-requests';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const SECRET = 'alert-webhook-secret';
const KEYS = generateEncryptionKeyEntry('k1');
const DAY = 86_400_000;

/** What the webhook received: raw body, signature header, and the status it answered. */
const received: Array<{ body: string; signature: string | undefined; answered: number }> = [];
const hook = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    // The first post is refused, as a receiver in trouble would: Temporal's retry posts it again.
    const answered = received.length === 0 ? 500 : 200;
    received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: request.headers['x-routy-signature'] as string | undefined, answered });
    response.writeHead(answered).end();
  });
});

let testApp: ConnectedTestApp;
const app = () => testApp.app;
const status = () => app().client.status(ACCOUNT);
const alertsRoute = async (query = ''): Promise<CpaAlert[]> => {
  const response = await getWithToken(app(), `/v1/alerts?ad_account_id=${ACCOUNT}${query}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { alerts: CpaAlert[] }).alerts;
};
/** Waits for an evaluation newer than `since` (ISO) and returns its summary. */
const evaluationAfter = (since: string) =>
  waitFor('a CPA alert evaluation', async () => {
    const summary = (await status()).cpa_alerts;
    return summary && summary.evaluated_at > since ? summary : undefined;
  });
/** The pin report row of `adId` over the evaluation's range (window 30 beside 7). */
async function pinRow(adId: string): Promise<ReportRow> {
  const account = await getAdAccount(app().db, ACCOUNT);
  const end = dateInTimeZone(new Date(), account.time_zone ?? 'UTC');
  const rows = await performanceReport(app().db, { ad_account_id: ACCOUNT, level: 'pin', start_date: addDays(end, -29), end_date: end, window: 30, compare: 7 });
  return rows.find((r) => r.id === adId)!;
}

before(async () => {
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/routy-alerts`;
  testApp = await startConnectedApp({ ROUTY_ENCRYPTION_KEYS: KEYS, ROUTY_ALERT_WEBHOOK_URL: url, ROUTY_ALERT_WEBHOOK_SECRET: SECRET });
  // Every pull evaluates the alerts; without a target the first finds none.
  const firstEvaluation = await waitFor('the evaluation after the first pull', async () => (await status()).cpa_alerts);
  assert.deepEqual([firstEvaluation.open, firstEvaluation.opened, firstEvaluation.latest], [0, 0, []]);
});

after(async () => {
  await testApp?.stop();
  hook.close();
});

describe('CPA alerts', { timeout: 300_000 }, () => {
  let adId: string;
  let first: CpaAlert;

  it('targets are validated by field and kept in the account currency', async () => {
    await assert.rejects(app().client.setCpaTargets(ACCOUNT, { account: '-5' }), /account: must be a positive decimal in the account currency/);
    await assert.rejects(app().client.setCpaTargets(ACCOUNT, { account: 10, currency: 'EUR' }), /currency: the ad account's currency is USD, not EUR/);
    assert.deepEqual(await app().client.setCpaTargets(ACCOUNT, {}), { ad_account_id: ACCOUNT, currency: 'USD', account: null, campaigns: {}, pins: {} });
  });

  it('a slow-burn pin under its target over 30 days but not 7 raises one alert after the pull, in status, the route, the gauge and the CLI', async () => {
    // An ad with spend and, in this fresh database, no conversions yet.
    const earlier = await performanceReport(app().db, { ad_account_id: ACCOUNT, level: 'pin', start_date: addDays(dateInTimeZone(new Date(), 'UTC'), -20), end_date: addDays(dateInTimeZone(new Date(), 'UTC'), -2), window: 30 });
    adId = earlier.find((r) => r.synced && (r.spend ?? 0) > 0)!.id;
    const spend = (await pinRow(adId)).spend!;
    // Three conversions 12 days after their click: counted under 30 days, none under 7.
    const target = Math.ceil(spend / 3) + 1;
    const set = (await status()).cpa_alerts!.evaluated_at;
    const answer = await app().client.setCpaTargets(ACCOUNT, { pins: { [adId]: target }, currency: 'USD' });
    assert.deepEqual(answer.pins, { [adId]: target });
    // Setting a target evaluates at once: no conversions yet, no alert.
    assert.equal((await evaluationAfter(set)).open, 0);
    const now = Date.now();
    await app().client.recordTouchpoints([0, 1, 2].map((i) => ({ ad_account_id: ACCOUNT, type: 'click' as const, occurred_at: new Date(now - 12 * DAY - i * 60_000).toISOString(), click_id: `cpa-click-${i}`, ad_id: adId })));
    await app().client.recordConversions(
      [0, 1, 2].map((i) => ({ event_id: `cpa-order-${i}`, event_name: 'checkout' as const, event_time: new Date(now - 3_600_000).toISOString(), ad_account_id: ACCOUNT, click_id: `cpa-click-${i}`, order_id: `cpa-order-${i}` })),
    );
    await waitFor('the three matches', async () => ((await status()).counters.conversions_matched === 3 ? true : undefined));
    const since = (await status()).cpa_alerts!.evaluated_at;
    await app().client.pullNow(ACCOUNT);
    const summary = await evaluationAfter(since);

    const row = await pinRow(adId);
    assert.deepEqual([row.routy.conversions, row.compare!.conversions, row.compare!.cost_per_conversion], [3, 0, null]);
    assert.equal(row.routy.cost_per_conversion, Math.round((row.spend! / 3) * 100) / 100);
    const alerts = await alertsRoute();
    assert.equal(alerts.length, 1, 'only the pin has a target');
    first = alerts[0]!;
    const account = await getAdAccount(app().db, ACCOUNT);
    const end = dateInTimeZone(new Date(first.first_seen_at), account.time_zone ?? 'UTC');
    assert.deepEqual(
      { ...first, alert_id: 'x', first_seen_at: 'x', last_seen_at: 'x', delivered_at: 'x' },
      {
        alert_id: 'x',
        ad_account_id: ACCOUNT,
        level: 'pin',
        entity_id: adId,
        name: row.name,
        pin_id: row.pin_id,
        direction: 'pays_back_long',
        currency: 'USD',
        target,
        cpa_30d: row.routy.cost_per_conversion,
        cpa_7d: null,
        spend: row.spend,
        conversions_30d: 3,
        conversions_7d: 0,
        start_date: addDays(end, -29),
        end_date: end,
        first_seen_at: 'x',
        last_seen_at: 'x',
        cleared_at: null,
        delivered_at: 'x',
      },
    );
    assert.ok(first.cpa_30d! <= target && spend / 3 < target, `30-day ${first.cpa_30d} at or under ${target}`);
    assert.deepEqual([summary.open, summary.opened, summary.cleared], [1, 1, 0]);
    assert.deepEqual(summary.latest, [
      { alert_id: first.alert_id, level: 'pin', entity_id: adId, direction: 'pays_back_long', currency: 'USD', target, cpa_30d: first.cpa_30d, cpa_7d: null, first_seen_at: first.first_seen_at },
    ]);

    const metrics = await (await getWithToken(app(), '/metrics')).text();
    assert.match(metrics, /^routy_pinterest_cpa_alerts\{direction="pays_back_long"\} 1$/m);
    assert.match(metrics, /^routy_pinterest_cpa_alerts\{direction="misses_long"\} 0$/m);

    const env = { TEMPORAL_ADDRESS: app().temporalAddress, ROUTY_ENCRYPTION_KEYS: KEYS, DATABASE_URL: testApp.databaseUrl };
    const cli = await runCliWithEnv(['alerts', '--ad-account', ACCOUNT, '--json'], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual((JSON.parse(cli.stdout) as CpaAlert[]).map((a) => [a.alert_id, a.entity_id, a.cpa_30d]), [[first.alert_id, adId, first.cpa_30d]]);
    const accounts = await runCliWithEnv(['accounts'], env);
    assert.match(accounts.stdout, new RegExp(`^${ACCOUNT}\\s.*\\s1\\s+-$`, 'm'), 'the alerts column counts one open alert');
  });

  it('the webhook gets one signed POST per alert, retried after its 500, and nothing more on the next round', async (t) => {
    await waitFor('the delivery', async () => ((await alertsRoute())[0]?.delivered_at ? true : undefined));
    assert.deepEqual(received.map((r) => r.answered), [500, 200], 'the refused post was retried by Temporal, once');
    const [refused, taken] = received;
    assert.equal(taken!.body, refused!.body, 'the retry posts the same body');
    for (const r of received) assert.ok(signedCorrectly(r.signature, r.body, SECRET, new Date()), `signature ${r.signature}`);
    const { last_seen_at: _s, cleared_at: _c, delivered_at: _d, ...figures } = first;
    assert.deepEqual(JSON.parse(taken!.body), { type: 'cpa_alert', ...figures });
    t.diagnostic(`delivered: X-Routy-Signature: ${taken!.signature} body: ${taken!.body}`);
    assert.equal((await status()).cpa_alerts!.undelivered, 0);

    const since = (await status()).cpa_alerts!.evaluated_at;
    await app().client.pullNow(ACCOUNT);
    const again = await evaluationAfter(since);
    assert.deepEqual([again.open, again.opened, again.cleared], [1, 0, 0], 'the condition still holds: the same alert');
    assert.deepEqual((await alertsRoute()).map((a) => a.alert_id), [first.alert_id]);
    assert.equal(received.length, 2, 'no second delivery');
  });

  it('an alert clears when the condition ends; crossing again opens a new one, delivered once', async () => {
    let since = (await status()).cpa_alerts!.evaluated_at;
    await app().client.setCpaTargets(ACCOUNT, { pins: { [adId]: Math.floor(first.cpa_30d! / 2) } });
    const cleared = await evaluationAfter(since);
    assert.deepEqual([cleared.open, cleared.opened, cleared.cleared], [0, 0, 1]);
    assert.deepEqual(await alertsRoute(), []);
    assert.ok((await alertsRoute('&include_cleared=true'))[0]!.cleared_at);

    since = cleared.evaluated_at;
    await app().client.setCpaTargets(ACCOUNT, { pins: { [adId]: first.target } });
    const crossed = await evaluationAfter(since);
    assert.deepEqual([crossed.open, crossed.opened], [1, 1]);
    const [fresh] = await alertsRoute();
    assert.notEqual(fresh!.alert_id, first.alert_id, 'a new alert');
    await waitFor('the new delivery', async () => (received.length === 3 ? true : undefined));
    assert.equal((JSON.parse(received[2]!.body) as { alert_id: string }).alert_id, fresh!.alert_id);
    assert.equal(received[2]!.answered, 200);
  });

  it('the route names a bad query field', async () => {
    const response = await getWithToken(app(), '/v1/alerts?limit=0');
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(await response.json()), /limit/);
  });
});
