// Health that tells the truth, on real parts (a Temporal dev server, PostgreSQL, our worker, the
// emulator's faults): a pull whose campaign analytics answer 503 again and again shows `retrying`
// (the call, the attempt, the error, the next try) while the workflow retries it, then `failing`
// in status and in the `PinterestHealth` search attribute once the attempts are spent, then
// `healthy` after a pull goes through; settings accepted during a backfill report show as
// pending; and the report's "not ready yet" polls are not logged as warnings.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { addDays } from '../../domain/dates';
import { DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import type { AdAccountStatus } from '../../workflows/ad-account-types';
import { adAccountWorkflowId, PINTEREST_READ_RETRY } from '../../workflows/shared';
import { startConnectedApp, type ConnectedTestApp } from '../support/connected-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const ANALYTICS = `/ad_accounts/${ACCOUNT}/campaigns/analytics`;
/** Pinterest's `Retry-After` on each 503: the workflow waits it instead of its backoff, so the test takes seconds. */
const RETRY_AFTER_SECONDS = 2;

/** The worker's "Activity failed" log entries (pino JSON lines), whatever their level. */
const activityFailures: Array<{ level: string; activityType?: string }> = [];
const logLines = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.includes('"Activity failed"')) activityFailures.push(JSON.parse(line) as { level: string; activityType?: string });
    }
    done();
  },
});

let testApp: ConnectedTestApp;
const app = () => testApp.app;
const emulator = () => testApp.app.pinterest.emulator;
const status = () => app().client.status(ACCOUNT);
const until = (what: string, done: (s: AdAccountStatus) => boolean, timeoutMs = 120_000) =>
  waitFor(what, async () => {
    const s = await status();
    return done(s) ? s : undefined;
  }, timeoutMs);
const visible = async (query: string) => {
  const ids: string[] = [];
  for await (const w of app().temporalClient.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
};
const healthAttribute = async () => (await app().temporalClient.workflow.getHandle(adAccountWorkflowId(ACCOUNT)).describe()).searchAttributes.PinterestHealth;

before(async () => {
  testApp = await startConnectedApp({ ROUTY_INGRESS_TOKEN: 'health-test-token', ROUTY_LOG_LEVEL: 'DEBUG' }, { logDestination: logLines });
});
after(() => testApp?.stop());

describe('account health', { timeout: 300_000 }, () => {
  it('shows a pull retrying, then failing (status and PinterestHealth), then healthy after a pull goes through', async () => {
    assert.equal((await status()).health.state, 'healthy');
    const first = emulator().exchanges.length;
    const pulls = (await status()).counters.pulls;
    emulator().inject(
      { kind: 'retry_hint', status: 503, code: 503, hint: 'retry-after', retry_after_seconds: RETRY_AFTER_SECONDS },
      { pathContains: ANALYTICS, times: PINTEREST_READ_RETRY.maximum_attempts },
    );
    await app().client.pullNow(ACCOUNT);

    const retrying = await until('the pull retrying', (s) => s.health.state === 'retrying' && (s.health.attempt ?? 0) >= 2);
    console.log(`status while retrying: ${JSON.stringify(retrying)}`);
    assert.equal(retrying.health.failing_call, 'pullMetrics');
    assert.match(retrying.health.last_error ?? '', /HTTP 503/);
    assert.ok(retrying.health.next_retry_at, 'the next try has a time');
    assert.equal(retrying.connection_status, 'connected');
    assert.equal(retrying.pull_overdue_reason, 'retrying', 'the pull in the past is explained');
    assert.ok(Date.parse(retrying.next_pull_at!) <= Date.parse(retrying.health.since));

    const failing = await until('the pull failing', (s) => s.health.state === 'failing');
    console.log(`status once failing: ${JSON.stringify(failing)}`);
    assert.deepEqual(
      { call: failing.health.failing_call, attempt: failing.health.attempt, retry: failing.health.next_retry_at },
      { call: 'pullMetrics', attempt: PINTEREST_READ_RETRY.maximum_attempts, retry: undefined },
    );
    assert.match(failing.health.last_error ?? '', /HTTP 503/);
    assert.match(failing.last_error ?? '', /HTTP 503/);
    assert.equal(failing.counters.pulls, pulls, 'no pull succeeded');
    const answers = emulator().exchanges.slice(first).filter((e) => e.route === '/ad_accounts/{ad_account_id}/campaigns/analytics');
    assert.deepEqual(answers.map((e) => e.status), Array(PINTEREST_READ_RETRY.maximum_attempts).fill(503), 'one request per attempt, every one refused');
    const ids = await waitFor('the failing account listed by PinterestHealth', async () => {
      const found = await visible(`PinterestHealth = "failing"`);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(ids, [adAccountWorkflowId(ACCOUNT)]);
    assert.deepEqual(await healthAttribute(), ['failing']);

    await app().client.pullNow(ACCOUNT);
    const healthy = await until('a pull going through', (s) => s.counters.pulls === pulls + 1 && s.health.state === 'healthy');
    assert.equal(healthy.last_error, undefined);
    assert.equal(healthy.health.failing_call, undefined);
    await waitFor('PinterestHealth back to healthy', async () => ((await visible(`PinterestHealth = "healthy"`)).includes(adAccountWorkflowId(ACCOUNT)) ? true : undefined));
    assert.deepEqual(await healthAttribute(), ['healthy']);
    const warned = activityFailures.filter((e) => e.activityType === 'pullMetrics' && e.level === 'warn');
    assert.equal(warned.length, PINTEREST_READ_RETRY.maximum_attempts, 'real trouble is still logged as a warning, once per attempt');
  });

  it('shows settings accepted during a backfill report as pending beside those in effect, and the answer says so', async () => {
    // The report's rows wait for this lock: the backfill stays under way until it is released.
    const client = new pg.Client({ connectionString: testApp.databaseUrl });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE metrics_daily IN EXCLUSIVE MODE');
    try {
      const today = new Date().toISOString().slice(0, 10);
      await app().client.backfill(ACCOUNT, { start_date: addDays(today, -130), end_date: addDays(today, -121) });
      await waitFor('the report collection blocked on metrics_daily', async () => {
        const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%metrics_daily%'`.execute(app().db);
        return Number(rows[0]!.n) > 0 ? true : undefined;
      });
      assert.equal((await status()).current_read, 'collectAdReport');
      const answer = await app().client.updateSettings(ACCOUNT, { click_window_days: 7 });
      const wanted = { ...DEFAULT_ATTRIBUTION_SETTINGS, click_window_days: 7 };
      assert.deepEqual(answer, { ...wanted, pending: { reason: 'pinterest_read_under_way', waiting_for: 'collectAdReport' } });
      const waiting = await status();
      console.log(`status with pending settings: ${JSON.stringify({ settings: waiting.settings, pending_settings: waiting.pending_settings })}`);
      assert.deepEqual(waiting.settings, DEFAULT_ATTRIBUTION_SETTINGS, 'the settings in effect are still the old ones');
      assert.deepEqual(
        { ...waiting.pending_settings, requested_at: undefined },
        { settings: wanted, reason: 'pinterest_read_under_way', waiting_for: 'collectAdReport', requested_at: undefined },
      );
      assert.ok(waiting.pending_settings?.requested_at);
    } finally {
      await client.query('COMMIT');
      await client.end();
    }
    const applied = await until('the settings in effect', (s) => s.settings.click_window_days === 7 && s.pending_settings === undefined && s.counters.backfill_ranges_done === 1);
    assert.equal(applied.health.state, 'healthy');
  });

  it('logs the report\'s "not ready yet" polls at DEBUG, never as a WARN "Activity failed"', () => {
    const polls = activityFailures.filter((e) => e.activityType === 'collectAdReport');
    assert.ok(polls.length >= 2, `the emulator answers IN_PROGRESS twice per report: ${polls.length} polls failed`);
    assert.deepEqual([...new Set(polls.map((e) => e.level))], ['debug'], 'each at DEBUG');
  });
});
