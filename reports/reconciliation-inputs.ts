// What the store knows of each report row's conversions that Routy and Pinterest count apart:
// the inputs of domain/conversion-reconciliation.ts.
import { sql, type Kysely, type Selectable } from 'kysely';
import { NO_RECONCILIATION_INPUTS, type ReconciliationInputs } from '../domain/conversion-reconciliation';
import type { AdAccountsTable, Database } from '../store/database-schema';
import { attributionKey, type REPORT_LEVELS } from './entity-metrics';

/**
 * Per report-row key (entity id, or the `ad:` / `pin:` keys of attributionKey) of one account and
 * level, over [startDate, endDate] (account-timezone conversion dates); Pinterest's own view and
 * engagement checkouts come with the entity's metric totals (entityMetrics), and Routy's save- and
 * view-credited ones with its attributed conversions (performanceReport), so they are 0 here:
 * - of Routy's click- and view-credited conversions within `windowDays`, those `not_sendable` or
 *   `failed`, `stale`, and `unsent` / `sending` / `posting`;
 * - conversions still `pending` or `expired`, placed by the latest touchpoint sharing their click id
 *   (one without a click id, or whose click Routy never received, names no entity and is on no row).
 */
export async function reconciliationInputs(
  db: Kysely<Database>,
  account: Selectable<AdAccountsTable>,
  level: (typeof REPORT_LEVELS)[number],
  startDate: string,
  endDate: string,
  windowDays: number,
): Promise<Map<string, ReconciliationInputs>> {
  const id = account.ad_account_id;
  const key = attributionKey(level === 'campaign' ? 'campaign_id' : level === 'ad_group' ? 'ad_group_id' : 'ad_id');
  const completed = (column: 'campaign_id' | 'ad_group_id') => sql`coalesce(${sql.ref(`t.${column}`)}, ${sql.ref(`ad.${column}`)}, 'ad:' || t.ad_id, 'pin:' || t.pin_id, '')`;
  const touchKey = level === 'pin' ? sql`coalesce(t.ad_id, 'pin:' || t.pin_id, '')` : completed(level === 'campaign' ? 'campaign_id' : 'ad_group_id');
  const [routy, held] = await Promise.all([
    // Driven by the conversions not sent (a few in steady state) through conversions_capi_idx.
    sql<{ entity_key: string; not_sendable: string; stale: string; not_yet_sent: string }>`
      SELECT ${key} AS entity_key,
             count(*) FILTER (WHERE c.capi_state IN ('not_sendable', 'failed')) AS not_sendable,
             count(*) FILTER (WHERE c.capi_state = 'stale') AS stale,
             count(*) FILTER (WHERE c.capi_state IN ('unsent', 'sending', 'posting')) AS not_yet_sent
      FROM conversions c JOIN attributions a ON a.ad_account_id = c.ad_account_id AND a.event_id = c.event_id
      WHERE c.ad_account_id = ${id} AND c.capi_state IN ('not_sendable', 'failed', 'stale', 'unsent', 'sending', 'posting')
        AND a.conversion_date >= ${startDate}::date AND a.conversion_date <= ${endDate}::date
        AND a.lag_seconds <= ${windowDays * 86_400} AND a.touch_type <> 'engagement'
      GROUP BY 1`.execute(db),
    sql<{ entity_key: string; pending: string; expired: string }>`
      SELECT ${touchKey} AS entity_key,
             count(*) FILTER (WHERE c.attribution_state = 'pending') AS pending,
             count(*) FILTER (WHERE c.attribution_state = 'expired') AS expired
      FROM conversions c
      JOIN LATERAL (
        SELECT t.campaign_id, t.ad_group_id, t.ad_id, t.pin_id FROM touchpoints t
        WHERE t.ad_account_id = c.ad_account_id AND t.click_id = c.click_id
        ORDER BY t.occurred_at DESC LIMIT 1) t ON true
      LEFT JOIN ads ad ON ad.ad_account_id = c.ad_account_id AND ad.ad_id = t.ad_id
      WHERE c.ad_account_id = ${id} AND c.attribution_state IN ('pending', 'expired') AND c.click_id IS NOT NULL
        AND (c.event_time AT TIME ZONE ${account.time_zone ?? 'UTC'})::date >= ${startDate}::date
        AND (c.event_time AT TIME ZONE ${account.time_zone ?? 'UTC'})::date <= ${endDate}::date
      GROUP BY 1`.execute(db),
  ]);
  const byKey = new Map<string, ReconciliationInputs>();
  const entry = (k: string) => {
    let found = byKey.get(k);
    if (!found) byKey.set(k, (found = { ...NO_RECONCILIATION_INPUTS }));
    return found;
  };
  for (const r of routy.rows) Object.assign(entry(r.entity_key), { not_sendable: Number(r.not_sendable), stale: Number(r.stale), not_yet_sent: Number(r.not_yet_sent) });
  for (const r of held.rows) Object.assign(entry(r.entity_key), { held_pending: Number(r.pending), expired: Number(r.expired) });
  return byKey;
}
