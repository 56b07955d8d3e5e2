import type { ColumnType } from 'kysely';

/** Pinterest's per-user rate budget of one category, shared by every worker (store/request-budget-store.ts). */
export interface PinterestRequestBudgetsTable {
  /** Whose budget: `grant:<connection_id>`, or `credential:<digest>` for a credential no grant owns. */
  budget_key: string;
  /** A rate-limit category, e.g. `ads_analytics`. */
  category: string;
  /** When the next request of this budget may be sent (GCRA's theoretical arrival time). */
  next_free_at: ColumnType<Date, Date | string, Date | string>;
}
