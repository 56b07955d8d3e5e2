// The ad account's state machine, as plain code: no Temporal imports, unit-testable. The workflow
// calls activities and tells this class what happened; the class decides what it means.
import type { AttributionSettings } from '../domain/attribution-settings';
import { restatementDays, type BackfillRange } from '../domain/pull-plan';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import { AccountHealth } from './account-health';
import { AdAccountConnection } from './ad-account-connection';
import { AdAccountFailureRules } from './ad-account-failure-rules';
import { AdAccountSchedule } from './ad-account-schedule';
import type { AdAccountCounters, AdAccountWorkflowInput, PendingSettingsReason, PumpCounts } from './ad-account-types';
import { BackfillQueue } from './backfill-queue';
import { CpaAlertTracker } from './cpa-alert-tracker';
import { RecordBuffers } from './record-buffers';
import { UnsyncedAds } from './unsynced-ads';

const emptyCounters = (): AdAccountCounters => ({
  pulls: 0,
  metric_rows_upserted: 0,
  conversions_received: 0,
  conversions_matched: 0,
  conversions_sent: 0,
  touchpoints_received: 0,
});

/**
 * One ad account workflow's state: connection, settings, schedule, buffers, backfill queue and
 * counters. Times are epoch milliseconds of workflow time. `ad-account-snapshot.ts` turns it into
 * the `status` answer and the JSON-plain input of continue-as-new.
 */
export class AdAccountState extends AdAccountFailureRules {
  readonly counters: AdAccountCounters;
  readonly connection: AdAccountConnection;
  readonly schedule: AdAccountSchedule;
  readonly buffers: RecordBuffers;
  readonly backfill: BackfillQueue;
  /** Ads the record pump credited that no sync saw yet, waiting for the on-demand ad sync. */
  readonly unsyncedAds: UnsyncedAds;
  settings: AttributionSettings;
  /** Whether the account's calls work: the retry under way, the calls failing (`status.health`). */
  readonly health: AccountHealth;
  /** A validated settings change waiting for the main loop to save and apply it between activities. */
  pendingSettings?: AttributionSettings;
  /** When the pending settings change was asked for (epoch ms; undefined when carried from a run before). */
  pendingSince?: number;
  /** Matches wait to be sent (Pinterest could not be reached when they matched, or a send failed). */
  unsentMatches: boolean;
  /** Records wait in the inbox: the loop starts the record pump (a nudge signal, or the last pump ran its longest). */
  recordsWaiting: boolean;
  /** The record pump runs. */
  pumping = false;
  /** When CPA alerts are due and what the last evaluation found. */
  readonly cpaAlerts: CpaAlertTracker;
  /** Matches of the records stored this round, counted once they are all stored. */
  private roundMatches = 0;

  constructor(
    readonly input: AdAccountWorkflowInput,
    nowMs: number,
  ) {
    super();
    const carried = input.carried;
    this.counters = carried?.counters ?? emptyCounters();
    this.connection = new AdAccountConnection(carried);
    this.schedule = new AdAccountSchedule(input.schedule, carried, nowMs);
    this.buffers = new RecordBuffers(carried?.conversions_buffer ?? [], carried?.touchpoints_buffer ?? []);
    this.backfill = new BackfillQueue(carried?.backfill_queue ?? [], { account_created_date: carried?.account_created_date, history_dropped: carried?.history_dropped });
    this.unsyncedAds = new UnsyncedAds(carried?.unsynced_ads);
    this.health = new AccountHealth(carried?.health, nowMs);
    this.cpaAlerts = new CpaAlertTracker(carried?.cpa_alerts);
    this.settings = input.settings;
    this.pendingSettings = carried?.pending_settings;
    this.lastError = carried?.last_error;
    this.unsentMatches = carried?.unsent_matches ?? false;
    this.recordsWaiting = carried?.records_waiting ?? false;
  }

  // Messages.

  bufferConversions(batch: ConversionRecord[]): void {
    this.buffers.conversions.push(...batch);
    this.counters.conversions_received += batch.length;
  }

  bufferTouchpoints(batch: TouchpointRecord[]): void {
    this.buffers.touchpoints.push(...batch);
    this.counters.touchpoints_received += batch.length;
  }

  /** Ends a pause and pulls at once: the pull fills the missed days, the round sends waiting matches. */
  resume(nowMs: number): void {
    this.connection.resume();
    this.schedule.pullNow(nowMs);
  }

  /** Reconnected through OAuth: pull (the missed days) and sync now. A disconnected account stays so. */
  reconnected(nowMs: number): void {
    if (this.connection.reconnected()) this.schedule.reconnected(nowMs);
  }

  /** Queues a settings change; several changes before the loop applies them merge in order. Returns the merged settings. */
  requestSettings(change: Partial<AttributionSettings>, nowMs?: number): AttributionSettings {
    if (!this.pendingSettings) this.pendingSince = nowMs;
    this.pendingSettings = { ...(this.pendingSettings ?? this.settings), ...change };
    return this.pendingSettings;
  }

  /** Why the pending settings are not in effect yet: a Pinterest read under way, or the next round saves them. */
  pendingReason(): PendingSettingsReason {
    const read = this.health.currentRead;
    return read ? { reason: 'pinterest_read_under_way', waiting_for: read } : { reason: 'saving' };
  }

  // What is due.

  pullDue(nowMs: number): boolean {
    return this.connection.canReachPinterest && this.schedule.pullDue(nowMs);
  }

  entitySyncDue(nowMs: number): boolean {
    return this.connection.canReachPinterest && this.schedule.entitySyncDue(nowMs);
  }

  /** A backfill range is waiting, Pinterest can be reached, and no daily cap is in force. */
  backfillDue(nowMs: number): boolean {
    return this.connection.canReachPinterest && this.backfill.ranges.length > 0 && !this.schedule.rateLimited(nowMs);
  }

  /** Pinterest reads are due: entity sync, pull or a backfill range. */
  pinterestReadsDue(nowMs: number): boolean {
    return this.entitySyncDue(nowMs) || this.pullDue(nowMs) || this.backfillDue(nowMs);
  }

  /** Routy's records, or a settings change, wait for the loop. */
  hasBufferedWork(): boolean {
    return this.buffers.hasRecords() || this.pendingSettings !== undefined || this.recordsWaiting;
  }

  /** Days every pull re-reads at least: the restatement window of the settings in force. */
  restatementDays(): number {
    return restatementDays(this.settings);
  }

  /**
   * Milliseconds until the next timed work (pull, entity sync or expiry), never negative;
   * undefined: none. With `pinterestInFlight`, pulls and syncs are left out.
   */
  msUntilNextDue(nowMs: number, options: { pinterestInFlight?: boolean } = {}): number | undefined {
    return this.schedule.msUntilNextDue(nowMs, this.connection.canReachPinterest && !options.pinterestInFlight);
  }

  // Activity results.

  /** New settings are saved: they are in force, and the next pull comes now and backfills under them. */
  settingsSaved(settings: AttributionSettings, nowMs: number): void {
    this.pendingSettings = undefined;
    this.pendingSince = undefined;
    this.settings = settings;
    this.schedule.settingsChanged(nowMs);
  }

  /** A pull stored `rows` metric rows; days missed beyond the synchronous 90 come back through async reports. */
  pulled(nowMs: number, pulled: { rows: number; missed_before?: BackfillRange }): void {
    this.lastError = undefined;
    this.counters.pulls += 1;
    this.counters.metric_rows_upserted += pulled.rows;
    this.schedule.pulled(nowMs);
    if (pulled.missed_before) this.backfill.add(pulled.missed_before);
  }

  /** The report of the range at the head of the backfill queue stored `rows` metric rows. */
  backfillCollected(rows: number): void {
    this.counters.metric_rows_upserted += rows;
    this.counters.backfill_ranges_done = (this.counters.backfill_ranges_done ?? 0) + 1;
    this.backfill.collected(rows);
  }

  /** Touchpoints were stored: their matches count once the round's records are all stored. */
  touchpointsRecorded(result: { matched: number; pending_total?: number }): void {
    this.roundMatches += result.matched;
    if (result.pending_total !== undefined) this.counters.conversions_pending = result.pending_total;
  }

  /** Conversions were stored; a new pending one may expire sooner than the one the timer waits for. */
  conversionsRecorded(nowMs: number, result: { matched: number; pending: number; pending_total?: number }): void {
    this.roundMatches += result.matched;
    if (result.pending_total !== undefined) this.counters.conversions_pending = result.pending_total;
    if (result.pending > 0) this.schedule.pendingAdded(nowMs);
  }

  /**
   * The round's records are all stored: counts their matches. Returns true when matches wait and
   * Pinterest can be reached (send now); otherwise new matches wait for a later round.
   */
  recordsStored(): boolean {
    const matched = this.roundMatches;
    this.roundMatches = 0;
    this.counters.conversions_matched += matched;
    if ((matched > 0 || this.unsentMatches) && this.connection.canReachPinterest) return true;
    if (matched > 0) this.unsentMatches = true;
    return false;
  }

  /**
   * The record pump ended (`sent`: it was allowed to post): counts the conversions it newly stored
   * (a repeated `event_id` is not a new conversion), the touchpoints it took, matched and sent;
   * records left in the inbox make the loop pump again, unsent matches wait for the next send, and
   * ads it credited that no sync saw queue for the on-demand ad sync.
   */
  pumped(nowMs: number, result: PumpCounts, send: boolean): void {
    const { counters } = this;
    counters.conversions_received += result.conversions_inserted;
    counters.touchpoints_received += result.touchpoints_taken;
    counters.conversions_matched += result.matched;
    counters.conversions_sent += result.sends.sent;
    if (result.refused > 0) counters.records_refused = (counters.records_refused ?? 0) + result.refused;
    if (result.pending_total !== undefined) counters.conversions_pending = result.pending_total;
    if (result.pending > 0) this.schedule.pendingAdded(nowMs);
    if (result.more) this.recordsWaiting = true;
    this.unsyncedAds.add(result.unsynced_ad_ids, result.unsynced_pin_ids);
    if (result.unsent_left) this.unsentMatches = true;
    else if (send) this.unsentMatches = false;
  }

  matchesSent(sent: number): void {
    this.counters.conversions_sent += sent;
    this.unsentMatches = false;
  }

  /** Unmatched conversions' holds ended; the store names the next hold's end, if any. */
  holdsExpired(result: { expired: number; pending_total?: number; next_expiry_at?: string }): void {
    this.counters.conversions_expired = (this.counters.conversions_expired ?? 0) + result.expired;
    if (result.pending_total !== undefined) this.counters.conversions_pending = result.pending_total;
    this.schedule.holdsExpired(result.next_expiry_at);
  }
}
