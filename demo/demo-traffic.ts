import type { RunningApp } from '../service/app';
import type { EmulatedPinterest } from './emulated-pinterest';
import { buildDemoStream, type DemoStream } from './demo-stream';
import { conversionCounts, storedClickCount } from '../reports/conversion-counts';

/**
 * Feeds the demo's Routy stream (touchpoints, conversions, then late clicks) to a running app
 * through its HTTP ingress, 100 records a request, and waits until every record is processed and
 * every match has a Conversions API outcome. Needs the emulator (its seed names the ads).
 * @throws Error when a batch is refused or processing takes over `timeoutMs` (default 2 min).
 */
export async function feedDemoTraffic(app: RunningApp<EmulatedPinterest>, adAccountId: string, users: number, timeoutMs = 120_000): Promise<DemoStream> {
  const stream = buildDemoStream(app.pinterest.emulator.seed, Date.now(), users);
  const post = async (route: string, key: string, records: unknown[]) => {
    for (let i = 0; i < records.length; i += 100) {
      const response = await fetch(`${app.ingressUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(app.ingressToken ? { authorization: `Bearer ${app.ingressToken}` } : {}) },
        body: JSON.stringify({ [key]: records.slice(i, i + 100) }),
      });
      const body = (await response.json()) as { rejected?: unknown[] };
      if (response.status !== 202 || body.rejected?.length) throw new Error(`${route} answered ${response.status}: ${JSON.stringify(body)}`);
    }
  };
  await post('/v1/touchpoints', 'touchpoints', stream.touchpoints);
  await post('/v1/conversions', 'conversions', stream.conversions);
  await post('/v1/touchpoints', 'touchpoints', stream.lateTouchpoints);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await app.client.status(adAccountId);
    if (status.buffered_conversions + status.buffered_touchpoints === 0 && !status.records_waiting) {
      const counts = await conversionCounts(app.db, adAccountId);
      const late = await storedClickCount(app.db, stream.lateTouchpoints.map((t) => t.click_id!));
      const done =
        counts.conversions === stream.conversions.length &&
        late === stream.lateTouchpoints.length &&
        counts.attributed_with_capi_outcome === counts.attributed;
      if (done) return stream;
    }
    if (Date.now() > deadline) throw new Error(`the demo traffic was not processed within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
