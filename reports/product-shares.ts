import { convertMicro, rateOn, type DatedRate } from '../domain/exchange-rates';

/** Attributed product rows of one SKU, currency, winning entity (ad key) and date, under one window. */
export interface ProductGroup {
  sku: string;
  /** The conversions' currency; null: they had none. */
  currency: string | null;
  /** attributionKey('ad_id'): the ad's id, else `pin:<id>`, else ''. */
  entity_key: string;
  pin_id: string | null;
  /** Conversion date (account time zone) for values in another currency than the account's, else ''. */
  date: string;
  conversions: number;
  units: number;
  /** Micro-`currency` as a number (exact below 2^53, about 9 billion currency units); null: no item of these carried a price. */
  revenue_micro: number | null;
  /** Conversions among these whose SKU carried no price. */
  unpriced_conversions: number;
}

/**
 * Each group's share of its entity's (pin's) spend, in micro-currency of the account: the spend
 * of the entity over the range × the group's revenue in the account's currency / the entity's
 * revenue in the account's currency over every SKU. Values in another currency are converted at
 * `rateOn` their conversion date for the share only. Null for a group whose entity has no spend
 * pulled, whose revenue is unknown (no price) or cannot be converted (no rate), or whose entity
 * has no known revenue at all. Computed in floating point and rounded to the micro unit (half up):
 * reports show cents, so the rounding of a share that lies within a millionth of a micro unit of
 * a half may go either way.
 * @param spendByEntity spend in micro-currency of the account by entity key (absent: not pulled).
 * @param rates by currency, rates into the account's currency sorted by date (ratesForReport).
 */
export function costShares(
  accountCurrency: string,
  groups: readonly ProductGroup[],
  spendByEntity: ReadonlyMap<string, number>,
  rates: ReadonlyMap<string, readonly DatedRate[]>,
): Array<number | null> {
  const inAccountCurrency = groups.map((g) => {
    if (g.revenue_micro === null || g.currency === null) return null;
    if (g.currency === accountCurrency) return g.revenue_micro;
    const rate = rateOn(rates.get(g.currency) ?? [], g.date);
    return rate ? Number(convertMicro(BigInt(g.revenue_micro), rate.rate)) : null;
  });
  const entityRevenue = new Map<string, number>();
  for (let i = 0; i < groups.length; i += 1) {
    const value = inAccountCurrency[i];
    if (value !== null && value !== undefined) {
      const key = groups[i]!.entity_key;
      entityRevenue.set(key, (entityRevenue.get(key) ?? 0) + value);
    }
  }
  return groups.map((g, i) => {
    const value = inAccountCurrency[i];
    const spend = spendByEntity.get(g.entity_key);
    const total = entityRevenue.get(g.entity_key) ?? 0;
    if (value === null || value === undefined || spend === undefined || total === 0) return null;
    return Math.round((spend * value) / total);
  });
}
