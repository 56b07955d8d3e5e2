// Whether an ad account's Pinterest calls may run, as plain code: no Temporal imports.
import type { AdAccountWorkflowInput, ConnectionStatus } from './ad-account-types';

/** The grant's state (connected, waiting for a reconnect, disconnected) and an operator's pause. */
export class AdAccountConnection {
  status: ConnectionStatus;
  /** An operator paused Pinterest calls; Routy's records are still stored and matched. */
  paused: boolean;
  pausedReason?: string;
  /**
   * Reconnects seen by this run: a call that started before one and then reports the grant
   * refused was refused the grant it replaced. Not carried: calls never span a continue-as-new.
   */
  reconnects = 0;

  constructor(carried: AdAccountWorkflowInput['carried']) {
    this.status = carried?.connection_status ?? 'connected';
    this.paused = carried?.paused ?? false;
    this.pausedReason = carried?.paused_reason;
  }

  get disconnected(): boolean {
    return this.status === 'disconnected';
  }

  /** Pulls, syncs, backfills and sends run only while Pinterest accepts the grant and no operator paused them. */
  get canReachPinterest(): boolean {
    return this.status === 'connected' && !this.paused;
  }

  /** What the `PinterestConnectionStatus` search attribute shows: the connection, or `paused`. */
  get visibleStatus(): string {
    return this.paused && this.status === 'connected' ? 'paused' : this.status;
  }

  /** Pauses; a repeated pause without a reason keeps the earlier one. */
  pause(reason: string | undefined): void {
    this.paused = true;
    this.pausedReason = reason ?? this.pausedReason;
  }

  resume(): void {
    this.paused = false;
    this.pausedReason = undefined;
  }

  disconnect(): void {
    this.status = 'disconnected';
  }

  /** Reconnected through OAuth; returns false for a disconnected account, which stays so. */
  reconnected(): boolean {
    if (this.disconnected) return false;
    this.reconnects += 1;
    this.status = 'connected';
    return true;
  }

  /** Pinterest refused the grant: calls wait for a reconnect. */
  grantRefused(): void {
    this.status = 'needs_reauth';
  }
}
