// The seeded advertiser's shopping side: a small catalog of SKUs (catalog item ids) and one product
// group per SHOPPING ad (promoted in that ad's ad group), with deterministic figures. Derived from
// the seed (emulator/seed.ts), so every seeded account has them and the ids stay stable.
import { CURRENCY_SCALE, dailyMetrics, hashString, prng, type SeedAd, type SeedData } from './seed';

/** One catalog item: its SKU (Pinterest's `CONVERSION_PRODUCT_ID`, Routy's `contents[].id`), brand, category and base price in US dollars. */
export interface SeedSku {
  sku: string;
  title: string;
  brand: string;
  category: string;
  price_usd: number;
}

/** The catalog every seeded account sells from. */
export const SEED_CATALOG: readonly SeedSku[] = [
  { sku: 'EVG1001', title: 'Rattan lounge chair', brand: 'Evergreen', category: 'Home & Garden > Patio Furniture', price_usd: 189 },
  { sku: 'EVG1002', title: 'Solar string lights, 10 m', brand: 'Evergreen', category: 'Home & Garden > Lighting', price_usd: 34.5 },
  { sku: 'EVG1003', title: 'Linen table runner', brand: 'Loom & Table', category: 'Home & Garden > Table Linens', price_usd: 28 },
  { sku: 'EVG1004', title: 'Brass cutlery set, 24 pieces', brand: 'Loom & Table', category: 'Home & Garden > Flatware', price_usd: 79.9 },
  { sku: 'EVG1005', title: 'Self-watering window box', brand: 'Evergreen', category: 'Home & Garden > Planters', price_usd: 42 },
  { sku: 'EVG1006', title: 'Herb seed trio', brand: 'Greenleaf', category: 'Home & Garden > Seeds', price_usd: 12.75 },
];

/** A product group promoted in a shopping ad group. */
export interface SeedProductGroup {
  /** The catalog product group id (`PRODUCT_GROUP_ID` in analytics). */
  id: string;
  /** The product group promotion's id. */
  promotion_id: string;
  name: string;
  ad_account_id: string;
  ad_group_id: string;
  /** The SHOPPING ad whose delivery the group's figures are. */
  ad: SeedAd;
  /** SKUs in the group. */
  skus: string[];
}

/** The account's product groups: one per SHOPPING ad, each with three SKUs of the catalog. */
export function productGroups(seed: SeedData, adAccountId: string): SeedProductGroup[] {
  return seed.ads
    .filter((ad) => ad.ad_account_id === adAccountId && ad.creative_type === 'SHOPPING')
    .map((ad, i) => ({
      id: `74629${ad.id}`,
      promotion_id: `81${ad.id}`,
      name: `Shop the look ${i + 1}`,
      ad_account_id: adAccountId,
      ad_group_id: ad.ad_group_id,
      ad,
      skus: [0, 1, 2].map((k) => SEED_CATALOG[(i * 3 + k) % SEED_CATALOG.length]!.sku),
    }));
}

/**
 * A product group's figures on one day (`YYYY-MM-DD`, `daysAgo` before today): its shopping ad's
 * delivery (so product group and ad figures reconcile), or undefined when it did not deliver.
 */
export function productGroupDailyMetrics(seed: SeedData, group: SeedProductGroup, date: string, daysAgo: number): Record<string, number> | undefined {
  const campaign = seed.campaigns.find((c) => c.id === group.ad.campaign_id)!;
  const currency = seed.adAccounts.find((a) => a.id === group.ad_account_id)!.currency;
  return dailyMetrics(group.ad, campaign, date, daysAgo, CURRENCY_SCALE[currency] ?? 1);
}

/** Decimal places of the currencies the seed uses (yen has none). */
const DECIMALS: Record<string, number> = { JPY: 0 };

/**
 * One SKU's checkouts on one day of one account: quantity 0 to 3 and their value in units of the
 * account's currency (rounded to its decimals), or undefined for future days.
 */
export function skuDailyCheckouts(seed: SeedData, adAccountId: string, sku: SeedSku, date: string, daysAgo: number): { quantity: number; value: number } | undefined {
  if (daysAgo < 0 || daysAgo > 1000) return undefined;
  const currency = seed.adAccounts.find((a) => a.id === adAccountId)!.currency;
  const quantity = Math.floor(prng(hashString(`${adAccountId}:${sku.sku}:${date}`))() * 4);
  const factor = 10 ** (DECIMALS[currency] ?? 2);
  return { quantity, value: Math.round(quantity * sku.price_usd * (CURRENCY_SCALE[currency] ?? 1) * factor) / factor };
}
