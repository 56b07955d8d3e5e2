import { RateLimiter } from 'limiter';

/** Pinterest's rate-limit categories (`x-ratelimit-category` in the OpenAPI description). */
export type RateLimitCategory = 'ads_read' | 'ads_analytics' | 'ads_write' | 'ads_conversions' | 'org_read' | 'oauth';

/** Standard-access limits per user per app, requests per minute. */
export const REQUESTS_PER_MINUTE: Record<RateLimitCategory, number> = {
  ads_read: 1000,
  ads_analytics: 300,
  ads_write: 400,
  ads_conversions: 5000,
  org_read: 1000,
  oauth: 1000,
};

/**
 * A token bucket per (category, connection): a request waits for its budget before it is sent,
 * so a long backfill stays under Pinterest's per-minute limits instead of running into 429s.
 * Shared by every activity in the worker process.
 */
export class RequestBudget {
  private readonly buckets = new Map<string, RateLimiter>();

  constructor(private readonly perMinute: Record<RateLimitCategory, number> = REQUESTS_PER_MINUTE) {}

  private bucket(category: RateLimitCategory, who: string): RateLimiter {
    const key = `${category}:${who}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new RateLimiter({ tokensPerInterval: this.perMinute[category], interval: 'minute' });
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Waits until one request of `category` for `who` (a digest of the user's token) may be sent. */
  async take(category: RateLimitCategory, who: string): Promise<void> {
    await this.bucket(category, who).removeTokens(1);
  }

  /** Requests of `category` that `who` may still send in the current minute. */
  remaining(category: RateLimitCategory, who: string): number {
    return Math.floor(this.bucket(category, who).getTokensRemaining());
  }
}
