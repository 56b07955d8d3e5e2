// `npm run bench -- ingress-adversarial`: the hostile request shapes of issue 14 (200,000 keys,
// 1 MB keys, nesting a million deep, 5,000 broken records, 4 MB strings, a made-up signature on
// 8 MB; bench/chaos/adversarial-bodies.ts), each sent BENCH_REPEATS times (default 3) to the real
// app (dev server, PostgreSQL, worker in process) with `/healthz` polled meanwhile. Reports the
// worst answer time (ms) and its case, `/healthz`'s worst time during them and when idle, and
// per-case figures. Small enough for a 2-core machine (well under 2 minutes).
import { DEMO_AD_ACCOUNT_ID } from '../emulator/seed';
import { connectThroughOAuth } from '../service/oauth-connect';
import { startTestApp } from '../test/support/test-app';
import { postAdversarial } from './chaos/adversarial-bodies';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TOKEN = 'bench-adversarial-token';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Runs the cases and returns the figures written to bench/results/ingress-adversarial.json. @throws when the app does not start. */
export async function runIngressAdversarialBench(): Promise<Record<string, unknown>> {
  const { app, stop } = await startTestApp({ ROUTY_INGRESS_TOKEN: TOKEN });
  try {
    await connectThroughOAuth(app);
    const idle: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const start = performance.now();
      await (await fetch(`${app.ingressUrl}/healthz`)).arrayBuffer();
      idle.push(performance.now() - start);
    }
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    const { answers, failures } = await postAdversarial({ ingressUrl: app.ingressUrl, headers, adAccountId: DEMO_AD_ACCOUNT_ID, repeats: REPEATS });
    const worst = answers.reduce((a, b) => (b.answer_ms > a.answer_ms ? b : a));
    const cases: Record<string, unknown> = {};
    for (const name of new Set(answers.map((a) => a.case))) {
      const runs = answers.filter((a) => a.case === name);
      cases[name] = {
        body_bytes: runs[0]!.body_bytes,
        status: runs[0]!.status,
        answer_ms_median: median(runs.map((r) => r.answer_ms)),
        answer_ms_worst: Math.max(...runs.map((r) => r.answer_ms)),
        answer_bytes: runs[0]!.answer_bytes,
        most_issues_per_record: runs[0]!.most_issues_per_record,
        healthz_worst_ms: Math.max(...runs.map((r) => r.healthz_worst_ms)),
      };
    }
    return {
      repeats: REPEATS,
      worst_answer_ms: worst.answer_ms,
      worst_answer_case: worst.case,
      healthz_worst_ms_during: Math.max(...answers.map((a) => a.healthz_worst_ms)),
      healthz_idle_median_ms: Math.round(median(idle) * 10) / 10,
      failures,
      cases,
    };
  } finally {
    await stop();
  }
}
