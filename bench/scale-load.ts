// The scale benchmark's Routy side: advertisers connecting through the real OAuth redirect chain,
// a light stream of clicks and conversions through the ingress, and the check that every accepted
// conversion was stored.
import type { Kysely } from 'kysely';
import { prng } from '../emulator/seed';
import type { Database } from '../store/database-schema';

/** The ingress as Routy reaches it. */
export interface Ingress {
  url: string;
  token: string;
}

const post = (ingress: Ingress, path: string, body: unknown) =>
  fetch(`${ingress.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingress.token}` }, body: JSON.stringify(body) });

/**
 * One advertiser connects every ad account of one Pinterest user: a connect link from the ingress,
 * `/v1/oauth/start` (the flow's cookie), the emulator's consent page signed in as `pinterestUserId`
 * (the browser's Pinterest session), then the ingress callback with the cookie.
 * @returns the ad account ids the callback connected. @throws Error with the step's answer when one fails.
 */
export async function connectUser(ingress: Ingress, advertiserId: string, pinterestUserId: string): Promise<string[]> {
  const link = await post(ingress, '/v1/connect-links', { advertiser_id: advertiserId });
  if (link.status !== 201) throw new Error(`connect link for ${advertiserId}: ${link.status} ${await link.text()}`);
  const start = await fetch(((await link.json()) as { url: string }).url, { redirect: 'manual' });
  if (start.status !== 302) throw new Error(`oauth start for ${advertiserId}: ${start.status} ${await start.text()}`);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const consentUrl = new URL(start.headers.get('location')!);
  consentUrl.searchParams.set('emulator_user_id', pinterestUserId);
  const consent = await fetch(consentUrl, { redirect: 'manual' });
  if (consent.status !== 302) throw new Error(`consent for ${advertiserId}: ${consent.status} ${await consent.text()}`);
  const callback = await fetch(consent.headers.get('location')!, { headers: { cookie } });
  const body = (await callback.json()) as { connected_ad_account_ids?: string[]; error?: string };
  if (callback.status !== 200 || !body.connected_ad_account_ids) throw new Error(`callback for ${advertiserId}: ${callback.status} ${body.error ?? ''}`);
  return body.connected_ad_account_ids;
}

/**
 * A light, steady load: every second, `perSecond` clicks (one request) and then their conversions
 * (another), each on a random connected account, through the ingress. Keeps the `event_id`s the
 * ingress accepted. Request failures are counted, never retried.
 */
export class ConversionLoad {
  readonly accepted: string[] = [];
  requests = 0;
  failedRequests = 0;
  private stopped = false;
  private running?: Promise<void>;
  private readonly random = prng(15);
  startedAt = 0;
  stoppedAt = 0;

  constructor(
    private readonly ingress: Ingress,
    private readonly connected: () => Array<{ adAccountId: string; adId: string }>,
    readonly perSecond: number,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    this.stoppedAt = Date.now();
  }

  private async loop(): Promise<void> {
    for (let tick = 0; !this.stopped; tick += 1) {
      const due = this.startedAt + tick * 1000;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const accounts = this.connected();
      if (accounts.length === 0) continue;
      await this.send(tick, accounts).catch(() => {
        this.failedRequests += 1;
      });
    }
  }

  private async send(tick: number, accounts: Array<{ adAccountId: string; adId: string }>): Promise<void> {
    const now = Date.now();
    const picks = Array.from({ length: this.perSecond }, (_, k) => ({ ...accounts[Math.floor(this.random() * accounts.length)]!, n: `${tick}-${k}` }));
    const touchpoints = picks.map((p) => ({ ad_account_id: p.adAccountId, type: 'click', occurred_at: new Date(now - 600_000).toISOString(), click_id: `scale-click-${p.n}`, ad_id: p.adId }));
    this.requests += 1;
    const touched = await post(this.ingress, '/v1/touchpoints', { touchpoints });
    if (touched.status !== 202) this.failedRequests += 1;
    const conversions = picks.map((p) => ({
      event_id: `scale-event-${p.n}`,
      event_name: 'checkout',
      event_time: new Date(now - 1_000).toISOString(),
      ad_account_id: p.adAccountId,
      order_id: `scale-order-${p.n}`,
      value: '19.90',
      currency: 'USD',
      click_id: `scale-click-${p.n}`,
      user: { email: `buyer-${p.n}@example.com` },
    }));
    this.requests += 1;
    const answer = await post(this.ingress, '/v1/conversions', { conversions });
    if (answer.status !== 202) {
      this.failedRequests += 1;
      return;
    }
    const body = (await answer.json()) as { rejected: Array<{ index: number }>; duplicates: Array<{ index: number }> };
    const refused = new Set([...body.rejected, ...body.duplicates].map((r) => r.index));
    conversions.forEach((c, index) => {
      if (!refused.has(index)) this.accepted.push(c.event_id);
    });
  }
}

/**
 * Waits (up to `timeoutMs`) until the inbox holds no record, then counts the accepted conversions
 * with no stored row (`conversions`, in any attribution state): accepted but never stored.
 * @returns lost, and how many were stored, matched (attributed to a click) and still in the inbox.
 */
export async function lostConversions(db: Kysely<Database>, accepted: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let inbox = 0;
  for (;;) {
    inbox = Number((await db.selectFrom('record_inbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    if (inbox === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const stored = new Map<string, string>();
  for (let i = 0; i < accepted.length; i += 5_000) {
    const rows = await db.selectFrom('conversions').select(['event_id', 'attribution_state']).where('event_id', 'in', accepted.slice(i, i + 5_000)).execute();
    for (const row of rows) stored.set(row.event_id, row.attribution_state);
  }
  return {
    lost: accepted.filter((id) => !stored.has(id)).length,
    stored: stored.size,
    matched: [...stored.values()].filter((state) => state === 'matched').length,
    left_in_inbox: inbox,
  };
}
