// The ad account's small state machine, as plain code: no Temporal imports, unit-testable.
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import type { AdAccountCounters, AdAccountStatus, AdAccountWorkflowInput, ConnectionStatus } from './ad-account-types';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { BackfillRange } from '../domain/pull-plan';

/** Largest batch handed to one activity call: by count, and by JSON size far below Temporal's 2 MB payload limit. */
export const CONVERSION_BATCH = 1000;
export const TOUCHPOINT_BATCH = 1000;
export const BATCH_MAX_BYTES = 512 * 1024;
/** Buffers up to this JSON size may ride along a continue-as-new (far below the 2 MB payload limit). */
export const CARRY_MAX_BYTES = 512 * 1024;

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
  lastPullAt?: number;
  nextPullAt: number;
  nextExpiryAt?: number;
  nextEntitySyncAt: number;
  rateLimitedUntil?: number;
  lastError?: string;
  settings: AttributionSettings;
  connectionStatus: ConnectionStatus;
  /** Matches wait to be sent (the grant was refused while they matched). */
  unsentMatches: boolean;
  /** Report-sized ranges still to backfill, oldest request first. */
  backfillQueue: BackfillRange[];
  /** A validated settings change waiting for the main loop to apply it between activities. */
  pendingSettings?: AttributionSettings;
  /** An operator paused Pinterest calls. */
  paused: boolean;
  pausedReason?: string;
  /**
   * Reconnects seen by this run: a call that started before one and then reports the grant
   * refused was refused the grant it replaced. Not carried: calls never span a continue-as-new.
   */
  reconnects = 0;

  constructor(
    readonly input: AdAccountWorkflowInput,
    nowMs: number,
  ) {
    const carried = input.carried;
    this.counters = carried?.counters ?? emptyCounters();
    this.conversions = carried?.conversions_buffer ?? [];
    this.touchpoints = carried?.touchpoints_buffer ?? [];
    this.lastPullAt = carried?.last_pull_at ? Date.parse(carried.last_pull_at) : undefined;
    this.nextPullAt = carried?.next_pull_at ? Date.parse(carried.next_pull_at) : nowMs;
    this.nextExpiryAt = carried?.next_expiry_at ? Date.parse(carried.next_expiry_at) : undefined;
    this.nextEntitySyncAt = carried?.next_entity_sync_at ? Date.parse(carried.next_entity_sync_at) : nowMs;
    this.rateLimitedUntil = carried?.rate_limited_until ? Date.parse(carried.rate_limited_until) : undefined;
    this.settings = input.settings;
    this.connectionStatus = carried?.connection_status ?? 'connected';
    this.unsentMatches = carried?.unsent_matches ?? false;
    this.backfillQueue = carried?.backfill_queue ?? [];
    this.lastError = carried?.last_error;
    this.pendingSettings = carried?.pending_settings;
    this.paused = carried?.paused ?? false;
    this.pausedReason = carried?.paused_reason;
  }

  /** Pauses; a repeated pause without a reason keeps the earlier one. */
  pause(reason: string | undefined): void {
    this.paused = true;
    this.pausedReason = reason ?? this.pausedReason;
  }

  /** Ends a pause and pulls at once: the pull fills the missed days, the round sends waiting matches. */
  resume(nowMs: number): void {
    this.paused = false;
    this.pausedReason = undefined;
    this.pullNow(nowMs);
  }

  /** What the `PinterestConnectionStatus` search attribute shows: the connection, or `paused`. */
  get visibleStatus(): string {
    return this.paused && this.connectionStatus === 'connected' ? 'paused' : this.connectionStatus;
  }

  /** Pinterest asked us to wait (a daily cap) and the wait is not over. */
  rateLimited(nowMs: number): boolean {
    return this.rateLimitedUntil !== undefined && nowMs < this.rateLimitedUntil;
  }

  /** A backfill range is waiting, Pinterest can be reached, and no daily cap is in force. */
  backfillDue(nowMs: number): boolean {
    return this.canReachPinterest && this.backfillQueue.length > 0 && !this.rateLimited(nowMs);
  }

  get disconnected(): boolean {
    return this.connectionStatus === 'disconnected';
  }

  /** Pulls and entity syncs run only while Pinterest accepts the grant. */
  get canReachPinterest(): boolean {
    return this.connectionStatus === 'connected' && !this.paused;
  }

  bufferConversions(batch: ConversionRecord[]): void {
    this.conversions.push(...batch);
    this.counters.conversions_received += batch.length;
  }

  bufferTouchpoints(batch: TouchpointRecord[]): void {
    this.touchpoints.push(...batch);
    this.counters.touchpoints_received += batch.length;
  }

  /** JSON size of the buffered records, which continue-as-new would carry into the next run's input. */
  bufferedBytes(): number {
    return JSON.stringify(this.conversions).length + JSON.stringify(this.touchpoints).length;
  }

  /** Pinterest reads are due: entity sync, pull or a backfill range. */
  pinterestReadsDue(nowMs: number): boolean {
    return this.entitySyncDue(nowMs) || this.pullDue(nowMs) || this.backfillDue(nowMs);
  }

  hasBufferedWork(): boolean {
    return this.conversions.length > 0 || this.touchpoints.length > 0 || this.pendingSettings !== undefined;
  }

  takeConversions(): ConversionRecord[] {
    return takeBatch(this.conversions, CONVERSION_BATCH, BATCH_MAX_BYTES);
  }

  takeTouchpoints(): TouchpointRecord[] {
    return takeBatch(this.touchpoints, TOUCHPOINT_BATCH, BATCH_MAX_BYTES);
  }

  pullDue(nowMs: number): boolean {
    return this.canReachPinterest && nowMs >= this.nextPullAt;
  }

  entitySyncDue(nowMs: number): boolean {
    return this.canReachPinterest && nowMs >= this.nextEntitySyncAt && !this.rateLimited(nowMs);
  }

  entitySyncSucceeded(nowMs: number): void {
    this.nextEntitySyncAt = nowMs + (this.input.schedule.entity_sync_interval_seconds ?? 3600) * 1000;
  }

  expiryDue(nowMs: number): boolean {
    return this.nextExpiryAt !== undefined && nowMs >= this.nextExpiryAt;
  }

  /** Days every pull re-reads at least: the restatement window, the longest of the click and engagement windows. */
  restatementDays(): number {
    return Math.max(1, this.settings.click_window_days, this.settings.engagement_window_days);
  }

  /** Queues a settings change; several changes before the loop applies them merge in order. */
  requestSettings(change: Partial<AttributionSettings>): AttributionSettings {
    this.pendingSettings = { ...(this.pendingSettings ?? this.settings), ...change };
    return this.pendingSettings;
  }

  /** New settings are saved: the next pull comes now and backfills under them. */
  settingsChanged(settings: AttributionSettings, nowMs: number): void {
    this.settings = settings;
    this.nextPullAt = nowMs;
  }

  /** An operator asked for a pull now. */
  pullNow(nowMs: number): void {
    this.nextPullAt = Math.min(this.nextPullAt, nowMs);
  }

  /** Pinterest refused the grant: wait for a reconnect. */
  needsReauth(message: string): void {
    this.connectionStatus = 'needs_reauth';
    this.lastError = message;
  }

  /** Reconnected through OAuth: pull (the missed days) and sync now. */
  reconnected(nowMs: number): void {
    if (this.connectionStatus === 'disconnected') return;
    this.reconnects += 1;
    this.connectionStatus = 'connected';
    this.nextPullAt = Math.min(this.nextPullAt, nowMs);
    this.nextEntitySyncAt = Math.min(this.nextEntitySyncAt, nowMs);
  }

  /** Pinterest asked for a wait longer than we sleep through in an activity (a daily cap). */
  rateLimitedFor(nowMs: number, seconds: number, message: string): void {
    this.rateLimitedUntil = nowMs + seconds * 1000;
    this.nextPullAt = this.rateLimitedUntil;
    this.lastError = message;
  }

  pullSucceeded(nowMs: number, rows: number): void {
    this.lastPullAt = nowMs;
    this.lastError = undefined;
    this.rateLimitedUntil = undefined;
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

  /**
   * Milliseconds until the next timed work (pull, entity sync or expiry), never negative;
   * undefined: none. With `pinterestInFlight`, pulls and syncs are left out.
   */
  msUntilNextDue(nowMs: number, options: { pinterestInFlight?: boolean } = {}): number | undefined {
    // Calls already under way end with a wake-up of their own: only the expiry timer counts then.
    const pinterest = this.canReachPinterest && !options.pinterestInFlight ? Math.min(this.nextPullAt, this.nextEntitySyncAt) : Infinity;
    const next = Math.min(pinterest, this.nextExpiryAt ?? Infinity);
    return next === Infinity ? undefined : Math.max(0, next - nowMs);
  }

  status(): AdAccountStatus {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      ad_account_id: this.input.ad_account_id,
      connection_status: this.connectionStatus,
      paused: this.paused,
      ...(this.pausedReason ? { paused_reason: this.pausedReason } : {}),
      rate_limited_until: iso(this.rateLimitedUntil),
      next_entity_sync_at: iso(this.nextEntitySyncAt),
      backfill_queue: [...this.backfillQueue],
      settings: this.settings,
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
      settings: this.settings,
      schedule: this.input.schedule,
      carried: {
        next_entity_sync_at: iso(this.nextEntitySyncAt),
        connection_status: this.connectionStatus,
        rate_limited_until: iso(this.rateLimitedUntil),
        counters: this.counters,
        last_pull_at: iso(this.lastPullAt),
        next_pull_at: iso(this.nextPullAt),
        next_expiry_at: iso(this.nextExpiryAt),
        unsent_matches: this.unsentMatches,
        backfill_queue: this.backfillQueue,
        last_error: this.lastError,
        pending_settings: this.pendingSettings,
        ...(this.paused ? { paused: true, paused_reason: this.pausedReason } : {}),
        conversions_buffer: this.conversions,
        touchpoints_buffer: this.touchpoints,
      },
    };
  }
}
