// The ad account's small state machine, as plain code: no Temporal imports, unit-testable.
import type { ConversionRecord, TouchpointRecord } from '../client/routy-schemas';
import type { AdAccountCounters, AdAccountStatus, AdAccountWorkflowInput } from './messages';

/** Largest batch handed to one activity call: by count, and by JSON size far below Temporal's 2 MB payload limit. */
export const CONVERSION_BATCH = 1000;
export const TOUCHPOINT_BATCH = 1000;
export const BATCH_MAX_BYTES = 512 * 1024;

/** Removes and returns the head of `items`: at most `count` records and about `maxBytes` of JSON (always at least one). */
function takeBatch<T>(items: T[], count: number, maxBytes: number): T[] {
  let bytes = 0;
  let n = 0;
  while (n < items.length && n < count) {
    bytes += JSON.stringify(items[n]).length;
    if (n > 0 && bytes > maxBytes) break;
    n += 1;
  }
  return items.splice(0, n);
}

const emptyCounters = (): AdAccountCounters => ({
  pulls: 0,
  metric_rows_upserted: 0,
  conversions_received: 0,
  conversions_matched: 0,
  conversions_sent: 0,
  touchpoints_received: 0,
});

/**
 * Schedule, buffers and counters of one ad account workflow. Times are epoch milliseconds of
 * workflow time; everything is JSON-plain so it survives continue-as-new.
 */
export class AdAccountState {
  readonly counters: AdAccountCounters;
  conversions: ConversionRecord[];
  touchpoints: TouchpointRecord[];
  backfilled: boolean;
  lastPullAt?: number;
  nextPullAt: number;
  nextExpiryAt?: number;
  lastError?: string;
  disconnected = false;

  constructor(
    readonly input: AdAccountWorkflowInput,
    nowMs: number,
  ) {
    const carried = input.carried;
    this.counters = carried?.counters ?? emptyCounters();
    this.conversions = carried?.conversions_buffer ?? [];
    this.touchpoints = carried?.touchpoints_buffer ?? [];
    this.backfilled = carried?.backfilled ?? false;
    this.lastPullAt = carried?.last_pull_at ? Date.parse(carried.last_pull_at) : undefined;
    this.nextPullAt = carried?.next_pull_at ? Date.parse(carried.next_pull_at) : nowMs;
    this.nextExpiryAt = carried?.next_expiry_at ? Date.parse(carried.next_expiry_at) : undefined;
  }

  bufferConversions(batch: ConversionRecord[]): void {
    this.conversions.push(...batch);
    this.counters.conversions_received += batch.length;
  }

  bufferTouchpoints(batch: TouchpointRecord[]): void {
    this.touchpoints.push(...batch);
    this.counters.touchpoints_received += batch.length;
  }

  hasBufferedWork(): boolean {
    return this.conversions.length > 0 || this.touchpoints.length > 0;
  }

  takeConversions(): ConversionRecord[] {
    return takeBatch(this.conversions, CONVERSION_BATCH, BATCH_MAX_BYTES);
  }

  takeTouchpoints(): TouchpointRecord[] {
    return takeBatch(this.touchpoints, TOUCHPOINT_BATCH, BATCH_MAX_BYTES);
  }

  pullDue(nowMs: number): boolean {
    return nowMs >= this.nextPullAt;
  }

  expiryDue(nowMs: number): boolean {
    return this.nextExpiryAt !== undefined && nowMs >= this.nextExpiryAt;
  }

  /** Days the next pull reads: the backfill first, then the restatement window (longest of click and engagement). */
  pullDays(): number {
    if (!this.backfilled) return this.input.schedule.backfill_days;
    const { click_window_days, engagement_window_days } = this.input.settings;
    return Math.max(1, click_window_days, engagement_window_days);
  }

  pullSucceeded(nowMs: number, rows: number): void {
    this.backfilled = true;
    this.lastPullAt = nowMs;
    this.lastError = undefined;
    this.counters.pulls += 1;
    this.counters.metric_rows_upserted += rows;
    this.nextPullAt = nowMs + this.input.schedule.pull_interval_seconds * 1000;
  }

  pullFailed(nowMs: number, message: string): void {
    this.lastError = message;
    this.nextPullAt = nowMs + this.input.schedule.pull_interval_seconds * 1000;
  }

  /** A new pending conversion may expire sooner than the one the timer waits for. */
  pendingAdded(nowMs: number): void {
    const candidate = nowMs + this.input.schedule.hold_seconds * 1000;
    this.nextExpiryAt = this.nextExpiryAt === undefined ? candidate : Math.min(this.nextExpiryAt, candidate);
  }

  /** Milliseconds until the next timed work (pull or expiry), never negative. */
  msUntilNextDue(nowMs: number): number {
    const next = Math.min(this.nextPullAt, this.nextExpiryAt ?? Infinity);
    return Math.max(0, next - nowMs);
  }

  status(): AdAccountStatus {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      ad_account_id: this.input.ad_account_id,
      connection_status: this.disconnected ? 'disconnected' : 'connected',
      settings: this.input.settings,
      schedule: this.input.schedule,
      last_pull_at: iso(this.lastPullAt),
      next_pull_at: iso(this.nextPullAt),
      next_expiry_at: iso(this.nextExpiryAt),
      last_error: this.lastError,
      buffered_conversions: this.conversions.length,
      buffered_touchpoints: this.touchpoints.length,
      counters: { ...this.counters },
    };
  }

  /** Input for the next run after continue-as-new. */
  carry(): AdAccountWorkflowInput {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      ad_account_id: this.input.ad_account_id,
      settings: this.input.settings,
      schedule: this.input.schedule,
      carried: {
        counters: this.counters,
        last_pull_at: iso(this.lastPullAt),
        next_pull_at: iso(this.nextPullAt),
        next_expiry_at: iso(this.nextExpiryAt),
        backfilled: this.backfilled,
        conversions_buffer: this.conversions,
        touchpoints_buffer: this.touchpoints,
      },
    };
  }
}
