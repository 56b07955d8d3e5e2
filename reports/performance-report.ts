import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { pinterestIdSchema } from '../domain/routy-records';
import { reportBoolean, reportDate, reportWindow, reportWindowOrAccount, startNotAfterEnd } from './report-params';
import { NO_RECONCILIATION_INPUTS, reconcile, type Reconciliation, type ReconciliationInputs } from '../domain/conversion-reconciliation';
import { reconciliationInputs } from './reconciliation-inputs';
import { totalInAccountCurrency, type AccountCurrencyTotal, type DatedRate, type ValueGroup } from '../domain/exchange-rates';
import type { Database } from '../store/database-schema';
import { ratesForReport } from '../store/exchange-rates-store';
import { attributionKey, entityMetrics, REPORT_LEVELS, unsyncedEntity } from './entity-metrics';
import { CUMULATIVE_COLUMNS } from '../store/metrics-store';
import { extraColumnTotals, type ExtraColumnValue } from './extra-column-totals';
import { columnarRows } from './columnar-rows';

/** A report request, validated at every way in (HTTP, CLI). Dates are `YYYY-MM-DD`. */
export const reportRequestSchema = z
  .strictObject({
    ad_account_id: pinterestIdSchema.optional(),
    level: z.enum(REPORT_LEVELS).default('campaign'),
    start_date: reportDate,
    end_date: reportDate,
    /** Days from touch to conversion that count; `account`: the account's click window. */
    window: reportWindowOrAccount.default(30),
    /** A second window shown side by side. */
    compare: reportWindow.optional(),
    /** Only rows whose campaign is (`true`) or is not (`false`) a Performance+ campaign; rows whose campaign is unknown are left out of both. */
    performance_plus: reportBoolean.optional(),
  })
  .refine(...startNotAfterEnd);

export type ReportRequest = z.infer<typeof reportRequestSchema>;

/** Conversions, revenue, cost per conversion and ROAS under one window. Money in currency units. */
export interface WindowFigures {
  window_days: number;
  /** Every attributed conversion, whatever its currency. */
  conversions: number;
  /** In the account's currency: values in it plus converted ones (never unconverted ones). */
  revenue: number;
  /** Spend / conversions; null without conversions or without pulled spend (never 0 for "unknown"). */
  cost_per_conversion: number | null;
  /** Revenue / spend; null without pulled spend or with none spent. Unconverted values are left out. */
  roas: number | null;
  /**
   * Values in other currencies, converted with the rate dated on their conversion date (account
   * time zone), else the latest one before: one entry per currency and rate used. `revenue` in
   * that currency's units, `converted_revenue` in the account's (included in `revenue` above).
   */
  converted: Array<{ currency: string; rate_date: string; rate: string; conversions: number; revenue: number; converted_revenue: number }>;
  /** Values no rate converts, per currency (null: sent without one), in that currency's units: not in `revenue`. */
  unconverted: Array<{ currency: string | null; conversions: number; revenue: number }>;
}

/** One row per entity and currency: accounts in different currencies are never summed. */
export interface ReportRow {
  ad_account_id: string;
  /** The ad account's currency: spend, revenue and cost per conversion are in it. */
  currency: string;
  level: (typeof REPORT_LEVELS)[number];
  /** The entity's id; for a row with `synced: false`, the ad's (or pin's) id the touchpoint carried. */
  id: string;
  /** The entity's name, or "ad <id>, not synced yet" (also "pin <id>", "campaign <id>"...). */
  name: string;
  pin_id: string | null;
  /** The objective of the row's campaign (its own at campaign level) as Pinterest spells it; null: not synced or not given. */
  objective_type: string | null;
  /** Whether the row's campaign is a Performance+ campaign; null: not synced, or Pinterest did not say. */
  is_performance_plus: boolean | null;
  /** False: conversions credited to an ad (or pin, campaign, ad group) not synced yet; no spend known. */
  synced: boolean;
  /** Currency units (converted from micro-currency only here); null: no metrics pulled for the entity in the range. */
  spend: number | null;
  impressions: number;
  saves: number;
  pin_clicks: number;
  outbound_clicks: number;
  routy: WindowFigures;
  compare?: WindowFigures;
  /** Pinterest-reported conversions and checkout value under the account's settings, and Routy minus Pinterest. */
  pinterest: { conversions: number; checkout_value: number; difference: number };
  /** `pinterest.difference` split into its causes (domain/conversion-reconciliation.ts; README "Reconciliation"). */
  reconciliation: Reconciliation;
  /**
   * The account's extra sync-analytics columns of this level (`setAnalyticsColumns`), by Pinterest
   * name, over the range (see extraColumnTotals; micro-currency stays micro); absent when it added none.
   */
  extra_columns?: Record<string, ExtraColumnValue>;
}

const round = (n: number) => Math.round(n * 100) / 100;
const units = (micro: bigint) => round(Number(micro) / 1_000_000);

/** Figures under one window; `spend` in currency units (null: not pulled). */
function windowFigures(spend: number | null, days: number, total: AccountCurrencyTotal): WindowFigures {
  const revenue = Number(total.revenue_micro) / 1_000_000;
  return {
    window_days: days,
    conversions: total.conversions,
    revenue: round(revenue),
    cost_per_conversion: spend !== null && total.conversions > 0 ? round(spend / total.conversions) : null,
    roas: spend !== null && spend > 0 ? round(revenue / spend) : null,
    converted: total.converted.map((p) => ({ currency: p.currency, rate_date: p.rate_date, rate: p.rate, conversions: p.conversions, revenue: units(p.value_micro), converted_revenue: units(p.converted_micro) })),
    unconverted: total.unconverted.map((p) => ({ currency: p.currency, conversions: p.conversions, revenue: units(p.value_micro) })),
  };
}

/** Attributed conversions of one entity key (see attributionKey), currency and conversion date, under both windows. */
interface AttributionGroup {
  entity_key: string;
  pin_id: string | null;
  currency: string | null;
  date: string;
  /** Counts come as numbers (int4), revenue in micro-currency as a string of digits (summed exactly). */
  conversions: number;
  revenue: string | null;
  compare_conversions: number;
  compare_revenue: string | null;
  /** Of `conversions`: credited to a save; checkouts credited to a view (reconciliation). */
  engagement: number;
  view_checkouts: number;
}

/** One window's total of an entity's groups (see totalInAccountCurrency); groups without a conversion in it are left out. */
function groupTotal(
  accountCurrency: string,
  groups: readonly AttributionGroup[],
  count: 'conversions' | 'compare_conversions',
  value: 'revenue' | 'compare_revenue',
  rates: ReadonlyMap<string, readonly DatedRate[]>,
): AccountCurrencyTotal {
  const counted: ValueGroup[] = [];
  for (const g of groups) {
    const conversions = Number(g[count]);
    if (conversions > 0) counted.push({ currency: g.currency, date: g.date, conversions, value_micro: g[value] });
  }
  return totalInAccountCurrency(accountCurrency, counted, rates);
}

/** A row's reconciliation inputs: the store's (reconciliationInputs), Routy's save- and view-credited conversions, Pinterest's from its totals. */
function rowInputs(stored: ReconciliationInputs, groups: readonly AttributionGroup[], metrics: { view_checkouts: number | null; engagement_checkouts: number | null } | undefined): ReconciliationInputs {
  let engagement = 0;
  let view = 0;
  for (const g of groups) {
    engagement += Number(g.engagement);
    view += Number(g.view_checkouts);
  }
  return {
    ...stored,
    routy_engagement: engagement,
    routy_view: view,
    pinterest_view: Number(metrics?.view_checkouts ?? 0),
    pinterest_engagement: Number(metrics?.engagement_checkouts ?? 0),
  };
}

const LEVEL_WORDS = { campaign: 'campaign', ad_group: 'ad group', pin: 'ad' } as const;

/**
 * Cost per conversion per campaign, ad group or pin for a date range. Spend and engagement come
 * from the pulled metrics under each account's settings; Routy-attributed conversions are those
 * whose conversion date (account time zone) falls in the range and whose lag from the winning
 * touch fits the window. Values in another currency than the account's are converted by
 * `rateOn` (domain/exchange-rates.ts) or listed as unconverted. Conversions credited to an entity
 * not synced yet get a row of their own (`synced: false`), after the synced ones.
 */
export async function performanceReport(db: Kysely<Database>, request: ReportRequest): Promise<ReportRow[]> {
  const accounts = await db
    .selectFrom('ad_accounts')
    .selectAll()
    .$if(request.ad_account_id !== undefined, (q) => q.where('ad_account_id', '=', request.ad_account_id!))
    .execute();
  const rows: ReportRow[] = [];
  for (const account of accounts) {
    const windowDays = request.window === 'account' ? account.click_window_days : request.window;
    const compareDays = request.compare ?? windowDays;
    const key = attributionKey(request.level === 'campaign' ? 'campaign_id' : request.level === 'ad_group' ? 'ad_group_id' : 'ad_id');
    // A value in another currency (or in none) is grouped by its date, to be converted at that date's rate.
    const foreign = sql`(a.conversion_value_micro IS NOT NULL AND a.conversion_currency IS DISTINCT FROM ${account.currency})`;
    const within = (days: number) => sql`(count(*) filter (where a.lag_seconds <= ${days * 86_400}))::int4`;
    const revenueWithin = (days: number) => sql`sum(a.conversion_value_micro) filter (where a.lag_seconds <= ${days * 86_400})`;
    // Two independent queries: on a pool they run side by side.
    const [entities, groups, extra, explained] = await Promise.all([
      entityMetrics(db, account, request.level, request.start_date, request.end_date, CUMULATIVE_COLUMNS),
      // Column by column (columnarRows); revenue as text, summed exactly as a bigint here.
      columnarRows<AttributionGroup>(
        db,
        ['entity_key', 'pin_id', 'currency', 'date', 'conversions', 'revenue', 'compare_conversions', 'compare_revenue', 'engagement', 'view_checkouts'],
        sql`
        SELECT ${key} AS entity_key, min(a.pin_id) AS pin_id,
               CASE WHEN ${foreign} THEN a.conversion_currency ELSE ${account.currency} END AS currency,
               CASE WHEN ${foreign} THEN to_char(a.conversion_date, 'YYYY-MM-DD') ELSE '' END AS date,
               ${within(windowDays)} AS conversions, ${revenueWithin(windowDays)}::text AS revenue,
               ${within(compareDays)} AS compare_conversions, ${revenueWithin(compareDays)}::text AS compare_revenue,
               (count(*) filter (where a.lag_seconds <= ${windowDays * 86_400} AND a.touch_type = 'engagement'))::int4 AS engagement,
               (count(*) filter (where a.lag_seconds <= ${windowDays * 86_400} AND a.touch_type = 'view' AND a.conversion_event_name = 'checkout'))::int4 AS view_checkouts
        FROM attributions a
        WHERE a.ad_account_id = ${account.ad_account_id} AND a.conversion_date >= ${request.start_date}::date AND a.conversion_date <= ${request.end_date}::date
        GROUP BY 1, 3, 4`,
      ),
      extraColumnTotals(db, account, request.level, request.start_date, request.end_date),
      reconciliationInputs(db, account, request.level, request.start_date, request.end_date, windowDays),
    ]);
    const foreignCurrencies = [...new Set(groups.flatMap((g) => (g.currency !== null && g.currency !== account.currency ? [g.currency] : [])))];
    const rates = await ratesForReport(db, account.currency, foreignCurrencies, request.start_date, request.end_date);
    const names = new Map(entities.map((e) => [e.id, e]));
    const metricsByEntity = new Map(entities.filter((e) => e.spend_micro !== null).map((m) => [m.id, m]));
    const groupsByKey = new Map<string, AttributionGroup[]>();
    for (const g of groups) {
      const list = groupsByKey.get(g.entity_key);
      if (list) list.push(g);
      else groupsByKey.set(g.entity_key, [g]);
    }
    // Synced entities by id, then the others by key (the default sort: by UTF-16 code units).
    const synced: string[] = [];
    const unsynced: string[] = [];
    for (const k of new Set([...metricsByEntity.keys(), ...groupsByKey.keys()])) (names.has(k) ? synced : unsynced).push(k);
    const ordered = [...synced.sort(), ...unsynced.sort()];
    for (const entityKey of ordered) {
      const m = metricsByEntity.get(entityKey);
      const mine = groupsByKey.get(entityKey) ?? [];
      const spend = m ? Number(m.spend_micro) / 1_000_000 : null;
      const routy = windowFigures(spend, windowDays, groupTotal(account.currency, mine, 'conversions', 'revenue', rates));
      const pinterestConversions = Number(m?.pinterest_conversions ?? 0);
      const entity = names.get(entityKey);
      const shown = entity ? { id: entityKey, name: entity.name, pin_id: entity.pin_id } : unsyncedEntity(entityKey, LEVEL_WORDS[request.level], mine.find((g) => g.pin_id)?.pin_id ?? null);
      const performancePlus = entity?.is_performance_plus ?? null;
      if (request.performance_plus !== undefined && performancePlus !== request.performance_plus) continue;
      const difference = routy.conversions - pinterestConversions;
      const row: ReportRow = {
        ad_account_id: account.ad_account_id,
        currency: account.currency,
        level: request.level,
        id: shown.id,
        name: shown.name,
        pin_id: shown.pin_id,
        objective_type: entity?.objective_type ?? null,
        is_performance_plus: performancePlus,
        synced: entity !== undefined,
        spend: spend === null ? null : round(spend),
        impressions: Number(m?.impressions ?? 0),
        saves: Number(m?.saves ?? 0),
        pin_clicks: Number(m?.pin_clicks ?? 0),
        outbound_clicks: Number(m?.outbound_clicks ?? 0),
        routy,
        pinterest: {
          conversions: pinterestConversions,
          checkout_value: round(Number(m?.checkout_value_micro ?? 0) / 1_000_000),
          difference,
        },
        reconciliation: reconcile(difference, rowInputs(explained.get(entityKey) ?? NO_RECONCILIATION_INPUTS, mine, m)),
      };
      if (extra.columns.length > 0) row.extra_columns = extra.byEntity.get(entityKey) ?? Object.fromEntries(extra.columns.map((c) => [c, null]));
      if (request.compare) row.compare = windowFigures(spend, request.compare, groupTotal(account.currency, mine, 'compare_conversions', 'compare_revenue', rates));
      rows.push(row);
    }
  }
  return rows;
}
