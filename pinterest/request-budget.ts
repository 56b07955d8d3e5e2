import { RateLimiter } from 'limiter';
import { z } from 'zod';

/** Pinterest's rate-limit categories (`x-ratelimit-category` in the OpenAPI description). */
export type RateLimitCategory = 'ads_read' | 'ads_analytics' | 'ads_write' | 'ads_conversions' | 'msot_write' | 'org_read' | 'oauth';

const CATEGORIES = ['ads_read', 'ads_analytics', 'ads_write', 'ads_conversions', 'msot_write', 'org_read', 'oauth'] as const satisfies readonly RateLimitCategory[];

/** Requests per minute, per user and app, of every category. */
export type RequestsPerMinute = Record<RateLimitCategory, number>;

/** Standard-access limits per user per app, requests per minute. */
export const REQUESTS_PER_MINUTE: RequestsPerMinute = {
  ads_read: 1000,
  ads_analytics: 300,
  ads_write: 400,
  ads_conversions: 5000,
  /** Not published for this beta endpoint: kept at the write category's 400. */
  msot_write: 400,
  org_read: 1000,
  oauth: 1000,
};

const overrideSchema = z.partialRecord(z.enum(CATEGORIES), z.coerce.number().int().min(1).max(100_000));

/**
 * Reads `PINTEREST_REQUESTS_PER_MINUTE`: comma-separated `category=requests per minute`, e.g.
 * `ads_analytics=150,ads_read=500` (lower budgets, for an app sharing its quota or for tests);
 * categories not named keep Pinterest's standard-access limits.
 * @throws Error naming the unknown category or the bad number.
 */
export function parseRequestsPerMinute(text: string | undefined): RequestsPerMinute {
  if (!text?.trim()) return { ...REQUESTS_PER_MINUTE };
  const pairs = text.split(',').map((part) => part.split('=').map((side) => side.trim()));
  const malformed = pairs.find((pair) => pair.length !== 2 || !pair[0]);
  if (malformed) throw new Error(`"${malformed.join('=')}" is not category=requests per minute`);
  const unknown = pairs.find(([category]) => !(CATEGORIES as readonly string[]).includes(category!));
  if (unknown) throw new Error(`${unknown[0]}: unknown category; one of ${CATEGORIES.join(', ')}`);
  const parsed = overrideSchema.safeParse(Object.fromEntries(pairs));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join('.')}: ${issue.message}`);
  }
  return { ...REQUESTS_PER_MINUTE, ...parsed.data };
}

/**
 * Where a request waits for its per-user budget before it is sent, so a long backfill stays under
 * Pinterest's per-minute limits instead of running into 429s. The worker's budget is shared by
 * every process (store/request-budget-store.ts); `InMemoryRequestBudget` serves clients without
 * a database.
 */
export interface RequestBudget {
  /** Waits until one request of `category` for `who` (the budget's owner, never a credential) may be sent. */
  take(category: RateLimitCategory, who: string): Promise<void>;
}

/**
 * A token bucket per (category, owner) in this process's memory, for Pinterest clients that have
 * no database (tests, benchmarks, one-off tools). Not shared between processes.
 */
export class InMemoryRequestBudget implements RequestBudget {
  private readonly buckets = new Map<string, RateLimiter>();

  constructor(private readonly perMinute: RequestsPerMinute = REQUESTS_PER_MINUTE) {}

  private bucket(category: RateLimitCategory, who: string): RateLimiter {
    const key = `${category}:${who}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new RateLimiter({ tokensPerInterval: this.perMinute[category], interval: 'minute' });
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  async take(category: RateLimitCategory, who: string): Promise<void> {
    await this.bucket(category, who).removeTokens(1);
  }

  /** Requests of `category` that `who` may still send in the current minute. */
  remaining(category: RateLimitCategory, who: string): number {
    return Math.floor(this.bucket(category, who).getTokensRemaining());
  }
}
