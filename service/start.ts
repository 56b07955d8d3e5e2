// `npm start`: the whole service on the configured (or embedded) parts; Ctrl-C stops it cleanly.
import { loadConfig, unsetPortVariables, usesRealPinterest, type Config } from './config';
import { choosePinterest } from '../demo/emulated-pinterest';
import { startApp, workerGraceSeconds, type RunningApp } from './app';
import { connectThroughOAuth } from './oauth-connect';
import { reportStartUpFailure, wantsStackTraces } from './start-up-failure';

let config: Config;
let app: RunningApp;
try {
  config = loadConfig();
  app = await startApp(config, {
    // Without Pinterest credentials, the demo's emulator.
    pinterest: await choosePinterest(config),
    persistTemporal: true,
    // An unset port variable whose default is taken (a second copy, another dev server) moves to a
    // free port; the ingress's does not with Pinterest credentials (PINTEREST_REDIRECT_URI names it).
    movablePorts: unsetPortVariables().filter((name) => name !== 'ROUTY_HTTP_PORT' || !usesRealPinterest(config)),
    schedule: { pull_interval_seconds: config.ROUTY_PULL_INTERVAL_SECONDS, hold_seconds: config.ROUTY_HOLD_SECONDS },
  });
} catch (error) {
  // A configuration or start-up problem: its message names the variable; no stack trace needed.
  reportStartUpFailure('routy-pinterest', error, wantsStackTraces());
  process.exit(1);
}

let stopping = false;
const stop = async (reason: string, exitCode = 0) => {
  if (stopping) return;
  stopping = true;
  console.error(`\n${reason}: shutting down (worker grace time up to ${workerGraceSeconds(config)} s)...`);
  await app.shutdown();
  console.error('stopped.');
  process.exit(exitCode);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

console.error(`routy-pinterest is running.
  ingress:      ${app.ingressUrl}  (POST /v1/conversions, POST /v1/touchpoints, GET /v1/conversions/{event_id}; API described at /openapi.json)
  connect:      POST ${app.ingressUrl}/v1/connect-links {"advertiser_id": ...} gives a signed link to send the advertiser to
  reports:      ${app.ingressUrl}/reports  (page; API at /v1/reports/performance and /v1/reports/slow-burn)
  temporal:     ${app.temporalAddress}${app.temporalPorts ? ` (dev server; HTTP API on port ${app.temporalPorts.http}, its metrics on http://127.0.0.1:${app.temporalPorts.metrics}/metrics)` : ''}${app.temporalUiUrl ? `\n  temporal UI:  ${app.temporalUiUrl}` : ''}
  database:     ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.ROUTY_DATA_DIR}/pglite`}
  pinterest:    ${app.pinterest.label}`);

if (!usesRealPinterest(config)) {
  try {
    const connected = await connectThroughOAuth(app);
    console.error(`  connected the emulator's demo ad account(s) through OAuth: ${connected.join(', ')}`);
    console.error(`  status:       ad account workflows pinterest-ad-account-<id> in the Temporal UI`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stop('connecting the demo account failed', 1);
  }
}
console.error('Press Ctrl-C to stop.');
