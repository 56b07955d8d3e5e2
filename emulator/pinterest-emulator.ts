import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { registerAnalyticsRoutes } from './analytics-routes';
import { registerControlRoutes } from './control-routes';
import { registerConversionRoutes, type RecordedCapiRequest } from './conversion-routes';
import { DeliveryLedger, type CountedEvent, type DeliveryReport } from './delivery-ledger';
import type { EmulatorContext } from './emulator-context';
import { registerEntityRoutes } from './entity-routes';
import { registerMsotRoutes, type RecordedMsotEvent } from './msot-routes';
import { FaultQueue, type Fault, type FaultOptions } from './fault-injection';
import { OAuthGrants } from './oauth-grants';
import { registerOAuthRoutes } from './oauth-routes';
import { ReportJobs, type ReportOutcome } from './report-jobs';
import { registerProductRoutes } from './product-routes';
import { registerReportRoutes } from './report-routes';
import { RequestRecorder, type RecordedExchange } from './request-recording';
import { buildSeed, type SeedAd, type SeedAdGroup, type SeedCampaign, type SeedData } from './seed';

// The names callers import from this path, wherever they are defined.
export { EMULATOR_APP } from './oauth-routes';
export type { RecordedCapiRequest } from './conversion-routes';
export type { RecordedMsotEvent } from './msot-routes';
export type { CountedEvent, DeliveryReport } from './delivery-ledger';
export type { RecordedExchange } from './request-recording';
export type { Fault } from './fault-injection';

/** The emulator's Pinterest user when the seed has no account to take the owner from. */
const EMULATOR_USER_ID = '1099300727702429065';

export interface EmulatorOptions {
  seed?: SeedData;
  /** Wall clock; tests may pin it. */
  now?: () => Date;
  /** Keep every answer body in `exchanges` (default true); false for benchmarks with large answers. */
  keepResponses?: boolean;
}

/**
 * An HTTP stand-in for Pinterest API v5 and its OAuth consent page, serving a seeded ad account.
 * Routes follow ../shared/pinterest/openapi-v5.yaml: `/oauth/` (consent, auto-approved),
 * `POST /v5/oauth/token`, `GET /v5/ad_accounts`, campaigns, ad groups, ads, `ads/analytics`,
 * `POST /v5/ad_accounts/{id}/events` and `.../msot/events`, whose every request is recorded.
 * Each API area's routes are in a module of their own; this class listens, records and injects faults.
 */
export class PinterestEmulator {
  readonly seed: SeedData;
  readonly server: FastifyInstance;
  readonly capiRequests: RecordedCapiRequest[] = [];
  /** Every Measurement Source of Truth event taken (`POST /v5/ad_accounts/{id}/msot/events`). */
  readonly msotEvents: RecordedMsotEvent[] = [];
  /** Every OAuth access and refresh token issued (tests look for them where they must not be). */
  readonly issuedTokens: string[];
  readonly exchanges: RecordedExchange[];
  /** Requests per spec path template, e.g. `GET /ad_accounts/{ad_account_id}/ads`. */
  readonly requestCounts: Map<string, number>;
  private readonly now: () => Date;
  private readonly grants: OAuthGrants;
  private readonly recorder: RequestRecorder;
  private readonly faults = new FaultQueue();
  private readonly reports = new ReportJobs();
  /** Brand / category / SKU report jobs (their own tokens and outcomes). */
  private readonly skuReports = new ReportJobs();
  private readonly delivery = new DeliveryLedger();
  private origin = '';

  constructor(options: EmulatorOptions = {}) {
    this.seed = options.seed ?? buildSeed();
    this.now = options.now ?? (() => new Date());
    this.recorder = new RequestRecorder(options.keepResponses ?? true);
    this.grants = new OAuthGrants(this.now, this.seed.adAccounts[0]?.owner.id ?? EMULATOR_USER_ID);
    this.issuedTokens = this.grants.issuedTokens;
    this.exchanges = this.recorder.exchanges;
    this.requestCounts = this.recorder.requestCounts;
    this.server = Fastify({ logger: false });
    this.server.register(formbody);
    this.server.addHook('onRequest', async (request) => {
      this.recorder.started(request);
    });
    this.server.addHook('onResponse', async (request) => {
      this.recorder.ended(request);
    });
    this.server.addHook('onRequestAbort', async (request) => {
      this.recorder.ended(request);
    });
    this.server.addHook('preHandler', async (request, reply) => {
      const route = request.routeOptions.url ?? '';
      if (!route.startsWith('/v5/')) return;
      this.recorder.count(request.method, route);
      const user = this.grants.userOf(request.headers.authorization);
      if (user) this.recorder.countForUser(user, this.now(), request.method, route);
      return this.faults.answer(request, reply, route);
    });
    this.server.addHook('onSend', async (request, reply, payload) => {
      await this.faults.holdBack(request);
      this.recorder.record(request, reply, payload);
      return payload;
    });
    const context: EmulatorContext = { seed: this.seed, now: this.now, grants: this.grants };
    registerOAuthRoutes(this.server, context);
    registerEntityRoutes(this.server, context);
    registerAnalyticsRoutes(this.server, context);
    registerReportRoutes(this.server, context, this.reports, () => this.origin);
    registerProductRoutes(this.server, context, this.skuReports, () => this.origin);
    registerConversionRoutes(this.server, context, this.capiRequests, this.delivery);
    registerMsotRoutes(this.server, context, this.msotEvents, this.now);
    registerControlRoutes(this.server, this.capiRequests, this.faults, this.delivery);
  }

  /** Starts listening on 127.0.0.1 (port 0: a random free port). @returns the base URL. */
  async listen(port = 0): Promise<string> {
    const address = await this.server.listen({ host: '127.0.0.1', port });
    this.origin = address;
    return address;
  }

  /** Base of the Marketing API under this emulator, e.g. `http://127.0.0.1:4321/v5`. */
  apiBaseUrl(origin: string): string {
    return `${origin}/v5`;
  }

  /** Stops listening; resolves once open connections are closed. */
  async close(): Promise<void> {
    await this.server.close();
  }

  /**
   * Answers the next `times` matching API requests with `fault` instead of the real response;
   * with `forMs`, only those that arrive within that many milliseconds (a storm that passes).
   */
  inject(fault: Fault, options: FaultOptions = {}): void {
    this.faults.inject(fault, options);
  }

  /**
   * Requests received so far, answered or not, whose URL contains `pathContains`. It only grows, so
   * a test waiting for a request to arrive cannot miss it (an in-flight count can end first).
   */
  received(pathContains: string): number {
    return this.recorder.received(pathContains);
  }

  /**
   * Requests received per Pinterest user (the one whose OAuth token they carry), UTC minute of
   * arrival (`YYYY-MM-DDTHH:MM`) and spec route (`GET /ad_accounts/{ad_account_id}/ads/analytics`).
   */
  requestsPerUserMinute(): Array<{ user: string; minute: string; route: string; requests: number }> {
    return this.recorder.requestsPerUserMinute();
  }

  /** Requests received and not yet answered whose URL contains `pathContains` (chaos runs kill the client then). */
  inFlight(pathContains: string): number {
    return this.recorder.inFlight(pathContains);
  }

  /**
   * What Pinterest would have counted from one ad account's Conversions API requests so far, under
   * the cautious deduplication rule (emulator/capi-deduplication.ts): requests, events received,
   * copies counted, copies dropped, events counted more than once and their `event_id`s.
   * Also `GET /_emulator/delivery?ad_account_id=`.
   */
  deliveryReport(adAccountId: string): DeliveryReport {
    return this.delivery.report(adAccountId);
  }

  /**
   * Every event (`event_id` with `event_name`) of the account counted at least once, with how
   * many of its copies counted. Also `GET /_emulator/delivery/events?ad_account_id=`.
   */
  countedEvents(adAccountId: string): CountedEvent[] {
    return this.delivery.countedEvents(adAccountId);
  }

  /**
   * The advertiser creates entities now: from the next request on, Pinterest lists them (and
   * serves the new ads' pins and metrics). Tests use it for an ad Routy hears of before any sync
   * saw it.
   */
  addEntities(entities: { campaigns?: SeedCampaign[]; adGroups?: SeedAdGroup[]; ads?: SeedAd[] }): void {
    this.seed.campaigns.push(...(entities.campaigns ?? []));
    this.seed.adGroups.push(...(entities.adGroups ?? []));
    this.seed.ads.push(...(entities.ads ?? []));
  }

  /** Drops every queued fault: answers are normal again. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** How the next async reports end, one outcome per report created, in order (then FINISHED). */
  nextReportOutcomes(...outcomes: ReportOutcome[]): void {
    this.reports.queueOutcomes(...outcomes);
  }

  /** A conversion access token for one ad account, valid only on its events endpoint. */
  issueConversionToken(adAccountId: string): string {
    return this.grants.issueConversionToken(adAccountId);
  }

  /** Every access token issued so far expires now (the refresh tokens stay valid). */
  expireAccessTokens(): void {
    this.grants.expireAccessTokens();
  }

  /** The user revokes the app: every access and refresh token stops working. */
  revokeGrants(): void {
    this.grants.revokeGrants();
  }
}
