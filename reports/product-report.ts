import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { pinterestIdSchema } from '../domain/routy-records';
import type { Database } from '../store/database-schema';
import { ratesForReport } from '../store/exchange-rates-store';
import { attributionKey, entityMetrics, unsyncedEntity } from './entity-metrics';
import { pinterestProductFigures } from './pinterest-product-figures';
import { costShares, type ProductGroup } from './product-shares';
import { reportDate, reportWindow, reportWindowOrAccount, startNotAfterEnd } from './report-params';

/** A products report request (HTTP, CLI). Dates are `YYYY-MM-DD` (account time zone). */
export const productReportRequestSchema = z
  .strictObject({
    ad_account_id: pinterestIdSchema.optional(),
    start_date: reportDate,
    end_date: reportDate,
    /** Days from touch to conversion that count; `account`: the account's click window. */
    window: reportWindowOrAccount.default(30),
    /** The window shown beside it: 7 days unless asked otherwise. */
    compare: reportWindow.default(7),
  })
  .refine(...startNotAfterEnd);

export type ProductReportRequest = z.infer<typeof productReportRequestSchema>;

/** One SKU's Routy figures under one window. Revenue in the row's `currency`, cost share in the account's. */
export interface ProductFigures {
  window_days: number;
  /** Attributed conversions that carried the SKU. */
  conversions: number;
  /** Units of it (quantity; 1 per `content_ids` entry). */
  units: number;
  /** Currency units of the row's `currency`: item_price × quantity summed; null: no price was given. */
  revenue: number | null;
  /** Conversions whose SKU came without a price (only `content_ids`): their revenue is not in `revenue`. */
  unpriced_conversions: number;
  /** The SKU's share of the spend of the pins that drove it, in the account's currency units (see costShares); null: unknown. */
  cost_share: number | null;
}

/** A pin (ad) that drove a SKU, under the chosen window. */
export interface ProductPin {
  /** The ad's id, or the pin's id when the touch named only a pin. */
  id: string;
  pin_id: string | null;
  name: string;
  synced: boolean;
  conversions: number;
  units: number;
  revenue: number | null;
  cost_share: number | null;
}

/** One row per ad account, SKU and conversion currency: money in different currencies is never summed. */
export interface ProductRow {
  ad_account_id: string;
  /** The ad account's currency: cost shares are in it. */
  account_currency: string;
  sku: string;
  /** The conversions' currency (revenue is in it); null: they came without one. */
  currency: string | null;
  routy: ProductFigures;
  compare: ProductFigures;
  /** The pins (ads) that drove the SKU under the chosen window, most conversions first. */
  pins: ProductPin[];
  /** Pinterest's conversions for the SKU under the account's settings; null: not known (see pinterestProductFigures). On one row per SKU. */
  pinterest_conversions: number | null;
  /** Pinterest's conversion value, micro-currency of the account's currency; null: not known. */
  pinterest_conversion_value_micro: number | null;
}

type Grouped = {
  sku: string;
  currency: string | null;
  entity_key: string;
  pin_id: string | null;
  date: string;
} & { [figure in `${'w' | 'c'}_${'conversions' | 'units' | 'unpriced'}`]: number | null } & { [figure in `${'w' | 'c'}_revenue`]: string | null };

const round = (n: number) => Math.round(n * 100) / 100;
const units = (micro: bigint | null) => (micro === null ? null : round(Number(micro) / 1_000_000));
const sumOrNull = (values: Array<bigint | null>) => values.reduce<bigint | null>((sum, v) => (v === null ? sum : (sum ?? 0n) + v), null);

/** Figures of the groups of one row (or one pin of it) with their cost shares. */
function figures(windowDays: number, groups: ProductGroup[], shares: Array<bigint | null>): ProductFigures {
  return {
    window_days: windowDays,
    conversions: groups.reduce((n, g) => n + g.conversions, 0),
    units: groups.reduce((n, g) => n + g.units, 0),
    revenue: units(sumOrNull(groups.map((g) => g.revenue_micro))),
    unpriced_conversions: groups.reduce((n, g) => n + g.unpriced_conversions, 0),
    cost_share: units(sumOrNull(shares)),
  };
}

/**
 * Routy's product attribution per SKU over [start_date, end_date] (conversion dates in the account's
 * time zone): each matched conversion's products (attribution_products) credited to its winning
 * pin, counted when the lag from the touch fits the window and, beside it, the compare window.
 * Cost share: see costShares (spend of the pins over the range, from the pulled metrics under the
 * account's settings). Pinterest's product figures come from pinterestProductFigures.
 */
export async function productReport(db: Kysely<Database>, request: ProductReportRequest): Promise<ProductRow[]> {
  const accounts = await db
    .selectFrom('ad_accounts')
    .selectAll()
    .$if(request.ad_account_id !== undefined, (q) => q.where('ad_account_id', '=', request.ad_account_id!))
    .orderBy('ad_account_id')
    .execute();
  const rows: ProductRow[] = [];
  for (const account of accounts) {
    const windowDays = request.window === 'account' ? account.click_window_days : request.window;
    const foreign = sql`(p.currency IS DISTINCT FROM ${account.currency})`;
    const within = (prefix: 'w' | 'c', days: number) => {
      const fits = sql`p.lag_seconds <= ${days * 86_400}`;
      // Counts and units as numbers (int4, float8), revenue as a bigint string summed exactly.
      return sql`(count(*) filter (where ${fits}))::int4 AS ${sql.id(`${prefix}_conversions`)}, (sum(p.units) filter (where ${fits}))::float8 AS ${sql.id(`${prefix}_units`)},
                 sum(p.revenue_micro) filter (where ${fits}) AS ${sql.id(`${prefix}_revenue`)}, (count(*) filter (where ${fits} AND p.revenue_micro IS NULL))::int4 AS ${sql.id(`${prefix}_unpriced`)}`;
    };
    const [entities, { rows: grouped }, pinterest] = await Promise.all([
      entityMetrics(db, account, 'pin', request.start_date, request.end_date, ['spend_micro']),
      sql<Grouped>`
        SELECT p.sku, p.currency, ${attributionKey('ad_id', 'p')} AS entity_key, min(p.pin_id) AS pin_id,
               CASE WHEN ${foreign} THEN to_char(p.conversion_date, 'YYYY-MM-DD') ELSE '' END AS date,
               ${within('w', windowDays)}, ${within('c', request.compare)}
        FROM attribution_products p
        WHERE p.ad_account_id = ${account.ad_account_id} AND p.conversion_date >= ${request.start_date}::date AND p.conversion_date <= ${request.end_date}::date
        GROUP BY 1, 2, 3, 5`.execute(db),
      pinterestProductFigures(db, account, request.start_date, request.end_date),
    ]);
    const foreignCurrencies = [...new Set(grouped.flatMap((g) => (g.currency !== null && g.currency !== account.currency ? [g.currency] : [])))];
    const rates = await ratesForReport(db, account.currency, foreignCurrencies, request.start_date, request.end_date);
    const spend = new Map(entities.flatMap((e) => (e.spend_micro === null ? [] : [[e.id, BigInt(e.spend_micro)] as const])));
    const names = new Map(entities.map((e) => [e.id, e]));
    const windowGroups = (prefix: 'w' | 'c') => {
      // The column names once, not per row.
      const [conversions, units, revenue, unpriced] = [`${prefix}_conversions`, `${prefix}_units`, `${prefix}_revenue`, `${prefix}_unpriced`] as const;
      return grouped.map((g): ProductGroup => {
        const value = g[revenue];
        return {
          sku: g.sku,
          currency: g.currency,
          entity_key: g.entity_key,
          pin_id: g.pin_id,
          date: g.date,
          conversions: g[conversions] ?? 0,
          units: g[units] ?? 0,
          revenue_micro: value === null ? null : BigInt(value),
          unpriced_conversions: g[unpriced] ?? 0,
        };
      });
    };
    const chosen = windowGroups('w');
    const compared = windowGroups('c');
    const chosenShares = costShares(account.currency, chosen, spend, rates);
    const comparedShares = costShares(account.currency, compared, spend, rates);
    const rowKey = (g: { sku: string; currency: string | null }) => JSON.stringify([g.sku, g.currency]);
    // Indexes of each row's groups (the same in both windows: one list, two figure sets).
    const indexesByKey = new Map<string, number[]>();
    grouped.forEach((g, i) => {
      const key = rowKey(g);
      if (!indexesByKey.has(key)) indexesByKey.set(key, []);
      indexesByKey.get(key)!.push(i);
    });
    const keys = [...indexesByKey.keys()];
    const pinterestShown = new Set<string>();
    const ordered = keys
      .map((key) => JSON.parse(key) as [string, string | null])
      .sort(([skuA, curA], [skuB, curB]) => (skuA !== skuB ? (skuA < skuB ? -1 : 1) : curA === account.currency ? -1 : curB === account.currency ? 1 : (curA ?? '~') < (curB ?? '~') ? -1 : 1));
    for (const [sku, currency] of ordered) {
      const key = rowKey({ sku, currency });
      const mine = (groups: ProductGroup[], shares: Array<bigint | null>) => {
        const at = indexesByKey.get(key)!.filter((i) => groups[i]!.conversions > 0);
        return { groups: at.map((i) => groups[i]!), shares: at.map((i) => shares[i]!) };
      };
      const w = mine(chosen, chosenShares);
      const c = mine(compared, comparedShares);
      if (w.groups.length === 0 && c.groups.length === 0) continue;
      // Each pin's groups, in one pass.
      const byPin = new Map<string, number[]>();
      w.groups.forEach((g, i) => {
        const at = byPin.get(g.entity_key);
        if (at) at.push(i);
        else byPin.set(g.entity_key, [i]);
      });
      const pins: ProductPin[] = [];
      for (const [entityKey, at] of byPin) {
        const f = figures(windowDays, at.map((i) => w.groups[i]!), at.map((i) => w.shares[i]!));
        const entity = names.get(entityKey);
        const shown = entity ? { id: entityKey, name: entity.name, pin_id: entity.pin_id } : unsyncedEntity(entityKey, 'ad', w.groups[at[0]!]!.pin_id);
        pins.push({ id: shown.id, name: shown.name, pin_id: shown.pin_id, synced: entity !== undefined, conversions: f.conversions, units: f.units, revenue: f.revenue, cost_share: f.cost_share });
      }
      pins.sort((a, b) => b.conversions - a.conversions || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const theirs = pinterestShown.has(sku) ? undefined : pinterest.get(sku);
      pinterestShown.add(sku);
      rows.push({
        ad_account_id: account.ad_account_id,
        account_currency: account.currency,
        sku,
        currency,
        routy: figures(windowDays, w.groups, w.shares),
        compare: figures(request.compare, c.groups, c.shares),
        pins,
        pinterest_conversions: theirs?.conversions ?? null,
        pinterest_conversion_value_micro: theirs?.conversion_value_micro ?? null,
      });
    }
  }
  return rows;
}
