// How far the backfill's pieces have come, for `status` (`backfill_progress`) and the CLI's
// progress bars. Kept in memory by runs under the `backfill-progress` patch and never carried
// across continue-as-new: a new run starts with an empty log. Plain code: no Temporal imports.
import type { BackfillRange } from '../domain/pull-plan';

/** The patch under which the workflow keeps the backfill's progress for `status`. */
export const BACKFILL_PROGRESS_PATCH = 'backfill-progress';

/** How many finished pieces the log keeps (the newest). */
const FINISHED_KEPT = 50;

/**
 * Where one piece of the backfill queue is: `requesting_report` (asking Pinterest for the async
 * report), `collecting_report` (Pinterest builds it; then it is downloaded and stored),
 * `stored`, or `dropped` (its report failed for good; `last_error` says why).
 */
export type BackfillStep = 'requesting_report' | 'collecting_report' | 'stored' | 'dropped';

/** A piece under way or finished. */
export interface BackfillPieceProgress extends BackfillRange {
  step: BackfillStep;
  /** The report's attempt, from 1 (an expired report is asked for again). */
  attempt: number;
  /** Metric rows the piece's report stored (`stored` only). */
  rows?: number;
  /** 1 for the first piece this run finished, 2 for the next, ... (finished pieces only). */
  seq?: number;
}

/**
 * `status.backfill_progress`: the queue's head while its report is under way, and the pieces this
 * run finished (newest last, at most 50). `finished_total` counts every piece this run finished,
 * so a caller that read it before queuing knows which finished pieces came after (`seq` above it).
 */
export interface BackfillProgress {
  head?: BackfillPieceProgress;
  finished: BackfillPieceProgress[];
  finished_total: number;
}

/** The progress log of one run; BackfillQueue tells it what happens to its head. */
export class BackfillProgressLog {
  private head?: BackfillPieceProgress;
  private readonly finished: BackfillPieceProgress[] = [];
  private total = 0;

  /** The head `range` reached `step` on `attempt`. */
  step(range: BackfillRange, step: 'requesting_report' | 'collecting_report', attempt: number): void {
    this.head = { start_date: range.start_date, end_date: range.end_date, step, attempt };
  }

  /** The head `range` left the queue: stored with `rows`, or dropped. */
  finish(range: BackfillRange, outcome: { step: 'stored'; rows?: number } | { step: 'dropped' }): void {
    this.total += 1;
    const attempt = this.head?.attempt ?? 1;
    this.finished.push({ start_date: range.start_date, end_date: range.end_date, attempt, ...outcome, seq: this.total });
    if (this.finished.length > FINISHED_KEPT) this.finished.shift();
    this.head = undefined;
  }

  /** The head's report stopped for now (a refused grant, a daily cap): it waits in the queue. */
  waiting(): void {
    this.head = undefined;
  }

  /** A JSON-plain copy for `status`. */
  snapshot(): BackfillProgress {
    return { ...(this.head ? { head: { ...this.head } } : {}), finished: this.finished.map((piece) => ({ ...piece })), finished_total: this.total };
  }
}
