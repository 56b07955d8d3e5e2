// `npm start`: the whole service on the configured (or embedded) parts; Ctrl-C stops it cleanly.
import { loadConfig, usesRealPinterest } from './config';
import { connectThroughOAuth, startApp } from './app';

const config = loadConfig();
const app = await startApp(config, {
  persistTemporal: true,
  schedule: { pull_interval_seconds: config.ROUTY_PULL_INTERVAL_SECONDS, hold_seconds: config.ROUTY_HOLD_SECONDS },
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: shutting down (worker grace time 10 s)...`);
  await app.shutdown();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

console.log(`routy-pinterest is running.
  ingress:      ${app.ingressUrl}  (POST /v1/conversions, POST /v1/touchpoints, GET /healthz)
  connect:      ${app.ingressUrl}/v1/oauth/start
  temporal:     ${app.temporalAddress}${app.temporalUiUrl ? `\n  temporal UI:  ${app.temporalUiUrl}` : ''}
  database:     ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.ROUTY_DATA_DIR}/pglite`}
  pinterest:    ${usesRealPinterest(config) ? 'Pinterest API (credentials configured)' : `emulator at ${app.emulator?.origin}`}`);

if (!usesRealPinterest(config)) {
  try {
    const connected = await connectThroughOAuth(app.ingressUrl);
    console.log(`  connected the emulator's demo ad account(s) through OAuth: ${connected.join(', ')}`);
    console.log(`  status:       ad account workflows pinterest-ad-account-<id> in the Temporal UI`);
  } catch (error) {
    console.error(error);
    await stop('error');
  }
}
console.log('Press Ctrl-C to stop.');
