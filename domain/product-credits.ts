// Which products a matched conversion credits to its winning touch (pure; no I/O).
import type { StoredCustomData } from './capi-event';
import { decimalToMicro } from './money';

/** One product of one conversion, as `attribution_products` stores it. */
export interface ProductCredit {
  /** The product id Routy sent (`contents[].id` or `content_ids[]`). */
  sku: string;
  /** Sum of its `quantity` (1 where absent); 1 for a `content_ids` entry. */
  units: number;
  /**
   * Sum of `item_price` × `quantity` in micro-currency of the conversion's currency (the price
   * rounded half up to the micro unit first); null when no item of the SKU carried a price
   * (a `content_ids` entry never does: Routy's revenue for it is unknown, never guessed).
   */
  revenue_micro: string | null;
}

/**
 * The products a conversion's stored `custom_data` credits: its `contents` grouped by id when it
 * has any, else one unit of each distinct `content_ids` entry without revenue. The same rule as
 * the backfill in migrations/2026-12-05T02-00-attribution-products.ts.
 * @returns an empty list for a conversion without products (nothing is credited).
 */
export function productCredits(custom: StoredCustomData | null | undefined): ProductCredit[] {
  const bySku = new Map<string, { units: number; revenue: bigint | null }>();
  if (custom?.contents && custom.contents.length > 0) {
    for (const item of custom.contents) {
      const quantity = item.quantity ?? 1;
      const price = item.item_price === undefined ? null : decimalToMicro(item.item_price);
      const line = price === null ? null : BigInt(price) * BigInt(quantity);
      const seen = bySku.get(item.id) ?? { units: 0, revenue: null };
      bySku.set(item.id, { units: seen.units + quantity, revenue: line === null ? seen.revenue : (seen.revenue ?? 0n) + line });
    }
  } else {
    for (const id of custom?.content_ids ?? []) bySku.set(id, { units: 1, revenue: null });
  }
  return [...bySku].map(([sku, { units, revenue }]) => ({ sku, units, revenue_micro: revenue === null ? null : revenue.toString() }));
}
