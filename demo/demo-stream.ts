// A realistic, deterministic stream of Routy touchpoints and conversions for the demo account.
import { prng, type SeedData } from '../emulator/seed';
import { SEED_CATALOG } from '../emulator/product-seed';
import type { ConversionInput, TouchpointInput } from '../domain/routy-records';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface DemoStream {
  /** Sent first: clicks and saves Routy already knows about. */
  touchpoints: TouchpointInput[];
  conversions: ConversionInput[];
  /** Sent after the conversions: Routy's click data can lag behind its conversions. */
  lateTouchpoints: TouchpointInput[];
}

/**
 * Builds the demo's traffic against the seeded account's active ads:
 * ~20% convert the same day, ~45% 14 to 28 days after their click, ~15% within 1 to 13 days,
 * ~10% through a save matched by hashed email, ~10% with no Pinterest click at all; plus clicks
 * that never convert. Conversions land in the last 6 days, so the Conversions API accepts them.
 * Each conversion carries its basket (demoBasket): `contents` with SKUs, prices and quantities
 * (its value is their sum), or for every seventh shopper only `content_ids`.
 */
export function buildDemoStream(seed: SeedData, nowMs: number, users = 240): DemoStream {
  const random = prng(20261129);
  // Products draw from their own sequence, so the rest of the stream is what it was before them.
  const productRandom = prng(20261205);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const account = seed.adAccounts[0]!;
  const activeCampaigns = new Set(seed.campaigns.filter((c) => c.status === 'ACTIVE').map((c) => c.id));
  const ads = seed.ads.filter((a) => activeCampaigns.has(a.campaign_id));
  const stream: DemoStream = { touchpoints: [], conversions: [], lateTouchpoints: [] };

  for (let u = 0; u < users; u += 1) {
    const ad = pick(ads);
    const email = `shopper${u}@example.com`;
    const conversionAt = nowMs - Math.floor(random() * 6 * DAY) - HOUR;
    const roll = random();
    const lag = roll < 0.2 ? Math.floor(random() * 8 * HOUR) : roll < 0.65 ? (14 + random() * 14) * DAY : (1 + random() * 12) * DAY;
    const clickId = `dj0yJnU9ZGVtby${u.toString(36).padStart(4, '0')}`;
    const drawn = (20 + Math.floor(random() * 16000) / 100).toFixed(2);
    const basket = demoBasket(ads.indexOf(ad), u, productRandom);
    const value = 'contents' in basket ? basketValue(basket.contents) : drawn;
    const user = {
      email,
      ip: `203.0.113.${(u % 250) + 1}`,
      user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15',
    };
    const conversion: ConversionInput = {
      event_id: `demo-order-${u}`,
      event_name: 'checkout',
      event_time: new Date(conversionAt).toISOString(),
      ad_account_id: account.id,
      value,
      currency: account.currency,
      order_id: `demo-order-${u}`,
      user,
      ...basket,
    };
    if (roll >= 0.9) {
      // Converted without any Pinterest interaction Routy saw: stays pending.
      stream.conversions.push(conversion);
      continue;
    }
    if (roll >= 0.8) {
      // A save (engagement) Routy learnt of, tied to the buyer by hashed email.
      stream.touchpoints.push({
        ad_account_id: account.id,
        type: 'engagement',
        occurred_at: new Date(conversionAt - (2 + random() * 20) * DAY).toISOString(),
        pin_id: ad.pin_id,
        user: { email },
      });
      stream.conversions.push(conversion);
      continue;
    }
    const click: TouchpointInput = {
      ad_account_id: account.id,
      type: 'click',
      occurred_at: new Date(conversionAt - lag).toISOString(),
      click_id: clickId,
      campaign_id: ad.campaign_id,
      ad_id: ad.id,
      pin_id: ad.pin_id,
      user: { ip: user.ip, user_agent: user.user_agent },
    };
    (u % 10 === 3 ? stream.lateTouchpoints : stream.touchpoints).push(click);
    stream.conversions.push({ ...conversion, click_id: clickId });
  }
  for (let n = 0; n < users; n += 1) {
    const ad = pick(ads);
    stream.touchpoints.push({
      ad_account_id: account.id,
      type: 'click',
      occurred_at: new Date(nowMs - random() * 40 * DAY).toISOString(),
      click_id: `dj0yJnU9YnJvd3Nl${n.toString(36).padStart(4, '0')}`,
      pin_id: ad.pin_id,
    });
  }
  return stream;
}

/**
 * The demo shop's catalog: the emulator's catalog (the SKUs its brand / category / SKU report
 * answers for), SKU and price in the account's currency (decimal string), so the products report
 * shows Pinterest's figures beside Routy's.
 */
const CATALOG = SEED_CATALOG.map((product) => [product.sku, product.price_usd.toFixed(2)] as const);

type Basket = { contents: NonNullable<ConversionInput['contents']> } | { content_ids: string[] };

/**
 * What shopper `u` bought after ad number `adIndex`: the ad's featured product (the catalog entry
 * at the ad's index), 1 or 2 of it, and for some an add-on; every seventh shopper's order names
 * its products only by `content_ids` (no prices: the products report cannot split its revenue).
 */
function demoBasket(adIndex: number, u: number, random: () => number): Basket {
  const featured = CATALOG[adIndex % CATALOG.length]!;
  const quantity = random() < 0.25 ? 2 : 1;
  const addOn = random() < 0.3 ? CATALOG[(adIndex + 1 + Math.floor(random() * (CATALOG.length - 1))) % CATALOG.length]! : undefined;
  if (u % 7 === 6) return { content_ids: [featured[0], ...(addOn ? [addOn[0]] : [])] };
  return { contents: [{ id: featured[0], item_price: featured[1], quantity }, ...(addOn ? [{ id: addOn[0], item_price: addOn[1], quantity: 1 }] : [])] };
}

/** item_price × quantity summed, as a decimal string with 2 decimals (catalog prices have 2). */
const basketValue = (contents: NonNullable<ConversionInput['contents']>) =>
  (contents.reduce((cents, item) => cents + Math.round(Number(item.item_price) * 100) * (item.quantity ?? 1), 0) / 100).toFixed(2);
