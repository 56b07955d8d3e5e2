// The operator commands as an operator runs them (`node bin/routy-pinterest.js ...`, stdout a
// pipe), on real parts: a Temporal dev server, PostgreSQL, our worker, the emulator with an ad
// account Pinterest created 400 days ago. accounts, pause, resume, settings, backfill with its
// progress lines, disconnect; refusals name the flag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addDays } from '../../domain/dates';
import { buildSeed, DEMO_AD_ACCOUNT_ID } from '../../emulator/seed';
import { generateEncryptionKeyEntry } from '../../secrets/token-cipher';
import { connectThroughOAuth } from '../../service/oauth-connect';
import type { AdAccountListing } from '../../client/ad-account-listing';
import { runCliWithEnv } from '../support/cli';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = DEMO_AD_ACCOUNT_ID;
const KEYS = generateEncryptionKeyEntry('k1');
const CREATED_TIME = Math.floor((Date.now() - 400 * 86_400_000) / 1000);
const today = new Date().toISOString().slice(0, 10);

let testApp: TestApp;
const app = () => testApp.app;
const statusOf = () => app().client.status(ACCOUNT);
/** The CLI with the service's Temporal, keys and database, as an operator's shell has them. */
const cli = (...args: string[]) =>
  runCliWithEnv(args, { TEMPORAL_ADDRESS: app().temporalAddress, ROUTY_ENCRYPTION_KEYS: KEYS, DATABASE_URL: testApp.databaseUrl, USER: 'ana' });
/** A command that must succeed: its stdout. */
const ok = async (...args: string[]) => {
  const run = await cli(...args);
  assert.equal(run.code, 0, `${args.join(' ')}: exit ${run.code}, stderr ${run.stderr}`);
  return run.stdout;
};
const accountRow = async () => {
  const rows = JSON.parse(await ok('accounts', '--json')) as AdAccountListing[];
  assert.deepEqual(rows.map((r) => r.ad_account_id), [ACCOUNT]);
  return rows[0]!;
};
const noStackTrace = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');

before(async () => {
  const seed = buildSeed({ accounts: [{ id: ACCOUNT, currency: 'USD', time_zone: 'UTC', created_time: CREATED_TIME }] });
  testApp = await startTestApp({ ROUTY_ENCRYPTION_KEYS: KEYS }, { emulatorSeed: seed });
  assert.deepEqual(await connectThroughOAuth(app()), [ACCOUNT]);
  await waitFor('the first pull', async () => ((await statusOf()).account_created_date ? true : undefined));
});
after(() => testApp?.stop());

describe('operator CLI', { timeout: 180_000 }, () => {
  it('accounts lists the connected account with its status values, as a table and as JSON', async () => {
    const now = Date.now();
    await app().client.recordConversions([{ event_id: 'cli-pending', event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'nobody-clicked' }]);
    await waitFor('the pending count', async () => ((await statusOf()).counters.conversions_pending === 1 ? true : undefined));
    await waitFor('the CPA alert evaluation after the first pull', async () => ((await statusOf()).cpa_alerts ? true : undefined));
    const row = await waitFor('the account in visibility', async () => accountRow().catch(() => undefined));
    const status = await statusOf();
    assert.equal(row.run, 'running');
    assert.equal(row.connection_status, 'connected');
    assert.equal(row.paused, false);
    assert.equal(row.last_pull_at, status.last_pull_at);
    assert.equal(row.next_pull_at, status.next_pull_at);
    assert.equal(row.conversions_pending, 1);
    assert.equal(row.conversions_unsent, 0);
    assert.equal(row.backfill_pieces, 0);
    assert.equal(row.cpa_alerts_open, 0, 'no target is set: the evaluation after the first pull found no alert');
    assert.ok(row.health === undefined || ['healthy', 'retrying', 'failing'].includes(row.health), `health: ${row.health}`);

    const table = (await ok('accounts')).split('\n');
    assert.match(table[0]!, /^ad account\s+status\s+health\s+last pull \(UTC\)\s+next pull \(UTC\)\s+pending\s+unsent\s+backfill\s+alerts\s+rate limited until$/);
    const line = table.find((l) => l.startsWith(ACCOUNT));
    const lastPull = status.last_pull_at!.replace('T', ' ').replace(/\.\d+Z$/, '');
    assert.match(line!, new RegExp(`^${ACCOUNT}\\s+connected\\s+(healthy|retrying|failing|-)\\s+${lastPull}\\s+\\S+ \\S+\\s+1\\s+0\\s+0\\s+0\\s+-$`));
  });

  it('TEMPORAL_PORT=0 (the service chose a free port) is refused only when TEMPORAL_ADDRESS does not name the address', async () => {
    const env = { ROUTY_ENCRYPTION_KEYS: KEYS, USER: 'ana', TEMPORAL_PORT: '0' };
    const withAddress = await runCliWithEnv(['accounts', '--json'], { ...env, TEMPORAL_ADDRESS: app().temporalAddress });
    assert.equal(withAddress.code, 0, withAddress.stderr);
    assert.deepEqual((JSON.parse(withAddress.stdout) as AdAccountListing[]).map((r) => r.ad_account_id), [ACCOUNT]);
    const without = await runCliWithEnv(['accounts'], env);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /^TEMPORAL_PORT: is 0 \(a free port, known only to the running service\): set TEMPORAL_ADDRESS/);
    noStackTrace(without.stderr);
  });

  it('pause shows in accounts (with the conversions it keeps unsent); resume is refused twice, not once', async () => {
    const paused = await ok('pause', '--ad-account', ACCOUNT, '--reason', 'budget review');
    assert.match(paused, new RegExp(`^ad account ${ACCOUNT}: paused \\(budget review\\)$`, 'm'));
    const now = Date.now();
    await app().client.recordTouchpoints([{ ad_account_id: ACCOUNT, type: 'click', occurred_at: new Date(now - 86_400_000).toISOString(), click_id: 'cli-click', ad_id: '687195905901' }]);
    await app().client.recordConversions([
      { event_id: 'cli-matched', event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: ACCOUNT, click_id: 'cli-click', user: { email: 'cli@example.com' } },
    ]);
    await waitFor('the match while paused', () => app().db.selectFrom('conversions').select('event_id').where('event_id', '=', 'cli-matched').where('attribution_state', '=', 'matched').executeTakeFirst());
    const row = await accountRow();
    assert.deepEqual([row.paused, row.paused_reason, row.conversions_unsent], [true, 'budget review', 1]);
    const table = await ok('accounts');
    assert.match(table, new RegExp(`^${ACCOUNT}\\s+paused\\s`, 'm'));
    assert.match(table, new RegExp(`^  ${ACCOUNT}: paused: budget review$`, 'm'));

    const resumed = JSON.parse(await ok('resume', '--ad-account', ACCOUNT, '--by', 'ops: Ana', '--json')) as { paused: boolean; connection_status: string };
    assert.deepEqual([resumed.paused, resumed.connection_status], [false, 'connected']);
    const again = await cli('resume', '--ad-account', ACCOUNT);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'the ad account is not paused\n');
    const unknown = await cli('pause', '--ad-account', '404404404');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, '--ad-account: no workflow for ad account 404404404 (never connected?)\n');
    await waitFor('the send after resume', async () =>
      (await app().db.selectFrom('conversions').select('capi_state').where('event_id', '=', 'cli-matched').executeTakeFirst())?.capi_state === 'sent' ? true : undefined,
    );
  });

  it('settings prints, changes and refuses by flag; the change shows in status', async () => {
    assert.equal(await ok('settings', '--ad-account', ACCOUNT), `ad account ${ACCOUNT}: 30-day click, 30-day engagement, 1-day view, TIME_OF_AD_ACTION\n`);
    const changed = await ok('settings', '--ad-account', ACCOUNT, '--click-window-days', '7', '--view-window-days', '0');
    assert.match(changed, /^ad account \d+: 7-day click, 30-day engagement, no view, TIME_OF_AD_ACTION \(saved/);
    await waitFor('the settings in force', async () => ((await statusOf()).settings.click_window_days === 7 ? true : undefined));
    const json = JSON.parse(await ok('settings', '--ad-account', ACCOUNT, '--json')) as { settings: { click_window_days: number; view_window_days: number } };
    assert.deepEqual([json.settings.click_window_days, json.settings.view_window_days], [7, 0]);

    const bad = await cli('settings', '--ad-account', ACCOUNT, '--click-window-days', '3');
    assert.deepEqual([bad.code, bad.stdout, bad.stderr], [2, '', '--click-window-days: must be one of 0, 1, 7, 14, 30, 60\n']);
    const badDate = await cli('backfill', '--ad-account', ACCOUNT, '--from', '2026-02-30', '--to', today);
    assert.deepEqual([badDate.code, badDate.stderr], [2, '--from: must be a YYYY-MM-DD date\n']);
    const unknownFlag = await cli('pause', '--ad-account', ACCOUNT, '--why', 'x');
    assert.equal(unknownFlag.code, 2);
    noStackTrace(bad.stderr + badDate.stderr + unknownFlag.stderr);
    assert.equal((await statusOf()).settings.click_window_days, 7, 'nothing changed by the refused flags');
  });

  it('backfill follows each piece to the end, a line per change, and sums up rows, days and the clamped range', async () => {
    // One piece queued first and left to run: the followed pieces wait behind it.
    const ahead = JSON.parse(await ok('backfill', '--ad-account', ACCOUNT, '--from', addDays(today, -99), '--to', addDays(today, -92), '--no-wait', '--json')) as Array<{ start_date: string }>;
    assert.deepEqual(ahead.map((p) => p.start_date), [addDays(today, -99)]);

    const run = await ok('backfill', '--ad-account', ACCOUNT, '--from', addDays(today, -450), '--to', addDays(today, -100));
    const lines = run.trimEnd().split('\n');
    assert.equal(lines[0], 'queued 2 pieces');
    const createdDate = (await statusOf()).account_created_date!;
    const pieces = [...new Set(lines.slice(1).map((l) => /^(\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d) \(\d+ days\): /.exec(l)?.[1]).filter(Boolean))] as string[];
    assert.equal(pieces.length, 2);
    assert.equal(pieces[0]!.slice(0, 10), createdDate, 'the oldest piece starts at the account\'s creation');
    const order = ['queued', 'requesting report', 'collecting report', 'stored'];
    let rows = 0;
    for (const piece of pieces) {
      const steps = lines.filter((l) => l.startsWith(`${piece} `)).map((l) => l.replace(/^.*?: /, ''));
      const last = steps.at(-1)!;
      assert.match(last, /^stored, \d+ rows$/, `${piece}: ${steps.join(' | ')}`);
      rows += Number(/(\d+) rows/.exec(last)![1]);
      const ranks = steps.map((s) => order.findIndex((o) => s.startsWith(o)));
      assert.ok(ranks.every((r, i) => r >= 0 && (i === 0 || r > ranks[i - 1]!)), `${piece}: steps in order, each once: ${steps.join(' | ')}`);
    }
    assert.ok(lines.some((l) => l.endsWith(': collecting report')), 'a report seen while Pinterest builds it');
    const stored = await app().db.selectFrom('metrics_daily').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('ad_account_id', '=', ACCOUNT).where('level', '=', 'ad').where('click_window_days', '=', 7).where('view_window_days', '=', 0)
      .where('date', '>=', createdDate).where('date', '<=', addDays(today, -100)).executeTakeFirstOrThrow();
    assert.ok(rows > 0 && rows === Number(stored.n), `rows ${rows}, stored ${stored.n}`);
    const days = (Date.parse(addDays(today, -100)) - Date.parse(createdDate)) / 86_400_000 + 1;
    const leftOut = (Date.parse(createdDate) - Date.parse(addDays(today, -450))) / 86_400_000;
    assert.deepEqual(lines.slice(-2), [
      `backfill done: 2 of 2 pieces stored, ${days} days, ${rows} rows`,
      `clamped: asked from ${addDays(today, -450)}, started at ${createdDate}: ${leftOut} days before the ad account was created left out`,
    ]);
    await waitFor('the piece queued ahead', async () => ((await statusOf()).backfill_queue.length === 0 ? true : undefined));
  });

  it('disconnect ends the workflow; accounts still lists it, marked', async () => {
    const last = JSON.parse(await ok('disconnect', '--ad-account', ACCOUNT, '--by', 'ops: Ana', '--json')) as { connection_status: string };
    assert.equal(last.connection_status, 'disconnected');
    await waitFor('the ended run in visibility', async () => {
      for await (const info of app().temporalClient.workflow.list({ query: `WorkflowType = 'adAccountWorkflow' AND ExecutionStatus = 'Completed'` })) return info.workflowId;
      return undefined;
    });
    const row = await accountRow();
    assert.deepEqual([row.run, row.connection_status, row.paused], ['completed', 'disconnected', false]);
    assert.match(await ok('accounts'), new RegExp(`^${ACCOUNT}\\s+disconnected \\(ended\\)\\s`, 'm'));
    const late = await cli('resume', '--ad-account', ACCOUNT);
    assert.deepEqual([late.code, late.stderr], [1, `--ad-account: the workflow of ad account ${ACCOUNT} has ended (disconnected)\n`]);
  });
});
