// `npm run bench -- conversions`: sustained load through the HTTP ingress (clicks, then the
// conversions they lead to) to the emulator's Conversions API, on the real dev server and
// PostgreSQL, in steps of a fixed rate (open loop: requests leave on schedule whether or not the
// last ones were answered). Measures delivery throughput, the time from the ingress's 202 to the
// Conversions API request, requests per 1,000 events, workflow history per conversion, the
// process's peak memory, and whether anything was lost, left undelivered or counted twice.
import { DEMO_AD_ACCOUNT_ID } from '../emulator/seed';
import { connectThroughOAuth } from '../service/oauth-connect';
import { startTestApp } from '../test/support/test-app';
import { adAccountWorkflowId } from '../workflows/shared';
import { ConversionLoad, type Step } from './conversions-load';
import { largestRun } from './workflow-runs';

const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 60);
/** The top step's rate and the latency step's, conversions per second. */
const TOP_RATE = Number(process.env.BENCH_TOP_RATE ?? 2000);
const LATENCY_RATE = 500;

const GOALS = {
  conversions_per_second: 2000,
  p99_latency_ms_at_500_per_second: 1000,
  capi_requests_per_1000_at_most: 1.1,
  history_events_per_conversion_at_most: 0.02,
};

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs the steps and returns the figures written to bench/results/conversions.json. */
export async function runConversionsBench(): Promise<Record<string, unknown>> {
  const { app, stop } = await startTestApp({ PINTEREST_REQUEST_TIMEOUT_SECONDS: '30' });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  try {
    await connectThroughOAuth(app);
    const load = new ConversionLoad(app, DEMO_AD_ACCOUNT_ID);
    await load.waitForFirstPull();
    const historyEvents = async () => (await load.runs()).reduce((sum, run) => sum + run.historyLength, 0);
    const steps: Step[] = [
      { name: `${LATENCY_RATE}/s in batches`, rate: LATENCY_RATE, perRequest: 50, seconds: STEP_SECONDS },
      { name: `${TOP_RATE}/s in batches`, rate: TOP_RATE, perRequest: 200, seconds: STEP_SECONDS },
      { name: `${LATENCY_RATE}/s one conversion per request`, rate: LATENCY_RATE, perRequest: 1, seconds: STEP_SECONDS },
    ];
    const results = [];
    for (const step of steps) {
      const eventsBefore = await historyEvents();
      const outcome = await load.runStep(step);
      const latencies = outcome.latenciesMs.sort((a, b) => a - b);
      results.push({
        step: step.name,
        seconds: step.seconds,
        offered: outcome.offered,
        accepted: outcome.accepted,
        refused_requests: outcome.refusedRequests,
        delivered: outcome.delivered,
        delivered_per_second: round(outcome.delivered / outcome.deliverySeconds, 0),
        p50_latency_ms: percentile(latencies, 50),
        p99_latency_ms: percentile(latencies, 99),
        capi_requests: outcome.capiRequests,
        capi_requests_per_1000: round((outcome.capiRequests / Math.max(1, outcome.delivered)) * 1000),
        history_events: (await historyEvents()) - eventsBefore,
        history_events_per_conversion: round(((await historyEvents()) - eventsBefore) / Math.max(1, outcome.accepted), 4),
      });
    }
    const [latency, top, single] = results;
    const runs = await load.runs();
    const check = await load.finalCheck();
    return {
      steps: results,
      conversions_per_second: top!.delivered_per_second,
      p50_latency_ms: latency!.p50_latency_ms,
      p99_latency_ms: latency!.p99_latency_ms,
      capi_requests_per_1000: top!.capi_requests_per_1000,
      history_events_per_conversion: round(results.reduce((s, r) => s + r.history_events, 0) / Math.max(1, results.reduce((s, r) => s + r.accepted, 0)), 4),
      history_events_per_conversion_one_per_request: single!.history_events_per_conversion,
      worker_peak_rss_mb: Math.round(peakRss / 2 ** 20),
      ...largestRun(runs),
      refusals: Object.fromEntries(load.refusals),
      lost: check.lost,
      undelivered: check.undelivered,
      double_counted: check.doubleCounted,
      reposted_events: check.reposted,
      goals: GOALS,
      workflow_id: adAccountWorkflowId(DEMO_AD_ACCOUNT_ID),
      note: 'worker_peak_rss_mb is the whole bench process: ingress, worker and load generator share it',
    };
  } finally {
    clearInterval(sampler);
    await stop();
  }
}
