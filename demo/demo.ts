// `npm run demo [-- --json]`: the whole service on embedded defaults with a realistic Routy
// stream, then a short report. Exits 0 when everything was processed.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { addDays, dateInTimeZone } from '../domain/dates';
import { loadConfig } from '../service/config';
import { startApp, type RunningApp } from '../service/app';
import { reportStartUpFailure, wantsStackTraces } from '../service/start-up-failure';
import { choosePort } from '../temporal/ports';
import { connectWithLink } from '../service/oauth-connect';
import { countMsotBacklog } from '../store/msot-store';
import { countProductMetricRows } from '../store/product-metrics-store';
import { startEmulatedPinterest, type EmulatedPinterest } from './emulated-pinterest';
import { buildDemoReport } from './demo-report';
import { getAdAccount } from '../store/entities-store';
import { feedDemoTraffic } from './demo-traffic';
import { formatProductTable, formatReportTable, formatSlowBurnTable } from '../reports/report-table';
import { formatAlertTable } from '../reports/cpa-alert-table';
import { demoCpaTarget } from './demo-cpa-target';

const options = new Command()
  .name('npm run demo --')
  .description('Run routy-pinterest end to end on embedded parts with the Pinterest emulator and print a report.')
  .option('--json', 'print the report as one JSON object on the last line of stdout')
  .option('--users <n>', 'simulated shoppers', (v) => Number.parseInt(v, 10), 240)
  .option('--keep', 'keep the service running afterwards (report page, CLI, Temporal UI) until Ctrl-C')
  .option('--verbose', 'show the stack trace when start-up fails')
  .parse()
  .opts<{ json?: boolean; users: number; keep?: boolean; verbose?: boolean }>();

// Progress goes to stderr so `--json` leaves stdout to the report.
const say = (line: string) => process.stderr.write(`${line}\n`);

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'routy-pinterest-demo-'));
let app: RunningApp<EmulatedPinterest>;
let target: ReturnType<typeof demoCpaTarget>;
try {
  // Checked before anything starts: a bad value fails in one line, not after the whole demo.
  target = demoCpaTarget(process.env);
  const config = loadConfig({
    ...process.env,
    // Embedded defaults, whatever the shell has set: a fresh PGlite, a dev server, the emulator.
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    PINTEREST_APP_ID: '',
    PINTEREST_APP_SECRET: '',
    PINTEREST_REDIRECT_URI: '',
    PINTEREST_API_BASE_URL: '',
    ROUTY_INGRESS_TOKEN: 'demo-ingress-token',
    // Free ports for everything, so a demo runs beside `npm start` or another demo; the dev
    // server's (gRPC, HTTP API, metrics, and the UI with --keep) are free ones too. The SDK's
    // metrics only matter to a kept service's GET /metrics.
    ROUTY_HTTP_PORT: '0',
    ROUTY_SDK_METRICS_PORT: options.keep ? String(await choosePort({ variable: 'ROUTY_SDK_METRICS_PORT', port: 0, fixed: false })) : '0',
    ROUTY_DATA_DIR: dataDir,
    ROUTY_LOG_LEVEL: process.env.ROUTY_LOG_LEVEL ?? 'WARN',
  });
  say(`Starting PGlite, the Temporal dev server${options.keep ? ' with its UI' : ''}, the worker, the ingress and the Pinterest emulator...`);
  app = await startApp(config, { log: say, pinterest: await startEmulatedPinterest(config), temporalUi: options.keep, movablePorts: ['ROUTY_SDK_METRICS_PORT'] });
} catch (error) {
  // One line naming the cause (the stack with --verbose), and no demo folder left behind.
  reportStartUpFailure('the demo', error, Boolean(options.verbose) || wantsStackTraces());
  await rm(dataDir, { recursive: true, force: true });
  process.exit(1);
}
let exitCode = 0;
try {
  // The link asks for msot:write too: the demo account opts in to Measurement Source of Truth events.
  const connected = await connectWithLink(app, { msot: true });
  const [adAccountId] = connected.body.connected_ad_account_ids ?? [];
  if (!adAccountId) throw new Error(`OAuth connect failed: ${connected.body.error ?? connected.status}`);
  say(`Connected ad account ${adAccountId} through the OAuth flow; waiting for the first pull...`);
  await app.client.setMsotOptIn(adAccountId, { opt_in: true });
  await until(async () => (await app.client.status(adAccountId)).counters.pulls >= 1);

  say(`Feeding ${options.users} simulated shoppers' touchpoints and conversions, then late clicks, and waiting until all are processed and sent...`);
  await feedDemoTraffic(app, adAccountId, options.users);
  // Each conversion sent is then posted as an MSOT event: wait for those too.
  await until(async () => (await countMsotBacklog(app.db, adAccountId)) === 0);
  // Pinterest's own product figures: the brand / category / SKU report, asked for after the first pull.
  await until(async () => (await countProductMetricRows(app.db, adAccountId, 'sku')) > 0);
  // The account's target cost per conversion; setting it evaluates the alerts (status.cpa_alerts).
  const asked = Date.now();
  await app.client.setCpaTargets(adAccountId, { account: target });
  await until(async () => Date.parse((await app.client.status(adAccountId)).cpa_alerts?.evaluated_at ?? '1970-01-01') >= asked);

  const account = await getAdAccount(app.db, adAccountId);
  const today = dateInTimeZone(new Date(), account.time_zone ?? 'UTC');
  const report = await buildDemoReport(app.db, adAccountId, addDays(today, -29), today);
  console.log(`Ad account ${adAccountId} (${account.name}), spend ${report.start_date} to ${report.end_date}, ${report.currency}, windows ${account.click_window_days}d click / ${account.engagement_window_days}d engagement / ${account.view_window_days}d view`);
  console.log(`\nPer campaign: cost per conversion when conversions up to 30 days after the click or save count, beside 7 days\n${formatReportTable(report.campaigns)}`);
  console.log(`\nPer pin\n${formatReportTable(report.pins)}`);
  console.log(`\nPer product (SKU): conversions, units, revenue and cost share up to 30 days after the touch, beside 7 days, and the pins that drove them\n${formatProductTable(report.product_rows)}`);
  console.log(`\nCPA alerts at a target of ${target} ${report.currency} per conversion: 30 days and 7 days on different sides of it\n${formatAlertTable(report.alerts)}`);
  console.log(`\nSlow burn per campaign: share of conversions by days since the click or save\n${formatSlowBurnTable(report.slow_burn)}`);
  const c = report.counts;
  console.log(
    `\nConversions: ${c.conversions} received, ${c.attributed} attributed (${c.attributed_with_lag_over_7_days} with lag over 7 days), ${c.pending} pending, ${c.expired} expired; ${c.sent_to_conversions_api} sent to the Conversions API (in ${app.pinterest.emulator.capiRequests.length} request${app.pinterest.emulator.capiRequests.length === 1 ? '' : 's'} to the emulator), ${c.msot_posted} posted as MSOT events.`,
  );
  if (options.json) console.log(JSON.stringify(report));
  if (options.keep) {
    say(`\nStill running (Ctrl-C stops it and deletes the demo data):`);
    say(`  report page:  ${app.ingressUrl}/reports#token=${app.ingressToken}`);
    say(`  CLI:          ROUTY_INGRESS_TOKEN=${app.ingressToken} npx routy-pinterest report --url ${app.ingressUrl} --level pin --window 30 --compare 7`);
    say(`                ROUTY_INGRESS_TOKEN=${app.ingressToken} npx routy-pinterest slow-burn --url ${app.ingressUrl} --level campaign`);
    say(`                ROUTY_INGRESS_TOKEN=${app.ingressToken} npx routy-pinterest report --url ${app.ingressUrl} --level product`);
    say(`  Temporal UI:  ${app.temporalUiUrl ?? 'none'}  (workflow pinterest-ad-account-${adAccountId}; its payloads show encrypted, the codec endpoint needs the token)`);
    say(`  temporal:     ${app.temporalAddress}  (operator CLI: TEMPORAL_ADDRESS=${app.temporalAddress} ROUTY_DATA_DIR=${dataDir} npx routy-pinterest accounts)`);
    // Ctrl-C in a terminal signals the whole process group, and npm and tsx pass it on again: the
    // first signal stops the demo, the copies that follow it are heard and ignored (unheard, one
    // would kill the process before the demo data is deleted); a Ctrl-C 2 s later forces an exit.
    await new Promise<void>((resolve) => {
      let firstAt: number | undefined;
      const stop = () => {
        if (firstAt === undefined) {
          firstAt = Date.now();
          say('Stopping; deleting the demo data (Ctrl-C again in 2 s forces an exit)...');
          resolve();
        } else if (Date.now() - firstAt > 2_000) process.exit(130);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  }
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await app.shutdown();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);

async function until(done: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('the demo did not finish processing within 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
