// The emulator's seeded ad account: a home-and-garden advertiser with regular, video and Idea
// Pin ads, one archived campaign, and deterministic daily metrics for the last 90 days.

/** Deterministic PRNG (mulberry32) so every run sees the same account and numbers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, as an unsigned 32-bit integer (seeds `prng`, makes deterministic values). */
export function hashString(value: string): number {
  let h = 2166136261;
  for (const ch of value) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

export interface SeedAdAccount {
  id: string;
  name: string;
  currency: string;
  country: string;
  time_zone: string;
  owner: { id: string; username: string };
  /** When the account was created, Unix seconds (AdAccount.created_time). */
  created_time: number;
}

export interface SeedCampaign {
  id: string;
  ad_account_id: string;
  name: string;
  status: 'ACTIVE' | 'PAUSED' | 'ARCHIVED';
  objective_type: string;
  /** CampaignResponse.is_performance_plus; false when left out. */
  is_performance_plus?: boolean;
  /** For ARCHIVED campaigns: days ago the campaign stopped spending. */
  stopped_days_ago?: number;
}

export interface SeedAdGroup {
  id: string;
  campaign_id: string;
  ad_account_id: string;
  name: string;
  status: string;
}

export interface SeedAd {
  id: string;
  ad_group_id: string;
  campaign_id: string;
  ad_account_id: string;
  pin_id: string;
  creative_type: 'REGULAR' | 'VIDEO' | 'IDEA' | 'SHOPPING' | 'CAROUSEL';
  name: string;
  status: string;
  /** Pin metadata for reports. */
  pin_title: string;
}

export interface SeedData {
  adAccounts: SeedAdAccount[];
  campaigns: SeedCampaign[];
  adGroups: SeedAdGroup[];
  ads: SeedAd[];
}

export const DEMO_AD_ACCOUNT_ID = '549764105221';

const CAMPAIGNS: Array<Omit<SeedCampaign, 'id' | 'ad_account_id'> & { groups: string[] }> = [
  { name: 'Spring Patio Refresh', status: 'ACTIVE', objective_type: 'WEB_CONVERSION', is_performance_plus: true, groups: ['Patio planners', 'Small balconies'] },
  { name: 'Holiday Tablescapes', status: 'ACTIVE', objective_type: 'CONSIDERATION', groups: ['Hosting ideas', 'Gift guides'] },
  { name: 'Summer Planters 2026', status: 'ARCHIVED', objective_type: 'WEB_CONVERSION', stopped_days_ago: 40, groups: ['Herb gardens', 'Hanging baskets'] },
];

const PIN_TITLES = [
  'Ten-minute patio makeover',
  'Cosy string lights for small spaces',
  'Rattan sofa styling, three ways',
  'Balcony herb wall step by step',
  'Linen table runner set',
  'Candle centrepiece you can make tonight',
  'Wrapping ideas with kraft paper',
  'Brass cutlery, 24 pieces',
  'Basil, thyme and rosemary in one planter',
  'Self-watering window box',
  'Macramé hanger tutorial',
  'Trailing plants that love shade',
];

const CREATIVE_TYPES: SeedAd['creative_type'][] = ['REGULAR', 'VIDEO', 'IDEA', 'SHOPPING', 'CAROUSEL', 'REGULAR'];

/** An ad account the emulator's demo user can reach. */
export interface SeedAccountOptions {
  id: string;
  currency: string;
  time_zone?: string;
  name?: string;
  /** AdAccount.created_time, Unix seconds; default {@link SEED_CREATED_TIME}. */
  created_time?: number;
}

/** When seeded accounts were created unless told: 2023-01-10T00:00:00Z, older than Pinterest's 914 days of history. */
const SEED_CREATED_TIME = Date.parse('2023-01-10T00:00:00Z') / 1000;

/** How many units of an account's currency one US dollar of the seed's base prices is worth. */
export const CURRENCY_SCALE: Record<string, number> = { USD: 1, EUR: 0.92, GBP: 0.79, JPY: 150 };

/**
 * Builds the seeded advertiser(s). Each account gets 3 campaigns (one archived, stopped 40 days
 * ago), 2 ad groups each and `adsPerGroup` ads per group (REGULAR, VIDEO, IDEA), or
 * `adsPerAccount` ads spread over its 6 groups (6 to 999,999; RangeError otherwise). The first
 * account's ids are stable across versions; tests rely on them. Creative types rotate through
 * REGULAR, VIDEO, IDEA, SHOPPING and CAROUSEL.
 */
export function buildSeed(options: { accounts?: SeedAccountOptions[]; adsPerGroup?: number; adsPerAccount?: number } = {}): SeedData {
  const accounts = options.accounts ?? [{ id: DEMO_AD_ACCOUNT_ID, currency: 'USD' }];
  const groupCount = CAMPAIGNS.reduce((n, c) => n + c.groups.length, 0);
  // `adsPerAccount` spreads that many ads over the groups (the first groups get one more when it does not divide).
  const adsPerAccount = options.adsPerAccount;
  if (adsPerAccount !== undefined && !(Number.isInteger(adsPerAccount) && adsPerAccount >= groupCount && adsPerAccount <= 999_999)) {
    throw new RangeError(`buildSeed: adsPerAccount must be a whole number from ${groupCount} to 999,999, got ${adsPerAccount}`);
  }
  const adsPerGroup = adsPerAccount !== undefined ? Math.ceil(adsPerAccount / groupCount) : (options.adsPerGroup ?? 2);
  const seed: SeedData = { adAccounts: [], campaigns: [], adGroups: [], ads: [] };
  accounts.forEach((account, k) => {
    seed.adAccounts.push({
      id: account.id,
      name: account.name ?? (k === 0 ? 'Evergreen Home & Garden' : `Evergreen Home & Garden ${account.currency}`),
      currency: account.currency,
      country: account.currency === 'EUR' ? 'DE' : account.currency === 'JPY' ? 'JP' : 'US',
      time_zone: account.time_zone ?? (account.currency === 'JPY' ? 'Asia/Tokyo' : account.currency === 'EUR' ? 'Europe/Berlin' : 'America/New_York'),
      owner: { id: '1099300727702429065', username: 'evergreenhome' },
      created_time: account.created_time ?? SEED_CREATED_TIME,
    });
    const compact = k === 0 && adsPerGroup <= 16;
    let adIndex = 0;
    CAMPAIGNS.forEach((campaign, c) => {
      const { groups, ...fields } = campaign;
      const campaignId = k === 0 ? `6267365335${String(c + 1).padStart(2, '0')}` : `62673${k}5335${String(c + 1).padStart(2, '0')}`;
      seed.campaigns.push({ id: campaignId, ad_account_id: account.id, ...fields });
      groups.forEach((groupName, g) => {
        const groupIndex = seed.adGroups.filter((group) => group.ad_account_id === account.id).length;
        const adsInGroup = adsPerAccount === undefined ? adsPerGroup : Math.floor(adsPerAccount / groupCount) + (groupIndex < adsPerAccount % groupCount ? 1 : 0);
        const adGroupId = k === 0 ? `26800607047${c + 1}${g + 1}` : `2680${k}0607047${c + 1}${g + 1}`;
        seed.adGroups.push({ id: adGroupId, campaign_id: campaignId, ad_account_id: account.id, name: groupName, status: campaign.status });
        for (let a = 0; a < adsInGroup; a += 1) {
          const title = PIN_TITLES[adIndex % PIN_TITLES.length]!;
          seed.ads.push({
            id: compact ? `6871959059${String(adIndex + 1).padStart(2, '0')}` : `687195${k}${String(adIndex + 1).padStart(6, '0')}`,
            ad_group_id: adGroupId,
            campaign_id: campaignId,
            ad_account_id: account.id,
            // 18 digits: beyond Number.MAX_SAFE_INTEGER, so it must stay a string end to end.
            pin_id: compact ? `9876543210123456${String(adIndex + 1).padStart(2, '0')}` : `98765432${k}${String(adIndex + 1).padStart(9, '0')}`,
            creative_type: CREATIVE_TYPES[adIndex % CREATIVE_TYPES.length]!,
            name: `${groupName}: ${title}`,
            status: campaign.status,
            pin_title: title,
          });
          adIndex += 1;
        }
      });
    });
  });
  return seed;
}

/** Metric columns the emulator can fill (a subset of the spec's sync `columns` enum), per day. */
export type MetricRow = Record<string, number>;

/**
 * Deterministic daily metrics of one ad on one date (`YYYY-MM-DD`), or undefined when the ad did
 * not deliver that day. Money is micro-currency of the account's currency (`currencyScale` makes
 * yen amounts yen-sized). Paid (`_1`) and earned (`_2`) splits add up to their totals.
 */
export function dailyMetrics(ad: SeedAd, campaign: SeedCampaign, date: string, daysAgo: number, currencyScale = 1): MetricRow | undefined {
  if (daysAgo < 0 || daysAgo > 1000) return undefined;
  if (campaign.stopped_days_ago !== undefined && daysAgo < campaign.stopped_days_ago) return undefined;
  const random = prng(hashString(`${ad.id}:${date}`));
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  const weekendBoost = weekday === 0 || weekday === 6 ? 1.25 : 1;
  const video = ad.creative_type === 'VIDEO';
  const idea = ad.creative_type === 'IDEA';
  const formatFactor = video ? 1.4 : idea ? 0.9 : 1;
  const paidImpressions = Math.round((1800 + random() * 2400) * weekendBoost * formatFactor);
  const earnedImpressions = Math.round(paidImpressions * (0.08 + random() * 0.05));
  const cpmMicro = Math.round((4_000_000 + random() * 3_000_000) * currencyScale);
  const spend = Math.round((paidImpressions / 1000) * cpmMicro);
  const paidSaves = Math.round(paidImpressions * (0.004 + random() * 0.006) * (idea ? 2 : 1));
  const earnedSaves = Math.round(paidSaves * 0.2);
  const paidPinClicks = Math.round(paidImpressions * (0.008 + random() * 0.01));
  const earnedPinClicks = Math.round(paidPinClicks * 0.1);
  const paidOutbound = idea ? 0 : Math.round(paidPinClicks * (0.35 + random() * 0.25));
  const earnedOutbound = Math.round(paidOutbound * 0.1);
  const paidEngagement = paidSaves + paidPinClicks + Math.round(paidImpressions * 0.002);
  const earnedEngagement = earnedSaves + earnedPinClicks;
  const clickCheckouts = Math.round(paidOutbound * (0.02 + random() * 0.03));
  const engagementCheckouts = Math.round(paidSaves * 0.03);
  const viewCheckouts = Math.round(paidImpressions * 0.0004);
  const checkouts = clickCheckouts + engagementCheckouts + viewCheckouts;
  const orderValue = () => Math.round((30_000_000 + random() * 60_000_000) * currencyScale);
  const clickValue = clickCheckouts * orderValue();
  const engagementValue = engagementCheckouts * orderValue();
  const viewValue = viewCheckouts * orderValue();
  const webCheckouts = checkouts - Math.round(checkouts * 0.1);
  const signups = Math.round(paidPinClicks * 0.01);
  const pageVisits = paidOutbound + earnedOutbound;
  const row: MetricRow = {
    SPEND_IN_MICRO_DOLLAR: spend,
    PAID_IMPRESSION: paidImpressions,
    IMPRESSION_1: paidImpressions,
    IMPRESSION_2: earnedImpressions,
    TOTAL_IMPRESSION: paidImpressions + earnedImpressions,
    REPIN_1: paidSaves,
    REPIN_2: earnedSaves,
    CLICKTHROUGH_1: paidPinClicks,
    CLICKTHROUGH_2: earnedPinClicks,
    TOTAL_CLICKTHROUGH: paidPinClicks + earnedPinClicks,
    OUTBOUND_CLICK_1: paidOutbound,
    OUTBOUND_CLICK_2: earnedOutbound,
    ENGAGEMENT_1: paidEngagement,
    ENGAGEMENT_2: earnedEngagement,
    TOTAL_ENGAGEMENT: paidEngagement + earnedEngagement,
    TOTAL_WEB_SESSIONS: pageVisits,
    TOTAL_PAGE_VISIT: pageVisits,
    TOTAL_SIGNUP: signups,
    TOTAL_LEAD: 0,
    TOTAL_CUSTOM: 0,
    TOTAL_CHECKOUT: checkouts,
    TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR: clickValue + engagementValue + viewValue,
    TOTAL_CLICK_CHECKOUT: clickCheckouts,
    TOTAL_CLICK_CHECKOUT_VALUE_IN_MICRO_DOLLAR: clickValue,
    TOTAL_CLICK_ADD_TO_CART: Math.round(paidOutbound * 0.06),
    TOTAL_ENGAGEMENT_CHECKOUT: engagementCheckouts,
    TOTAL_ENGAGEMENT_CHECKOUT_VALUE_IN_MICRO_DOLLAR: engagementValue,
    TOTAL_VIEW_CHECKOUT: viewCheckouts,
    TOTAL_VIEW_CHECKOUT_VALUE_IN_MICRO_DOLLAR: viewValue,
    TOTAL_WEB_CHECKOUT: webCheckouts,
    TOTAL_OFFLINE_CHECKOUT: checkouts - webCheckouts,
    TOTAL_CONVERSIONS: checkouts + signups + pageVisits,
  };
  if (video) {
    const mrc = Math.round(paidImpressions * 0.4);
    const [paid3s, views3s] = [Math.round(paidImpressions * 0.5), Math.round(paidImpressions * 0.55)];
    // Quartiles fall from 3-second views to completions; no random() call, so other metrics stay as they were.
    const quartile = (share: number) => Math.round(paidImpressions * share);
    Object.assign(row, {
      VIDEO_3SEC_VIEWS_1: paid3s,
      VIDEO_3SEC_VIEWS_2: views3s - paid3s,
      TOTAL_VIDEO_P25_COMBINED: quartile(0.42),
      TOTAL_VIDEO_P50_COMBINED: quartile(0.3),
      TOTAL_VIDEO_P75_COMBINED: quartile(0.21),
      TOTAL_VIDEO_P95_COMBINED: quartile(0.14),
      VIDEO_MRC_VIEWS_1: mrc,
      VIDEO_MRC_VIEWS_2: Math.round(mrc * 0.1),
      TOTAL_VIDEO_MRC_VIEWS: mrc + Math.round(mrc * 0.1),
      TOTAL_VIDEO_3SEC_VIEWS: views3s,
      TOTAL_VIDEO_P100_COMPLETE: Math.round(paidImpressions * 0.12),
    });
  }
  if (idea) {
    const visits = Math.round(paidPinClicks * 0.3);
    Object.assign(row, { IDEA_PIN_PRODUCT_TAG_VISIT_1: visits, IDEA_PIN_PRODUCT_TAG_VISIT_2: 0, TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT: visits });
  }
  return row;
}

/** Adds metric rows column by column (campaign and ad group rows are sums of their ads). */
export function sumMetrics(rows: MetricRow[]): MetricRow {
  const total: MetricRow = {};
  for (const row of rows) for (const [column, value] of Object.entries(row)) total[column] = (total[column] ?? 0) + value;
  return total;
}
