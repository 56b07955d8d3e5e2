// Where each piece a `backfill` update queued stands, read from the account's `status` answer
// (its queue and `backfill_progress`), and the summary once all are done. Pure.
import type { BackfillRange } from '../domain/pull-plan';
import type { AdAccountStatus } from '../workflows/ad-account-types';
import type { QueuedBackfillRange } from '../workflows/backfill-queue';

/** A piece's step: waiting in the queue, its report asked for, being built and collected, stored or dropped. */
export type PieceStep = 'queued' | 'requesting_report' | 'collecting_report' | 'stored' | 'dropped';

/** Steps in order: a progress bar's value (of STEPS_TOTAL). */
const STEP_VALUE: Record<PieceStep, number> = { queued: 0, requesting_report: 1, collecting_report: 2, stored: 3, dropped: 3 };
/** A piece's bar runs from 0 (queued) to 3 (stored or dropped). */
export const STEPS_TOTAL = 3;

/** One queued piece and where it stands. `rows`: metric rows its report stored, when the workflow reported them. */
export interface PieceState {
  piece: QueuedBackfillRange;
  step: PieceStep;
  /** The report's attempt (from 1) while under way or when finished, when known. */
  attempt?: number;
  rows?: number;
}

const sameRange = (a: BackfillRange, b: BackfillRange) => a.start_date === b.start_date && a.end_date === b.end_date;

/** Days in a range, both ends included. */
const daysIn = (range: BackfillRange) => Math.round((Date.parse(range.end_date) - Date.parse(range.start_date)) / 86_400_000) + 1;

/** The bar value of a step (0 to STEPS_TOTAL). */
export const stepValue = (step: PieceStep) => STEP_VALUE[step];

/** Whether a piece is done (stored or dropped). */
export const finished = (state: PieceState) => state.step === 'stored' || state.step === 'dropped';

/**
 * Where each of `pieces` (the `backfill` update's answer) stands in `status`. `baseline` is
 * `backfill_progress.finished_total` read before the update: only pieces finished after it count
 * (a run that continued-as-new since starts again from 0). A piece neither finished in the log, nor
 * under way, nor still queued has left the queue unseen (finished before a continue-as-new, or by a
 * worker before `backfill_progress`): `stored`, rows unknown.
 */
export function pieceStates(pieces: QueuedBackfillRange[], status: AdAccountStatus, baseline: number): PieceState[] {
  const progress = status.backfill_progress;
  const since = progress && progress.finished_total < baseline ? 0 : baseline;
  const finishedLog = (progress?.finished ?? []).filter((entry) => (entry.seq ?? 0) > since);
  const queue = [...status.backfill_queue];
  return pieces.map((piece) => {
    const done = finishedLog.findIndex((entry) => sameRange(entry, piece));
    if (done >= 0) {
      const [entry] = finishedLog.splice(done, 1);
      return { piece, step: entry!.step === 'dropped' ? 'dropped' : 'stored', attempt: entry!.attempt, ...(entry!.rows === undefined ? {} : { rows: entry!.rows }) };
    }
    const queued = queue.findIndex((range) => sameRange(range, piece));
    if (queued < 0) return { piece, step: 'stored' };
    queue.splice(queued, 1);
    const head = progress?.head;
    if (head && queued === 0 && sameRange(head, piece)) return { piece, step: head.step, attempt: head.attempt };
    return { piece, step: 'queued' };
  });
}

/** A piece as one line: `2025-01-01..2025-06-30 (181 days): collecting report (attempt 2)`. */
export function pieceLine(state: PieceState): string {
  const { piece } = state;
  const what = {
    queued: 'queued',
    requesting_report: 'requesting report',
    collecting_report: 'collecting report',
    stored: state.rows === undefined ? 'stored' : `stored, ${state.rows} rows`,
    dropped: 'dropped (see last error)',
  }[state.step];
  const attempt = state.attempt && state.attempt > 1 && !finished(state) ? ` (attempt ${state.attempt})` : '';
  return `${piece.start_date}..${piece.end_date} (${daysIn(piece)} days): ${what}${attempt}`;
}

/**
 * The summary of a finished backfill: pieces, days and rows stored (`at least` when a piece's
 * rows are unknown), pieces dropped, and each clamped range (asked-for start, why, days left out).
 */
export function backfillSummary(states: PieceState[]): string[] {
  const stored = states.filter((s) => s.step === 'stored');
  const dropped = states.filter((s) => s.step === 'dropped');
  const rows = stored.reduce((sum, s) => sum + (s.rows ?? 0), 0);
  const unknown = stored.some((s) => s.rows === undefined);
  const days = stored.reduce((sum, s) => sum + daysIn(s.piece), 0);
  const lines = [`backfill done: ${stored.length} of ${states.length} piece${states.length === 1 ? '' : 's'} stored, ${days} days, ${unknown ? 'at least ' : ''}${rows} rows`];
  for (const s of dropped) lines.push(`dropped: ${s.piece.start_date}..${s.piece.end_date}`);
  for (const { piece } of states) {
    if (!piece.clamped_by) continue;
    const why = piece.clamped_by === 'account_created' ? 'before the ad account was created' : "beyond Pinterest's 914 days of history";
    lines.push(`clamped: asked from ${piece.requested_start_date}, started at ${piece.start_date}: ${piece.clamped_days} days ${why} left out`);
  }
  return lines;
}
