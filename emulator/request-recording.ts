import type { FastifyReply, FastifyRequest } from 'fastify';

/** One request/response pair, kept so tests can check both against the OpenAPI description. */
export interface RecordedExchange {
  method: string;
  /** Spec path template, e.g. `/ad_accounts/{ad_account_id}/ads`. */
  route: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
  response: unknown;
  /** When the answer was sent (epoch milliseconds): tests read the wait between an error and the next try. */
  answered_at?: number;
}

/** A `/v5/...` Fastify route as the spec writes its path: `/ad_accounts/:ad_account_id` → `/ad_accounts/{ad_account_id}`. */
const specPath = (route: string): string => route.slice(3).replace(/:([a-z_]+)/g, '{$1}');

/** What the emulator received: requests in flight, requests per API route, every API exchange. */
export class RequestRecorder {
  /** Every `/v5` request and its answer, in the order answered. */
  readonly exchanges: RecordedExchange[] = [];
  /** Requests per spec path template, e.g. `GET /ad_accounts/{ad_account_id}/ads`. */
  readonly requestCounts = new Map<string, number>();
  /** Requests per Pinterest user, minute and route: key `user|YYYY-MM-DDTHH:MM|METHOD /route`. */
  private readonly userMinutes = new Map<string, number>();
  /** URL of every request received and not yet answered, by request id. */
  private readonly inFlightUrls = new Map<string, string>();
  /** URL of every request received, answered or not, in arrival order. */
  private readonly receivedUrls: string[] = [];

  /** @param keepResponses false: exchanges keep no answer body (`response` undefined), for long runs with large answers. */
  constructor(private readonly keepResponses = true) {}

  /** A request arrived. */
  started(request: FastifyRequest): void {
    this.inFlightUrls.set(request.id, request.url);
    this.receivedUrls.push(request.url);
  }

  /** A request was answered or aborted by the client. */
  ended(request: FastifyRequest): void {
    this.inFlightUrls.delete(request.id);
  }

  /** Counts a request to an API route. @param route the Fastify route, starting with `/v5/`. */
  count(method: string, route: string): void {
    const key = `${method} ${specPath(route)}`;
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
  }

  /**
   * Counts a request to an API route against the Pinterest user whose token it carries, in the
   * UTC minute `at` falls in (Pinterest's budgets are per user per minute).
   */
  countForUser(userId: string, at: Date, method: string, route: string): void {
    const key = `${userId}|${at.toISOString().slice(0, 16)}|${method} ${specPath(route)}`;
    this.userMinutes.set(key, (this.userMinutes.get(key) ?? 0) + 1);
  }

  /** Requests received per Pinterest user, UTC minute (`YYYY-MM-DDTHH:MM`) and spec route (`GET /ad_accounts/{ad_account_id}/ads`). */
  requestsPerUserMinute(): Array<{ user: string; minute: string; route: string; requests: number }> {
    return [...this.userMinutes].map(([key, requests]) => {
      const [user, minute, route] = key.split('|') as [string, string, string];
      return { user, minute, route, requests };
    });
  }

  /** Keeps an API request with the answer about to be sent (`payload`, parsed when it is JSON). */
  record(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const route = request.routeOptions.url;
    if (!route?.startsWith('/v5/')) return;
    let response: unknown = this.keepResponses ? payload : undefined;
    try {
      if (this.keepResponses && typeof payload === 'string') response = JSON.parse(payload);
    } catch {
      // not JSON: keep as sent
    }
    this.exchanges.push({
      method: request.method,
      route: specPath(route),
      query: { ...(request.query as object) },
      body: request.body,
      status: reply.statusCode,
      response,
      answered_at: Date.now(),
    });
  }

  /** Requests received so far, answered or not, whose URL contains `pathContains`: it only grows. */
  received(pathContains: string): number {
    return this.receivedUrls.filter((url) => url.includes(pathContains)).length;
  }

  /** Requests received and not yet answered whose URL contains `pathContains`. */
  inFlight(pathContains: string): number {
    return [...this.inFlightUrls.values()].filter((url) => url.includes(pathContains)).length;
  }
}
