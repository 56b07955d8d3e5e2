import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import { pinterestIdSchema } from '../domain/routy-records';
import type { Database } from '../store/database-schema';
import { ratesForReport } from '../store/exchange-rates-store';
import { entityMetrics, unsyncedEntity } from './entity-metrics';
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

/**
 * Attributed products grouped by SKU, currency, ad (or, without one, pin) and, in a foreign
 * currency, conversion date: one array per column, element i of each describing group i.
 */
type GroupColumns = {
  sku: string[];
  currency: Array<string | null>;
  ad_id: Array<string | null>;
  pin_id: Array<string | null>;
  /** `YYYY-MM-DD` for values in another currency than the account's (converted at that date's rate), else null. */
  date: Array<string | null>;
} & { [figure in `${'w' | 'c'}_${'conversions' | 'units' | 'unpriced' | 'revenue'}`]: Array<number | null> };

const GROUP_COLUMNS = ['sku', 'currency', 'ad_id', 'pin_id', 'date', ...(['w', 'c'] as const).flatMap((p) => ['conversions', 'units', 'revenue', 'unpriced'].map((f) => `${p}_${f}`))];

const round = (n: number) => Math.round(n * 100) / 100;
const units = (micro: number | null) => (micro === null ? null : round(micro / 1_000_000));

/** Running figures of the groups of one row (or one pin of it); micro-currency sums null until a priced one is added. */
interface Tally {
  conversions: number;
  units: number;
  revenue_micro: number | null;
  unpriced_conversions: number;
  cost_share_micro: number | null;
}

const emptyTally = (): Tally => ({ conversions: 0, units: 0, revenue_micro: null, unpriced_conversions: 0, cost_share_micro: null });

function add(tally: Tally, group: ProductGroup, share: number | null): void {
  tally.conversions += group.conversions;
  tally.units += group.units;
  if (group.revenue_micro !== null) tally.revenue_micro = (tally.revenue_micro ?? 0) + group.revenue_micro;
  tally.unpriced_conversions += group.unpriced_conversions;
  if (share !== null) tally.cost_share_micro = (tally.cost_share_micro ?? 0) + share;
}

function figures(windowDays: number, tally: Tally): ProductFigures {
  return {
    window_days: windowDays,
    conversions: tally.conversions,
    units: tally.units,
    revenue: units(tally.revenue_micro),
    unpriced_conversions: tally.unpriced_conversions,
    cost_share: units(tally.cost_share_micro),
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
      // As numbers (int4, float8: sums exact below 2^53 micro-currency units), not strings to parse.
      return sql`(count(*) filter (where ${fits}))::int4 AS ${sql.id(`${prefix}_conversions`)}, (sum(p.units) filter (where ${fits}))::float8 AS ${sql.id(`${prefix}_units`)},
                 (sum(p.revenue_micro) filter (where ${fits}))::float8 AS ${sql.id(`${prefix}_revenue`)}, (count(*) filter (where ${fits} AND p.revenue_micro IS NULL))::int4 AS ${sql.id(`${prefix}_unpriced`)}`;
    };
    const [entities, { rows: columnRows }, pinterest] = await Promise.all([
      entityMetrics(db, account, 'pin', request.start_date, request.end_date, ['spend_micro']),
      // Column by column, as JSON arrays: JSON.parse reads 10,000 groups natively, where as many
      // rows of 13 fields would be parsed field by field in JavaScript.
      sql<GroupColumns>`
        SELECT ${sql.join(GROUP_COLUMNS.map((c) => sql`coalesce(json_agg(${sql.ref(`g.${c}`)}), '[]') AS ${sql.id(c)}`))}
        FROM (
          SELECT p.sku, p.currency, p.ad_id, p.pin_id, CASE WHEN ${foreign} THEN to_char(p.conversion_date, 'YYYY-MM-DD') END AS date,
                 ${within('w', windowDays)}, ${within('c', request.compare)}
          FROM attribution_products p
          WHERE p.ad_account_id = ${account.ad_account_id} AND p.conversion_date >= ${request.start_date}::date AND p.conversion_date <= ${request.end_date}::date
          -- By the plain columns: keys built per row (attributionKey) or min(pin_id) cost a sixth of the statement.
          GROUP BY 1, 2, 3, 4, 5) g`.execute(db),
      pinterestProductFigures(db, account, request.start_date, request.end_date),
    ]);
    const g = columnRows[0]!;
    const count = g.sku.length;
    const foreignCurrencies = [...new Set(g.currency.filter((c): c is string => c !== null && c !== account.currency))];
    const rates = await ratesForReport(db, account.currency, foreignCurrencies, request.start_date, request.end_date);
    const spend = new Map<string, number>();
    for (const e of entities) if (e.spend_micro !== null) spend.set(e.id, e.spend_micro);
    const names = new Map(entities.map((e) => [e.id, e]));
    // attributionKey('ad_id') of each group: the ad's id, else `pin:<pin id>`, else ''.
    const entityKeys = g.ad_id.map((ad, i) => ad ?? (g.pin_id[i] != null ? `pin:${g.pin_id[i]}` : ''));
    const windowGroups = (prefix: 'w' | 'c') => {
      // The column names once, not per row.
      const [conversions, units, revenue, unpriced] = [`${prefix}_conversions`, `${prefix}_units`, `${prefix}_revenue`, `${prefix}_unpriced`] as const;
      return g.sku.map(
        (sku, i): ProductGroup => ({
          sku,
          currency: g.currency[i] ?? null,
          entity_key: entityKeys[i]!,
          pin_id: g.pin_id[i] ?? null,
          date: g.date[i] ?? '',
          conversions: g[conversions][i] ?? 0,
          units: g[units][i] ?? 0,
          revenue_micro: g[revenue][i] ?? null,
          unpriced_conversions: g[unpriced][i] ?? 0,
        }),
      );
    };
    const chosen = windowGroups('w');
    const compared = windowGroups('c');
    const chosenShares = costShares(account.currency, chosen, spend, rates);
    const comparedShares = costShares(account.currency, compared, spend, rates);
    // One pass: each SKU and currency's tallies under both windows, and per pin under the chosen one.
    interface Row {
      sku: string;
      currency: string | null;
      w: Tally;
      c: Tally;
      pins: Map<string, { tally: Tally; pin_id: string | null }>;
    }
    const bySku = new Map<string, Map<string | null, Row>>();
    for (let i = 0; i < count; i += 1) {
      const w = chosen[i]!;
      let currencies = bySku.get(w.sku);
      if (!currencies) bySku.set(w.sku, (currencies = new Map()));
      let row = currencies.get(w.currency);
      if (!row) currencies.set(w.currency, (row = { sku: w.sku, currency: w.currency, w: emptyTally(), c: emptyTally(), pins: new Map() }));
      if (w.conversions > 0) {
        add(row.w, w, chosenShares[i]!);
        // An ad's groups are one per pin id its touches carried: the lowest one names an unsynced ad.
        let pin = row.pins.get(w.entity_key);
        if (!pin) row.pins.set(w.entity_key, (pin = { tally: emptyTally(), pin_id: w.pin_id }));
        else if (w.pin_id !== null && (pin.pin_id === null || w.pin_id < pin.pin_id)) pin.pin_id = w.pin_id;
        add(pin.tally, w, chosenShares[i]!);
      }
      const c = compared[i]!;
      if (c.conversions > 0) add(row.c, c, comparedShares[i]!);
    }
    // By SKU (code units), the account's currency first, then the others, none last.
    const currencyOrder = (a: string | null, b: string | null) => (a === account.currency ? -1 : b === account.currency ? 1 : (a ?? '~') < (b ?? '~') ? -1 : 1);
    for (const sku of [...bySku.keys()].sort()) {
      const currencies = bySku.get(sku)!;
      let pinterestShown = false;
      for (const currency of [...currencies.keys()].sort(currencyOrder)) {
        const row = currencies.get(currency)!;
        if (row.w.conversions === 0 && row.c.conversions === 0) continue;
        const pins: ProductPin[] = [];
        for (const [entityKey, { tally, pin_id }] of row.pins) {
          const f = figures(windowDays, tally);
          const entity = names.get(entityKey);
          const shown = entity ? { id: entityKey, name: entity.name, pin_id: entity.pin_id } : unsyncedEntity(entityKey, 'ad', pin_id);
          pins.push({ id: shown.id, name: shown.name, pin_id: shown.pin_id, synced: entity !== undefined, conversions: f.conversions, units: f.units, revenue: f.revenue, cost_share: f.cost_share });
        }
        pins.sort((a, b) => b.conversions - a.conversions || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const theirs = pinterestShown ? undefined : pinterest.get(sku);
        pinterestShown = true;
        rows.push({
          ad_account_id: account.ad_account_id,
          account_currency: account.currency,
          sku,
          currency,
          routy: figures(windowDays, row.w),
          compare: figures(request.compare, row.c),
          pins,
          pinterest_conversions: theirs?.conversions ?? null,
          pinterest_conversion_value_micro: theirs?.conversion_value_micro ?? null,
        });
      }
    }
  }
  return rows;
}
