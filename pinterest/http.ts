import { createHash } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { batchSpanOptions } from '../observability/batch-tracing';
import { pinterestApiCalls } from '../observability/metrics';
import { z } from 'zod';
import { InMemoryRequestBudget, type RateLimitCategory, type RequestBudget } from './request-budget';
import { routeTemplate } from './route-template';

/** The tracer of Pinterest calls: the OpenTelemetry API's no-op unless observability/tracing.ts installed a provider. */
const tracer = trace.getTracer('routy-pinterest/pinterest');

/** Span attribute: the request's `x-ratelimit-category` (see RateLimitCategory). */
const RATE_LIMIT_CATEGORY_ATTRIBUTE = 'pinterest.rate_limit_category';

/** Pinterest's error body (components.schemas.Error): `{ code, message }`. */
const errorBodySchema = z.object({ code: z.number(), message: z.string() }).partial().passthrough();

/**
 * Pinterest error `code`s that mean "try again later" in any HTTP status: the request was fine and
 * Pinterest could not serve it this time. 8: "You have exceeded your rate limit. Try again later."
 * (also a rate limit, see `rateLimited`); 12: "Something went wrong. Please try again later."
 * (Pinterest's generic server fault, answered with a 400). Any other `code` on a 4xx is a refusal
 * of the request itself and is not retried (unless the answer asks for a retry, see `retryAsked`).
 */
const TRANSIENT_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [8, 'rate limit exceeded'],
  [12, 'something went wrong, try again later'],
]);

/**
 * A non-2xx answer from Pinterest, with its HTTP status and Pinterest's own `code` and
 * `message` kept so operators see what Pinterest said.
 */
export class PinterestApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    readonly pinterestMessage: string,
    readonly path: string,
    readonly body: unknown,
    /**
     * Seconds Pinterest asks us to wait, the longest of `Retry-After`, `X-RateLimit-Reset` and a
     * "retry after N seconds" in the message (see `parseRetryAfter`).
     */
    readonly retryAfterSeconds?: number,
    /** The answer itself asked for a retry: a `Retry-After` header or "retry after N seconds" in its message. */
    readonly retryAsked = false,
  ) {
    super(`Pinterest ${path} answered HTTP ${status}${code !== undefined ? ` (code ${code})` : ''}: ${pinterestMessage}`);
    this.name = 'PinterestApiError';
  }

  /** HTTP 429, or Pinterest's code 8 ("rate limit exceeded") in any status. */
  get rateLimited(): boolean {
    return this.status === 429 || this.code === 8;
  }

  /**
   * Worth another try: 429 or code 8, 5xx, a code of `TRANSIENT_ERROR_CODES` (12 in a 400) in any
   * status, or an answer that asked for a retry (`retryAsked`, any status and code); 401 is
   * retried after a token refresh.
   */
  get retryable(): boolean {
    return this.rateLimited || this.status >= 500 || this.status === 401 || (this.code !== undefined && TRANSIENT_ERROR_CODES.has(this.code)) || this.retryAsked;
  }
}

/** "retry after 6 seconds", "Retry after 2 minutes", "retry after 1.5s": the wait in a message. */
const MESSAGE_HINT = /retry after (\d+(?:\.\d+)?) ?(second|sec|s\b|minute|min|hour|h\b)/i;

/**
 * Seconds to wait from an error answer, the longest hint present: `X-RateLimit-Reset` (seconds
 * until the window resets; an epoch-seconds value is converted), `Retry-After` (seconds, or an
 * HTTP date), and "retry after N seconds|minutes|hours" in the message. Undefined without any.
 */
export function parseRetryAfter(resetHeader: string | null, message: string, nowMs: number, retryAfterHeader: string | null = null): number | undefined {
  const waits: number[] = [];
  const reset = resetHeader === null ? Number.NaN : Number(resetHeader.split(',')[0]);
  if (Number.isFinite(reset) && reset >= 0) waits.push(reset > 1e9 ? Math.max(0, reset - Math.floor(nowMs / 1000)) : reset);
  const retryAfter = retryAfterSeconds(retryAfterHeader, nowMs);
  if (retryAfter !== undefined) waits.push(retryAfter);
  const hint = MESSAGE_HINT.exec(message);
  if (hint) {
    const unit = hint[2]!.toLowerCase();
    const factor = unit.startsWith('h') ? 3600 : unit.startsWith('m') ? 60 : 1;
    waits.push(Math.ceil(Number(hint[1]) * factor));
  }
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/** A `Retry-After` header in seconds: delta-seconds, or an HTTP date (the seconds until it, at least 0). */
function retryAfterSeconds(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/** The answer asks for a retry itself: a readable `Retry-After` header, or a wait in its message. */
function asksForRetry(retryAfterHeader: string | null, message: string, nowMs: number): boolean {
  return retryAfterSeconds(retryAfterHeader, nowMs) !== undefined || MESSAGE_HINT.test(message);
}

const credentialDigest = (authorization: string) => createHash('sha256').update(authorization).digest('hex').slice(0, 16);

type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

export interface PinterestRequest<T> {
  method: 'GET' | 'POST';
  /** Path under the API base, e.g. `/ad_accounts/123/ads`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Bearer token for the Marketing and Conversions APIs. */
  accessToken?: string;
  /** HTTP Basic client credentials, for `POST /oauth/token`. */
  basicAuth?: { username: string; password: string };
  json?: unknown;
  form?: Record<string, string>;
  /** zod schema the 2xx body must match; a mismatch throws. */
  schema: z.ZodType<T>;
  /** The operation's `x-ratelimit-category`; the request waits for its budget. */
  category: RateLimitCategory;
}

/**
 * Thin HTTP client for Pinterest API v5 (`https://api.pinterest.com/v5` or the emulator).
 * Arrays in the query are repeated keys (`ad_ids=1&ad_ids=2`), OpenAPI's form/explode style.
 */
export class PinterestHttp {
  /** Budget owner by credential digest (see `assignBudgetOwner`), oldest first. */
  private readonly owners = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly budget: RequestBudget = new InMemoryRequestBudget(),
    private readonly fetchImpl: typeof fetch = fetch,
    /** How long one request may take before it is abandoned (milliseconds). */
    private readonly timeoutMs = 60_000,
  ) {}

  /**
   * Spends the requests made with `accessToken` from `owner`'s budget (`user:<Pinterest user id>`,
   * see pinterest/user-account.ts: a refreshed token keeps its user's budget). A credential never
   * assigned spends the budget of its own digest (`credential:<digest>`). Remembers the last
   * 10,000 credentials.
   */
  assignBudgetOwner(accessToken: string, owner: string): void {
    const digest = credentialDigest(`Bearer ${accessToken}`);
    this.owners.delete(digest);
    this.owners.set(digest, owner);
    if (this.owners.size > 10_000) this.owners.delete(this.owners.keys().next().value!);
  }

  /**
   * Sends one request, traced as a client span `<method> <route template>` (e.g. `GET
   * /ad_accounts/{ad_account_id}/campaigns`, see routeTemplate) with `http.request.method`,
   * `url.template`, `http.response.status_code` and RATE_LIMIT_CATEGORY_ATTRIBUTE, and on failure
   * `error.type` (the status, `invalid_answer`, or the error's name); never the URL's ids or query,
   * a header, a token or a body. The span covers the wait for the rate budget. Inside
   * `withBatchTraces` (observability/batch-tracing.ts) it also takes the links to the batches its
   * events came from and `routy.batches`.
   * @throws PinterestApiError on a non-2xx answer; z.ZodError when a 2xx body does not match
   * `schema`; TypeError on network failure.
   */
  request<T>(req: PinterestRequest<T>): Promise<T> {
    const route = routeTemplate(req.path);
    const batches = batchSpanOptions();
    const attributes = { 'http.request.method': req.method, 'url.template': route, [RATE_LIMIT_CATEGORY_ATTRIBUTE]: req.category, ...batches.attributes };
    return tracer.startActiveSpan(`${req.method} ${route}`, { kind: SpanKind.CLIENT, attributes, links: batches.links }, async (span) => {
      try {
        return await this.send(req, span);
      } catch (error) {
        const type = error instanceof PinterestApiError ? String(error.status) : error instanceof z.ZodError ? 'invalid_answer' : error instanceof Error ? error.name : 'unknown';
        span.setAttribute('error.type', type);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async send<T>(req: PinterestRequest<T>, span: Span): Promise<T> {
    const url = new URL(this.baseUrl.replace(/\/$/, '') + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (req.accessToken) headers.authorization = `Bearer ${req.accessToken}`;
    if (req.basicAuth) {
      const encoded = Buffer.from(`${req.basicAuth.username}:${req.basicAuth.password}`).toString('base64');
      headers.authorization = `Basic ${encoded}`;
    }
    if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    } else if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    // Budgets are per user: the grant that owns the token, else a digest of the credential, never the credential itself.
    const digest = credentialDigest(headers.authorization ?? 'anonymous');
    await this.budget.take(req.category, this.owners.get(digest) ?? `credential:${digest}`);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, { method: req.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      pinterestApiCalls.inc({ category: req.category, status: 'network' });
      throw error;
    }
    pinterestApiCalls.inc({ category: req.category, status: String(response.status) });
    span.setAttribute('http.response.status_code', response.status);
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const error = errorBodySchema.safeParse(parsed);
      const message = error.success && error.data.message ? error.data.message : text.slice(0, 500);
      const nowMs = Date.now();
      const retryAfterHeader = response.headers.get('retry-after');
      const retryAfter = parseRetryAfter(response.headers.get('x-ratelimit-reset'), message, nowMs, retryAfterHeader);
      const code = error.success ? error.data.code : undefined;
      throw new PinterestApiError(response.status, code, message, req.path, parsed, retryAfter, asksForRetry(retryAfterHeader, message, nowMs));
    }
    return req.schema.parse(parsed);
  }
}
