// When the ad account's CPA alerts are evaluated, and what the last evaluation found (shown in
// `status.cpa_alerts`, carried across continue-as-new). Plain code: no Temporal imports.
import type { CpaAlertsSummary } from '../domain/cpa-alerts';

/** After a record pump that attributed conversions, alerts are evaluated again only when the last evaluation is older than this (ms); every pull evaluates. */
const CPA_ALERTS_PUMP_INTERVAL_MS = 15 * 60_000;

/** Whether an evaluation is due, and the last one's summary. Times are epoch ms of workflow time. */
export class CpaAlertTracker {
  /** An evaluation is due: the loop starts one beside its other work. */
  due = false;
  /** What the last evaluation found (absent until the first one, in runs before the `cpa-alerts` patch). */
  summary?: CpaAlertsSummary;
  private lastEvaluatedMs?: number;

  constructor(carried?: CpaAlertsSummary) {
    this.summary = carried;
    if (carried) this.lastEvaluatedMs = Date.parse(carried.evaluated_at);
  }

  /** A pump attributed `matched` conversions: due when the last evaluation is at least CPA_ALERTS_PUMP_INTERVAL_MS old. */
  pumpWantsEvaluation(matched: number, nowMs: number): boolean {
    return matched > 0 && (this.lastEvaluatedMs === undefined || nowMs - this.lastEvaluatedMs >= CPA_ALERTS_PUMP_INTERVAL_MS);
  }

  /** The evaluation starts: nothing is due until the next reason. */
  started(): void {
    this.due = false;
  }

  /** The evaluation's answer. */
  evaluated(summary: CpaAlertsSummary, nowMs: number): void {
    this.summary = summary;
    this.lastEvaluatedMs = nowMs;
  }

  /** The webhook took `delivered` alerts. */
  delivered(delivered: number): void {
    if (this.summary) this.summary = { ...this.summary, undelivered: Math.max(0, this.summary.undelivered - delivered) };
  }
}
