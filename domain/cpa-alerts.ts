// The CPA alert rule: a pin or campaign whose 30-day cost per conversion and 7-day one lie on
// different sides of the advertiser's target. The decision the product exists to change: a 7-day
// report would cut a slow-burn pin that pays back within 30 days. Pure.
import { targetFor, type CpaTargets } from './cpa-targets';

/**
 * `pays_back_long`: the 30-day cost per conversion is at or under the target while the 7-day one
 * is over it or has no conversions (a pin a 7-day report would cut that pays back);
 * `misses_long`: the reverse (30-day over the target or without conversions, 7-day at or under it).
 */
export type CpaAlertDirection = 'pays_back_long' | 'misses_long';

/** The directions, in the order metrics and tables list them. */
export const CPA_ALERT_DIRECTIONS: readonly CpaAlertDirection[] = ['pays_back_long', 'misses_long'];

/**
 * Which side of `target` each cost per conversion is on (currency units; null: no conversions in
 * that window, or no pulled spend). @returns the direction when they differ, else undefined.
 */
export function cpaCrossing(cpa30d: number | null, cpa7d: number | null, target: number): CpaAlertDirection | undefined {
  const longPays = cpa30d !== null && cpa30d <= target;
  const shortPays = cpa7d !== null && cpa7d <= target;
  // Without spend there is no cost to compare: neither side pays or misses.
  if (cpa30d === null && cpa7d === null) return undefined;
  if (longPays && !shortPays) return 'pays_back_long';
  if (!longPays && shortPays) return 'misses_long';
  return undefined;
}

/** One report row's figures the rule reads (the performance report's, window 30 beside 7; currency units). */
export interface CpaRowFigures {
  level: 'campaign' | 'pin';
  /** Campaign id, or the ad id at pin level. */
  entity_id: string;
  name: string;
  pin_id: string | null;
  /** The pin's (ad's) campaign; undefined at campaign level or when unknown. */
  campaign_id?: string;
  currency: string;
  /** Null: no pulled spend in the range (no alert then). */
  spend: number | null;
  conversions_30d: number;
  conversions_7d: number;
  cpa_30d: number | null;
  cpa_7d: number | null;
}

/** A row on different sides of its target: the figures an alert stores (currency units of `currency`). */
export interface CpaCrossing extends CpaRowFigures {
  direction: CpaAlertDirection;
  target: number;
  spend: number;
}

/**
 * Every row whose 30-day and 7-day costs per conversion lie on different sides of the target that
 * applies to it (targetFor: pin, its campaign, the account). Rows without spend, without a target
 * or in another currency than the targets' are left out.
 */
export function cpaCrossings(rows: readonly CpaRowFigures[], targets: CpaTargets): CpaCrossing[] {
  const crossings: CpaCrossing[] = [];
  for (const row of rows) {
    if (row.spend === null || row.currency !== targets.currency) continue;
    const target = targetFor(targets, row.level, row.entity_id, row.campaign_id);
    if (target === undefined) continue;
    const direction = cpaCrossing(row.cpa_30d, row.cpa_7d, target);
    if (direction) crossings.push({ ...row, spend: row.spend, direction, target });
  }
  return crossings;
}

/** One open alert as `status` shows it: ids and figures only (currency units), no names, no personal data. */
export interface CpaAlertBrief {
  alert_id: string;
  level: 'campaign' | 'pin';
  entity_id: string;
  direction: CpaAlertDirection;
  currency: string;
  target: number;
  cpa_30d: number | null;
  cpa_7d: number | null;
  first_seen_at: string;
}

/**
 * What one evaluation (`evaluateCpaAlerts`) found, kept by the workflow for `status.cpa_alerts`:
 * the account's open alerts, how many this evaluation opened and cleared, how many wait for the
 * webhook (0 when none is configured), and the newest open ones (at most 3). Times ISO 8601.
 */
export interface CpaAlertsSummary {
  evaluated_at: string;
  open: number;
  opened: number;
  cleared: number;
  undelivered: number;
  latest: CpaAlertBrief[];
}
