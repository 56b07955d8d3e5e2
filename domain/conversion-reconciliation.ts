// Why Routy's and Pinterest's conversion counts of one report row differ, split into the causes
// the service can see; pure.

/**
 * Conversions Routy counts in a row that Pinterest does not report. Counts of conversions, each
 * conversion in at most one cause.
 */
export interface RoutyOnlyCauses {
  /**
   * Routy's conversions credited to a save (engagement touchpoint) beyond the engagement
   * checkouts Pinterest still reports (`TOTAL_ENGAGEMENT_CHECKOUT`): Pinterest's API has returned no
   * new data under `engagement_window_days` since v5.15, while Routy's own attribution still sees them.
   */
  engagement: number;
  /** Credited to a click or view but never sendable (no `em`, `hashed_maids`, or IP with user agent), or refused by Pinterest (`failed`). */
  not_sendable: number;
  /** Credited to a click or view but older than 7 days when it was to be sent: Pinterest refuses such events. */
  stale: number;
  /** Credited to a click or view and not sent yet (`unsent`, `sending`, `posting`). */
  not_yet_sent: number;
}

/** Conversions Pinterest reports in a row that Routy does not count. */
export interface PinterestOnlyCauses {
  /** Routy holds them pending (no qualifying touchpoint yet); placed on the row by the touchpoint their click id names. */
  held_pending: number;
  /** Their hold ended without a qualifying touchpoint; placed as held_pending. */
  expired: number;
  /** Pinterest's view-through checkouts (`TOTAL_VIEW_CHECKOUT`) beyond the checkouts Routy credits to a view touchpoint: impressions Routy never sees. */
  view_through: number;
}

/**
 * A row's difference (Routy minus Pinterest) explained:
 * `difference = sum(routy_only) - sum(pinterest_only) + unexplained`.
 */
export interface Reconciliation {
  difference: number;
  routy_only: RoutyOnlyCauses;
  pinterest_only: PinterestOnlyCauses;
  /** What the causes above leave over (e.g. Pinterest dating a conversion by its ad action, Tag-only conversions, windows that differ). */
  unexplained: number;
  /** Why save-driven conversions are in Routy's count and not in Pinterest's; null when `routy_only.engagement` is 0. */
  engagement_note: string | null;
}

/** What the store knows of one row, before it is split into causes. Counts of conversions. */
export interface ReconciliationInputs {
  /** Routy's conversions in the row under the report's window credited to a save, and its checkouts credited to a view. */
  routy_engagement: number;
  routy_view: number;
  /** Of Routy's click- and view-credited conversions in the row, by Conversions API state. */
  not_sendable: number;
  stale: number;
  not_yet_sent: number;
  /** Pinterest's engagement and view-through checkouts in the row (`TOTAL_ENGAGEMENT_CHECKOUT`, `TOTAL_VIEW_CHECKOUT`). */
  pinterest_engagement: number;
  pinterest_view: number;
  held_pending: number;
  expired: number;
}

export const NO_RECONCILIATION_INPUTS: ReconciliationInputs = {
  routy_engagement: 0,
  routy_view: 0,
  not_sendable: 0,
  stale: 0,
  not_yet_sent: 0,
  pinterest_engagement: 0,
  pinterest_view: 0,
  held_pending: 0,
  expired: 0,
};

/** The note a row with save-driven conversions carries (README, "Reconciliation"). */
export function engagementNote(count: number): string {
  return (
    `${count} conversion${count === 1 ? '' : 's'} Routy credits to a save: Pinterest's API has returned no new data under ` +
    'engagement_window_days since v5.15, so Pinterest no longer reports save-driven conversions; Routy\'s own attribution still counts them'
  );
}

/**
 * Splits `difference` (Routy's conversions minus Pinterest's, one row) into its causes; the
 * remainder is `unexplained`, so the parts always add up to the difference.
 */
export function reconcile(difference: number, inputs: ReconciliationInputs): Reconciliation {
  const engagement = Math.max(0, inputs.routy_engagement - inputs.pinterest_engagement);
  const routy_only: RoutyOnlyCauses = { engagement, not_sendable: inputs.not_sendable, stale: inputs.stale, not_yet_sent: inputs.not_yet_sent };
  const pinterest_only: PinterestOnlyCauses = {
    held_pending: inputs.held_pending,
    expired: inputs.expired,
    view_through: Math.max(0, inputs.pinterest_view - inputs.routy_view),
  };
  const routyOnly = routy_only.engagement + routy_only.not_sendable + routy_only.stale + routy_only.not_yet_sent;
  const pinterestOnly = pinterest_only.held_pending + pinterest_only.expired + pinterest_only.view_through;
  return {
    difference,
    routy_only,
    pinterest_only,
    unexplained: difference - routyOnly + pinterestOnly,
    engagement_note: engagement > 0 ? engagementNote(engagement) : null,
  };
}
