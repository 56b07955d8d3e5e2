// `npm run bench -- ingest`: 10,000 conversions (and their clicks) sent to one ad account through
// the HTTP ingress as fast as it takes them, on the real dev server and PostgreSQL. Measures the
// time until every one is stored and matched, and how large the workflow's runs and payloads grew.
import { DEMO_AD_ACCOUNT_ID } from '../emulator/seed';
import { adAccountWorkflowId } from '../workflows/shared';
import { connectThroughOAuth } from '../service/oauth-connect';
import { startTestApp } from '../test/support/test-app';

const TOTAL = Number(process.env.BENCH_CONVERSIONS ?? 10_000);
const BATCH = 250;

export async function runIngestBench(): Promise<Record<string, unknown>> {
  const { app, stop } = await startTestApp();
  try {
    await connectThroughOAuth(app);
    const account = DEMO_AD_ACCOUNT_ID;
    const now = Date.now();
    const post = async (route: string, key: string, records: unknown[]) => {
      const response = await fetch(`${app.ingressUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [key]: records }) });
      if (response.status !== 202) throw new Error(`${route}: HTTP ${response.status} ${await response.text()}`);
    };
    const start = performance.now();
    for (let i = 0; i < TOTAL; i += BATCH) {
      const n = Math.min(BATCH, TOTAL - i);
      const ids = Array.from({ length: n }, (_, j) => i + j);
      await post('/v1/touchpoints', 'touchpoints', ids.map((k) => ({ ad_account_id: account, type: 'click', occurred_at: new Date(now - ((k % 28) + 1) * 86_400_000).toISOString(), click_id: `bench-${k}`, ad_id: '687195905901' })));
      await post('/v1/conversions', 'conversions', ids.map((k) => ({ event_id: `bench-${k}`, event_name: 'checkout', event_time: new Date(now - 60_000).toISOString(), ad_account_id: account, value: '25.00', currency: 'USD', click_id: `bench-${k}`, user: { email: `bench${k}@example.com`, ip: '203.0.113.1', user_agent: 'UA' } })));
    }
    const acceptedMs = performance.now() - start;
    for (;;) {
      const row = await app.db.selectFrom('conversions').select((eb) => eb.fn.countAll<string>().as('n')).where('attribution_state', '=', 'matched').where('capi_state', '=', 'sent').executeTakeFirstOrThrow();
      if (Number(row.n) >= TOTAL) break;
      if (performance.now() - start > 600_000) throw new Error(`only ${row.n} of ${TOTAL} processed after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const processedMs = performance.now() - start;
    const runs: Array<{ status: string; historyLength?: number; historySize?: number }> = [];
    for await (const run of app.temporalClient.workflow.list({ query: `WorkflowId = '${adAccountWorkflowId(account)}'` })) {
      runs.push({ status: run.status.name, historyLength: run.historyLength, historySize: run.historySize });
    }
    return {
      conversions: TOTAL,
      touchpoints: TOTAL,
      signal_batch: BATCH,
      accepted_seconds: Math.round(acceptedMs / 100) / 10,
      processed_and_sent_seconds: Math.round(processedMs / 100) / 10,
      conversions_per_minute: Math.round((TOTAL / processedMs) * 60_000),
      goal_per_minute: 10_000,
      workflow_runs: runs.length,
      continued_as_new: runs.filter((r) => r.status === 'CONTINUED_AS_NEW').length,
      largest_run_history_events: Math.max(...runs.map((r) => r.historyLength ?? 0)),
      largest_run_history_bytes: Math.max(...runs.map((r) => r.historySize ?? 0)),
      temporal_history_limits: { events: 51_200, bytes: 52_428_800 },
    };
  } finally {
    await stop();
  }
}
