import type { ColumnType } from 'kysely';

/** Pinterest's per-user rate budget of one category, shared by every worker (store/request-budget-store.ts). */
export interface PinterestRequestBudgetsTable {
  /** Whose budget: `user:<Pinterest user id>`, `grant:<connection_id>`, or `credential:<digest>` for a credential no grant owns. */
  budget_key: string;
  /** A rate-limit category, e.g. `ads_analytics`. */
  category: string;
  /** Start of the minute (database clock) that `used` counts. */
  window_start: ColumnType<Date, Date | string, Date | string>;
  /** Requests taken in that minute. */
  used: number;
}
