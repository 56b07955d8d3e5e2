// Pinterest's product-level figures, read after each successful metrics pull (behind the
// `product-pulls` patch): product group analytics, then the brand / category / SKU report.
// Workflow code: deterministic, activities enter as types only.
import { read } from './ad-account-reads';
import type { AdAccountState } from './ad-account-state';

/** The patch the product pulls run behind. */
export const PRODUCT_PULLS_PATCH = 'product-pulls';

/**
 * Pulls the account's product group figures (`pullProductGroups`) and asks for and collects the
 * brand / category / SKU report (`requestSkuReport`, `collectSkuReport`: polled by Temporal's
 * retry policy, up to 2 hours), under the account's attribution settings and restatement window.
 * @throws the activity's failure; the caller hands it to the state (`adSyncFailed`, `product pull`).
 */
export async function pullProducts(state: AdAccountState): Promise<void> {
  const { ad_account_id } = state.input;
  const request = { ad_account_id, min_days: state.restatementDays(), backfill_days: state.input.schedule.backfill_days, settings: state.settings };
  await read(state, 'pullProductGroups', (a) => a.pullProductGroups(request));
  const report = await read(state, 'requestSkuReport', (a) => a.requestSkuReport(request));
  await read(state, 'collectSkuReport', (a) => a.collectSkuReport({ ad_account_id, ...report, settings: state.settings }), { polled: true });
}
