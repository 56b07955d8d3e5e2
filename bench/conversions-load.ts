// The load behind `npm run bench -- conversions`: open-loop steps of clicks and conversions through
// the HTTP ingress, and what the emulator's Conversions API received of them.
import type { EmulatedPinterest } from '../demo/emulated-pinterest';
import type { RunningApp } from '../service/app';
import { adAccountWorkflowId } from '../workflows/shared';
import { workflowRunSizes, type RunSize } from './workflow-runs';

/** One load step: `rate` conversions a second for `seconds`, `perRequest` conversions per request. */
export interface Step {
  name: string;
  rate: number;
  perRequest: number;
  seconds: number;
}

/** What a step offered and what came of it. Latencies: ingress 202 to Conversions API request, ms. */
export interface StepOutcome {
  offered: number;
  accepted: number;
  refusedRequests: number;
  delivered: number;
  deliverySeconds: number;
  latenciesMs: number[];
  capiRequests: number;
}

const TICK_MS = 100;
const SETTLE_MS = 180_000;
const PIN = '987654321012345603';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Drives one ad account of a running app (with the emulator) and reads what was delivered. */
export class ConversionLoad {
  /** event_id → when the ingress answered 202 for it (epoch ms). */
  private readonly acceptedAt = new Map<string, number>();
  /** event_id → when the emulator first received it, and in how many requests. */
  private readonly received = new Map<string, { at: number; requests: number }>();
  private scanned = 0;
  private stepIndex = 0;

  constructor(
    private readonly app: RunningApp<EmulatedPinterest>,
    private readonly adAccountId: string,
  ) {}

  /** Waits for the account's first pull, so the load meets a settled workflow. */
  async waitForFirstPull(): Promise<void> {
    for (let i = 0; i < 600; i += 1) {
      if ((await this.app.client.status(this.adAccountId)).counters.pulls >= 1) return;
      await sleep(200);
    }
    throw new Error('the first pull did not finish');
  }

  /** Every run of the account's workflow: status, history events and bytes. */
  runs(): Promise<RunSize[]> {
    return workflowRunSizes(this.app.temporalClient, adAccountWorkflowId(this.adAccountId));
  }

  /** Why requests were refused: HTTP status or error, with counts. */
  readonly refusals = new Map<string, number>();

  /** Runs a step on schedule, then waits (up to 3 minutes) until its conversions reached the Conversions API. */
  async runStep(step: Step): Promise<StepOutcome> {
    const stepId = (this.stepIndex += 1);
    const perTick = Math.round((step.rate * TICK_MS) / 1000);
    const ticks = Math.round((step.seconds * 1000) / TICK_MS);
    const ids: string[] = [];
    let refusedRequests = 0;
    const inFlight: Array<Promise<void>> = [];
    const start = Date.now();
    for (let tick = 0; tick < ticks; tick += 1) {
      await sleep(start + tick * TICK_MS - Date.now());
      const batch = Array.from({ length: perTick }, (_, k) => `bench-${stepId}-${tick}-${k}`);
      ids.push(...batch);
      inFlight.push(
        this.sendTick(batch, step.perRequest).then((refused) => {
          refusedRequests += refused;
        }),
      );
    }
    await Promise.all(inFlight);
    const accepted = ids.filter((id) => this.acceptedAt.has(id));
    const deadline = Date.now() + SETTLE_MS;
    while (accepted.some((id) => !this.received.has(id)) && Date.now() < deadline) {
      this.scan();
      await sleep(100);
    }
    this.scan();
    const delivered = accepted.filter((id) => this.received.has(id));
    const lastDelivery = Math.max(start, ...delivered.map((id) => this.received.get(id)!.at));
    const wanted = new Set(accepted);
    const capiRequests = this.app.pinterest.emulator.capiRequests.filter((r) => r.body.data.some((e) => wanted.has(String(e.event_id)))).length;
    return {
      offered: ids.length,
      accepted: accepted.length,
      refusedRequests,
      delivered: delivered.length,
      deliverySeconds: (lastDelivery - start) / 1000,
      latenciesMs: delivered.map((id) => this.received.get(id)!.at - this.acceptedAt.get(id)!),
      capiRequests,
    };
  }

  /**
   * After the steps, by the emulator's reading of Pinterest's deduplication: `lost` (accepted,
   * not stored), `undelivered` (matched, sendable and not stale, never counted), `doubleCounted`
   * (counted more than once) and `reposted` (events in more than one request).
   */
  async finalCheck(): Promise<{ lost: number; undelivered: number; doubleCounted: number; reposted: number }> {
    this.scan();
    const rows = await this.app.db
      .selectFrom('conversions')
      .select(['event_id', 'attribution_state', 'capi_state'])
      .where('ad_account_id', '=', this.adAccountId)
      .where('event_id', 'like', 'bench-%')
      .execute();
    const stored = new Map(rows.map((r) => [r.event_id, r]));
    const emulator = this.app.pinterest.emulator;
    const counted = new Set(emulator.countedEvents(this.adAccountId).map((e) => e.event_id));
    const accepted = [...this.acceptedAt.keys()];
    const lost = accepted.filter((id) => !stored.has(id)).length;
    const undelivered = accepted.filter((id) => {
      const row = stored.get(id);
      return row?.attribution_state === 'matched' && !['not_sendable', 'stale'].includes(row.capi_state) && !counted.has(id);
    }).length;
    const doubleCounted = emulator.deliveryReport(this.adAccountId).events_counted_more_than_once;
    const reposted = [...this.received.values()].filter((r) => r.requests > 1).length;
    return { lost, undelivered, doubleCounted, reposted };
  }

  /** One tick: the clicks in one request, then their conversions `perRequest` at a time. @returns refused requests. */
  private async sendTick(eventIds: string[], perRequest: number): Promise<number> {
    const now = Date.now();
    const clicks = eventIds.map((id) => ({ ad_account_id: this.adAccountId, type: 'click', occurred_at: new Date(now - 3_600_000).toISOString(), click_id: id, pin_id: PIN }));
    if (!(await this.post('/v1/touchpoints', { touchpoints: clicks }))) return 1 + Math.ceil(eventIds.length / perRequest);
    const conversion = (id: string) => ({
      event_id: id,
      event_name: 'checkout',
      event_time: new Date(now).toISOString(),
      ad_account_id: this.adAccountId,
      value: '25.00',
      currency: 'USD',
      order_id: id,
      click_id: id,
      user: { email: `${id}@example.com`, ip: '203.0.113.7', user_agent: 'bench' },
    });
    const chunks: string[][] = [];
    for (let i = 0; i < eventIds.length; i += perRequest) chunks.push(eventIds.slice(i, i + perRequest));
    const answers = await Promise.all(
      chunks.map(async (chunk) => {
        const ok = await this.post('/v1/conversions', { conversions: chunk.map(conversion) });
        if (ok) for (const id of chunk) this.acceptedAt.set(id, Date.now());
        return ok;
      }),
    );
    return answers.filter((ok) => !ok).length;
  }

  private async post(route: string, body: unknown): Promise<boolean> {
    try {
      const response = await fetch(`${this.app.ingressUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await response.text();
      if (response.status !== 202) this.refused(`HTTP ${response.status} ${text.slice(0, 120)}`);
      return response.status === 202;
    } catch (error) {
      this.refused(String((error as Error).cause ?? error).slice(0, 120));
      return false;
    }
  }

  private refused(reason: string): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  /** Reads the emulator's Conversions API requests received since the last scan. */
  private scan(): void {
    const requests = this.app.pinterest.emulator.capiRequests;
    for (; this.scanned < requests.length; this.scanned += 1) {
      const request = requests[this.scanned]!;
      const at = Date.parse(request.received_at);
      for (const event of request.body.data) {
        const id = String(event.event_id);
        const seen = this.received.get(id);
        this.received.set(id, seen ? { at: seen.at, requests: seen.requests + 1 } : { at, requests: 1 });
      }
    }
  }
}
