import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * This project's own Prometheus metrics (the Temporal SDK exports its runtime metrics
 * separately; `GET /metrics` serves both). One registry per process: activities, the Pinterest
 * client and the ingress of one process count into it.
 */
export const metricsRegistry = new Registry();

/** Daily metric rows written by pulls, by level (`campaign`, `ad_group`, `ad`). */
export const rowsPulled = new Counter({ name: 'routy_pinterest_rows_pulled_total', help: 'Daily metric rows written by pulls', labelNames: ['level'], registers: [metricsRegistry] });

/**
 * Metric pulls (`pullMetrics` activity attempts) by outcome: `succeeded`, `rate_limited` (Pinterest
 * answered 429 or code 8; Temporal retries after the wait), `failed` (any other error).
 */
export const pulls = new Counter({ name: 'routy_pinterest_pulls_total', help: 'Metric pulls (pullMetrics activity attempts) by outcome: succeeded, rate_limited, failed', labelNames: ['outcome'], registers: [metricsRegistry] });

/** Until when (epoch milliseconds) each ad account is rate-limited, as this process last heard from Pinterest. */
const rateLimitedUntil = new Map<string, number>();

/**
 * Notes that Pinterest answered a call for `adAccountId` with a rate limit (429 or code 8): the
 * account counts in `routy_pinterest_rate_limited_accounts` for `waitSeconds` (Pinterest's wait,
 * default 60 s) from `nowMs`.
 */
export function accountRateLimited(adAccountId: string, waitSeconds: number | undefined, nowMs = Date.now()): void {
  rateLimitedUntil.set(adAccountId, nowMs + (waitSeconds ?? 60) * 1000);
}

/** Ad accounts whose last Pinterest answer in this process was a rate limit whose wait has not passed (counted at scrape time). */
export const rateLimitedAccounts = new Gauge({
  name: 'routy_pinterest_rate_limited_accounts',
  help: "Ad accounts rate-limited by Pinterest in this process, until the wait Pinterest gave (default 60 s) passes",
  registers: [metricsRegistry],
  collect() {
    const now = Date.now();
    for (const [account, until] of rateLimitedUntil) if (until <= now) rateLimitedUntil.delete(account);
    this.set(rateLimitedUntil.size);
  },
});

/**
 * Seconds from a conversion's receipt at the ingress (`received_at`) to Pinterest's answer to its
 * Conversions API request, by outcome: `sent` (processed), `failed` (refused in a 200 answer),
 * `refused` (the request was refused). Requests with no answer (retried, unknown) are not observed.
 */
export const conversionsApiDeliveryLag = new Histogram({
  name: 'routy_pinterest_conversions_api_delivery_lag_seconds',
  help: "Seconds from a conversion's receipt to Pinterest's answer to its Conversions API request, by outcome",
  labelNames: ['outcome'],
  buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 2 * 86_400],
  registers: [metricsRegistry],
});

/** Pinterest API calls by rate-limit category and HTTP status (`network` when no answer came). */
export const pinterestApiCalls = new Counter({
  name: 'routy_pinterest_api_calls_total',
  help: 'Pinterest API calls by rate-limit category and HTTP status',
  labelNames: ['category', 'status'],
  registers: [metricsRegistry],
});

/** Conversions API events that ended `failed` (Pinterest refused them) or requests that errored, by reason. */
export const conversionsApiFailures = new Counter({
  name: 'routy_pinterest_conversions_api_failures_total',
  help: 'Conversions API events refused by Pinterest or requests that failed, by reason',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});

/**
 * Conversions whose Conversions API outcome stayed unknown and that were not posted again (state
 * `unconfirmed`: they may not have reached Pinterest), by reason: `offline_source`, `event_too_old`
 * (past the repost margin), `first_post_too_old` (48 hours), `no_attempt_recorded`.
 */
export const conversionsUnconfirmed = new Counter({
  name: 'routy_pinterest_conversions_unconfirmed_total',
  help: 'Conversions whose Conversions API outcome stayed unknown and that were not posted again (may not have reached Pinterest), by reason',
  labelNames: ['reason'],
  registers: [metricsRegistry],
});

/** Conversions posted again, identical, after an earlier post with no known outcome. */
export const conversionsReposted = new Counter({
  name: 'routy_pinterest_conversions_reposted_total',
  help: 'Conversions posted again, identical, after an earlier post whose outcome was unknown',
  registers: [metricsRegistry],
});

/** Conversions stored as duplicates of an order already stored (same ad account, `event_name` and `order_id`): never counted or sent. */
export const conversionsOrderDuplicates = new Counter({
  name: 'routy_pinterest_conversions_order_duplicates_total',
  help: 'Conversions stored as duplicates of an order already stored (same ad account, event_name and order_id), never counted or sent',
  registers: [metricsRegistry],
});

/** Conversions answered at the ingress as repeats of an `event_id` already received; nothing stored changed. */
export const conversionsRepeatedEventId = new Counter({
  name: 'routy_pinterest_conversions_repeated_event_id_total',
  help: 'Conversions answered at the ingress as repeats of an event_id already received (nothing stored changed)',
  registers: [metricsRegistry],
});

/** Accepted conversions answered with a warning, by field and reason (`order_id`: a checkout without one). */
export const conversionWarnings = new Counter({
  name: 'routy_pinterest_conversion_warnings_total',
  help: 'Accepted conversions answered with a warning, by field and reason',
  labelNames: ['field', 'reason'],
  registers: [metricsRegistry],
});

/** Measurement Source of Truth events by final outcome (`posted`, `failed`, `refused`, `unconfirmed`, `not_postable`). */
export const msotEvents = new Counter({
  name: 'routy_pinterest_msot_events_total',
  help: 'Measurement Source of Truth events by final outcome',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});
