// Date ranges waiting to be backfilled through async reports, and how far back the account's
// history goes, as plain code: no Temporal imports.
import { clampToHistory, type ClampReason, type DroppedDays } from '../domain/history-bounds';
import { splitBackfill, type BackfillRange } from '../domain/pull-plan';
import { BackfillProgressLog } from './backfill-progress';
import { FAILURE_TYPES, REPORT_TRIES, parks, type CallFailure } from './failure-types';

/** The patch under which the `backfill` update clamps to the account's history instead of refusing past 914 days. */
export const BACKFILL_BOUNDS_PATCH = 'backfill-history-bounds';

/**
 * A queued piece as the `backfill` update answers it. The oldest piece of a request that reached
 * before the account's creation or Pinterest's 914 days says so: the start asked for, why it was
 * moved, and how many days were left out. Absent from runs before the `backfill-history-bounds` patch.
 */
export interface QueuedBackfillRange extends BackfillRange {
  requested_start_date?: string;
  clamped_by?: ClampReason;
  clamped_days?: number;
}

/** What the account's history bounds are known to be, carried across continue-as-new. */
export interface HistoryBounds {
  /** The account's creation date (account time zone), learned from its pulls. */
  account_created_date?: string;
  /** The days the last automatic backfill (first pull, missed days) left out. */
  history_dropped?: DroppedDays;
}

/** Report-sized ranges (at most 186 days) still to backfill, oldest request first; the head is the one under way. */
export class BackfillQueue {
  /** The head's steps and the finished pieces, for `status`; set by `trackProgress` (runs under the `backfill-progress` patch). */
  progress?: BackfillProgressLog;

  /** JSON-plain: status shows it and continue-as-new carries it as it is. */
  constructor(
    readonly ranges: BackfillRange[],
    readonly history: HistoryBounds = {},
  ) {}

  /** The range whose report is asked for next (or is under way). */
  get head(): BackfillRange | undefined {
    return this.ranges[0];
  }

  /** Queues a range in report-sized pieces; returns the pieces. */
  add(range: BackfillRange): BackfillRange[] {
    const pieces = splitBackfill(range);
    this.ranges.push(...pieces);
    return pieces;
  }

  /**
   * Queues a range clamped to the account's history (its creation date when known, and 914 days
   * before `today`, UTC); the oldest piece says what was clamped. A range wholly before is refused
   * by the validator (`backfillProblems`): here it queues nothing.
   */
  addWithinHistory(range: BackfillRange, today: string): QueuedBackfillRange[] {
    const { kept, dropped } = clampToHistory(range, today, this.history.account_created_date);
    if (!kept) return [];
    const pieces: QueuedBackfillRange[] = this.add(kept).map((piece) => ({ ...piece }));
    if (dropped) Object.assign(pieces[0]!, { requested_start_date: range.start_date, clamped_by: dropped.reason, clamped_days: dropped.days });
    return pieces;
  }

  /** A pull told the account's creation date and what its automatic backfill left out (if anything). */
  learned(pulled: { account_created_date?: string; dropped?: DroppedDays }): void {
    if (pulled.account_created_date) this.history.account_created_date = pulled.account_created_date;
    if (pulled.dropped) this.history.history_dropped = pulled.dropped;
  }

  /** Keeps the progress log from now on (in memory only: continue-as-new starts a new one). */
  trackProgress(): void {
    this.progress ??= new BackfillProgressLog();
  }

  /** The head's report reached `step` on `attempt` (from 1); noted only while tracking progress. */
  step(step: 'requesting_report' | 'collecting_report', attempt: number): void {
    if (this.head) this.progress?.step(this.head, step, attempt);
  }

  /** The head's report was collected, storing `rows` metric rows. */
  collected(rows?: number): void {
    const range = this.ranges.shift();
    if (range) this.progress?.finish(range, { step: 'stored', ...(rows === undefined ? {} : { rows }) });
  }

  /**
   * The head's report failed on `attempt` (from 1). An expired report is asked for again up to
   * REPORT_TRIES times (`ask-again`); a refused grant or a daily cap keeps the range for later
   * (`kept`); any other failure drops it (`dropped`).
   */
  reportFailed(attempt: number, failure: CallFailure): 'ask-again' | 'kept' | 'dropped' {
    if (failure.type === FAILURE_TYPES.reportExpired && attempt < REPORT_TRIES) return 'ask-again';
    if (parks(failure)) {
      this.progress?.waiting();
      return 'kept';
    }
    const range = this.ranges.shift();
    if (range) this.progress?.finish(range, { step: 'dropped' });
    return 'dropped';
  }
}
