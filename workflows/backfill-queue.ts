// Date ranges waiting to be backfilled through async reports, as plain code: no Temporal imports.
import { splitBackfill, type BackfillRange } from '../domain/pull-plan';
import { FAILURE_TYPES, REPORT_TRIES, parks, type CallFailure } from './failure-types';

/** Report-sized ranges (at most 186 days) still to backfill, oldest request first; the head is the one under way. */
export class BackfillQueue {
  /** JSON-plain: status shows it and continue-as-new carries it as it is. */
  constructor(readonly ranges: BackfillRange[]) {}

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

  /** The head's report was collected. */
  collected(): void {
    this.ranges.shift();
  }

  /**
   * The head's report failed on `attempt` (from 1). An expired report is asked for again up to
   * REPORT_TRIES times (`ask-again`); a refused grant or a daily cap keeps the range for later
   * (`kept`); any other failure drops it (`dropped`).
   */
  reportFailed(attempt: number, failure: CallFailure): 'ask-again' | 'kept' | 'dropped' {
    if (failure.type === FAILURE_TYPES.reportExpired && attempt < REPORT_TRIES) return 'ask-again';
    if (parks(failure)) return 'kept';
    this.ranges.shift();
    return 'dropped';
  }
}
