// When an ad account's timed work comes due, as plain code: no Temporal imports, unit-testable.
import type { AdAccountWorkflowInput, ScheduleSettings } from './ad-account-types';

/** Entity syncs run hourly for runs started before the interval was a setting. */
const DEFAULT_ENTITY_SYNC_SECONDS = 3600;

/** An epoch-millisecond time as ISO 8601, the form status and continue-as-new carry. */
const iso = (ms?: number): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

const parsed = (time?: string): number | undefined => (time ? Date.parse(time) : undefined);

/** The times `status` shows and continue-as-new carries, as ISO 8601 strings. */
export interface ScheduleTimes {
  last_pull_at?: string;
  next_pull_at?: string;
  next_expiry_at?: string;
  next_entity_sync_at?: string;
  rate_limited_until?: string;
}

/**
 * Pulls, entity syncs, the hold-expiry timer and a daily cap's end. Times are epoch milliseconds
 * of workflow time. Whether Pinterest can be reached at all (connection, pause) is the state's
 * question: these answer only "is it time".
 */
export class AdAccountSchedule {
  lastPullAt?: number;
  nextPullAt: number;
  /** When the earliest pending conversion's hold ends; undefined: nothing pending. */
  nextExpiryAt?: number;
  nextEntitySyncAt: number;
  /** Set while Pinterest's rate limit asks for a wait longer than an activity sleeps through. */
  rateLimitedUntil?: number;

  constructor(
    readonly settings: ScheduleSettings,
    carried: AdAccountWorkflowInput['carried'],
    nowMs: number,
  ) {
    this.lastPullAt = parsed(carried?.last_pull_at);
    this.nextPullAt = parsed(carried?.next_pull_at) ?? nowMs;
    this.nextExpiryAt = parsed(carried?.next_expiry_at);
    this.nextEntitySyncAt = parsed(carried?.next_entity_sync_at) ?? nowMs;
    this.rateLimitedUntil = parsed(carried?.rate_limited_until);
  }

  /** Pinterest asked us to wait (a daily cap) and the wait is not over. */
  rateLimited(nowMs: number): boolean {
    return this.rateLimitedUntil !== undefined && nowMs < this.rateLimitedUntil;
  }

  pullDue(nowMs: number): boolean {
    return nowMs >= this.nextPullAt;
  }

  /** A daily cap holds entity syncs too; a pull at the cap's end is what lifts it. */
  entitySyncDue(nowMs: number): boolean {
    return nowMs >= this.nextEntitySyncAt && !this.rateLimited(nowMs);
  }

  expiryDue(nowMs: number): boolean {
    return this.nextExpiryAt !== undefined && nowMs >= this.nextExpiryAt;
  }

  /** Pull at once, unless a pull is due sooner already. */
  pullNow(nowMs: number): void {
    this.nextPullAt = Math.min(this.nextPullAt, nowMs);
  }

  /** Reconnected: pull (the missed days) and sync entities at once. */
  reconnected(nowMs: number): void {
    this.pullNow(nowMs);
    this.nextEntitySyncAt = Math.min(this.nextEntitySyncAt, nowMs);
  }

  /** New settings are saved: the next pull comes now and backfills under them. */
  settingsChanged(nowMs: number): void {
    this.nextPullAt = nowMs;
  }

  /** An entity sync ended, well or not: the next one comes an interval later. */
  entitySyncEnded(nowMs: number): void {
    this.nextEntitySyncAt = nowMs + (this.settings.entity_sync_interval_seconds ?? DEFAULT_ENTITY_SYNC_SECONDS) * 1000;
  }

  /** A pull succeeded: a daily cap is over, and the next pull comes an interval later. */
  pulled(nowMs: number): void {
    this.lastPullAt = nowMs;
    this.rateLimitedUntil = undefined;
    this.nextPullAt = nowMs + this.settings.pull_interval_seconds * 1000;
  }

  /** A pull failed for a reason a later pull may not meet: try again an interval later. */
  pullFailed(nowMs: number): void {
    this.nextPullAt = nowMs + this.settings.pull_interval_seconds * 1000;
  }

  /** Pinterest asked for a wait of `seconds` (a daily cap): the next pull comes when it ends. */
  rateLimitedFor(nowMs: number, seconds: number): void {
    this.rateLimitedUntil = nowMs + seconds * 1000;
    this.nextPullAt = this.rateLimitedUntil;
  }

  /** A new pending conversion may expire sooner than the one the timer waits for. */
  pendingAdded(nowMs: number): void {
    const candidate = nowMs + this.settings.hold_seconds * 1000;
    this.nextExpiryAt = this.nextExpiryAt === undefined ? candidate : Math.min(this.nextExpiryAt, candidate);
  }

  /** Holds were expired: the store names the next hold's end (ISO 8601), or none is pending. */
  holdsExpired(nextExpiryAt: string | undefined): void {
    this.nextExpiryAt = parsed(nextExpiryAt);
  }

  /**
   * Milliseconds until the next timed work, never negative; undefined: none. Pulls and entity
   * syncs count only with `pinterestTimers` (Pinterest can be reached and no call is under way:
   * a call under way ends with a wake-up of its own); the expiry timer always counts.
   */
  msUntilNextDue(nowMs: number, pinterestTimers: boolean): number | undefined {
    const pinterest = pinterestTimers ? Math.min(this.nextPullAt, this.nextEntitySyncAt) : Infinity;
    const next = Math.min(pinterest, this.nextExpiryAt ?? Infinity);
    return next === Infinity ? undefined : Math.max(0, next - nowMs);
  }

  /** The times as ISO 8601 strings, for `status` and continue-as-new. */
  times(): ScheduleTimes {
    return {
      last_pull_at: iso(this.lastPullAt),
      next_pull_at: iso(this.nextPullAt),
      next_expiry_at: iso(this.nextExpiryAt),
      next_entity_sync_at: iso(this.nextEntitySyncAt),
      rate_limited_until: iso(this.rateLimitedUntil),
    };
  }
}
