// A steady stream of Routy traffic through the HTTP ingress, as Routy sends it: each round a
// batch of clicks and a batch of conversions (most match a click, some wait); a refused or
// unanswered request is sent again until it is answered 202, as a client with retries would.

const DAY_MS = 86_400_000;

export class SteadyLoad {
  /** event_ids answered 202 (committed to PostgreSQL). */
  readonly accepted = new Set<string>();
  touchpointsAccepted = 0;
  retries = 0;
  private running = false;
  private loop?: Promise<void>;
  private round = 0;

  constructor(
    private readonly options: { ingressUrl: string; token: string; adAccountId: string; adIds: string[]; perRound: number; intervalMs: number; runId: string },
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sendRound();
        await new Promise((resolve) => setTimeout(resolve, this.options.intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async sendRound(): Promise<void> {
    const { adAccountId, adIds, perRound, runId } = this.options;
    const round = (this.round += 1);
    const now = Date.now();
    const touchpoints = Array.from({ length: perRound }, (_, i) => ({
      ad_account_id: adAccountId,
      type: 'click',
      occurred_at: new Date(now - (1 + ((round + i) % 20)) * DAY_MS).toISOString(),
      click_id: `chaos-${runId}-${round}-${i}`,
      ad_id: adIds[(round + i) % adIds.length],
    }));
    const conversions = Array.from({ length: perRound }, (_, i) => ({
      event_id: `chaos-${runId}-${round}-${i}`,
      event_name: 'checkout',
      event_time: new Date(now - 60_000).toISOString(),
      ad_account_id: adAccountId,
      value: (10 + ((round * 7 + i) % 90)).toFixed(2),
      currency: 'USD',
      // One in five never clicked: it waits in the hold.
      ...(i % 5 === 4 ? {} : { click_id: `chaos-${runId}-${round}-${i}` }),
      user: { email: `chaos-${round}-${i}@example.com`, ip: '203.0.113.5', user_agent: 'chaos' },
    }));
    await this.postUntilAccepted('/v1/touchpoints', { touchpoints });
    this.touchpointsAccepted += touchpoints.length;
    await this.postUntilAccepted('/v1/conversions', { conversions });
    for (const c of conversions) this.accepted.add(c.event_id);
  }

  private async postUntilAccepted(route: string, body: unknown): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const status = await fetch(`${this.options.ingressUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      })
        .then(async (r) => {
          if (r.status !== 202) await r.text();
          return r.status;
        })
        .catch(() => 0);
      if (status === 202) return;
      if (status === 400) throw new Error(`the ingress refused a valid batch on ${route}`);
      this.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 200 * (attempt + 1))));
    }
  }
}
