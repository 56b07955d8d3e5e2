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

function hashString(value: string): number {
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
}

export interface SeedCampaign {
  id: string;
  ad_account_id: string;
  name: string;
  status: 'ACTIVE' | 'PAUSED' | 'ARCHIVED';
  objective_type: string;
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
  creative_type: 'REGULAR' | 'VIDEO' | 'IDEA';
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
  { name: 'Spring Patio Refresh', status: 'ACTIVE', objective_type: 'WEB_CONVERSION', groups: ['Patio planners', 'Small balconies'] },
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

const CREATIVE_TYPES: SeedAd['creative_type'][] = ['REGULAR', 'VIDEO', 'IDEA', 'REGULAR'];

/** Builds the seeded advertiser: 3 campaigns (one archived), 6 ad groups, 12 ads. */
export function buildSeed(adAccountId = DEMO_AD_ACCOUNT_ID): SeedData {
  const adAccounts: SeedAdAccount[] = [
    {
      id: adAccountId,
      name: 'Evergreen Home & Garden',
      currency: 'USD',
      country: 'US',
      time_zone: 'America/New_York',
      owner: { id: '1099300727702429065', username: 'evergreenhome' },
    },
  ];
  const campaigns: SeedCampaign[] = [];
  const adGroups: SeedAdGroup[] = [];
  const ads: SeedAd[] = [];
  let adIndex = 0;
  CAMPAIGNS.forEach((campaign, c) => {
    const { groups, ...fields } = campaign;
    const campaignId = `6267365335${String(c + 1).padStart(2, '0')}`;
    campaigns.push({ id: campaignId, ad_account_id: adAccountId, ...fields });
    groups.forEach((groupName, g) => {
      const adGroupId = `26800607047${c + 1}${g + 1}`;
      adGroups.push({ id: adGroupId, campaign_id: campaignId, ad_account_id: adAccountId, name: groupName, status: campaign.status });
      for (let a = 0; a < 2; a += 1) {
        const title = PIN_TITLES[adIndex % PIN_TITLES.length]!;
        ads.push({
          id: `6871959059${String(adIndex + 1).padStart(2, '0')}`,
          ad_group_id: adGroupId,
          campaign_id: campaignId,
          ad_account_id: adAccountId,
          // 18 digits: beyond Number.MAX_SAFE_INTEGER, so it must stay a string end to end.
          pin_id: `9876543210123456${String(adIndex + 1).padStart(2, '0')}`,
          creative_type: CREATIVE_TYPES[adIndex % CREATIVE_TYPES.length]!,
          name: `${groupName}: ${title}`,
          status: campaign.status,
          pin_title: title,
        });
        adIndex += 1;
      }
    });
  });
  return { adAccounts, campaigns, adGroups, ads };
}

/** Metric columns the emulator can fill (a subset of the spec's sync `columns` enum). */
export type MetricRow = Record<string, number>;

/**
 * Deterministic daily metrics of one ad on one date (`YYYY-MM-DD`), or undefined when the ad did
 * not deliver that day. Spend is micro-currency of the account's currency.
 */
export function dailyMetrics(ad: SeedAd, campaign: SeedCampaign, date: string, daysAgo: number): MetricRow | undefined {
  if (daysAgo < 0 || daysAgo > 90) return undefined;
  if (campaign.stopped_days_ago !== undefined && daysAgo < campaign.stopped_days_ago) return undefined;
  const random = prng(hashString(`${ad.id}:${date}`));
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  const weekendBoost = weekday === 0 || weekday === 6 ? 1.25 : 1;
  const formatFactor = ad.creative_type === 'VIDEO' ? 1.4 : ad.creative_type === 'IDEA' ? 0.9 : 1;
  const impressions = Math.round((1800 + random() * 2400) * weekendBoost * formatFactor);
  const cpmMicro = 4_000_000 + Math.round(random() * 3_000_000);
  const spend = Math.round((impressions / 1000) * cpmMicro);
  const saves = Math.round(impressions * (0.004 + random() * 0.006) * (ad.creative_type === 'IDEA' ? 2 : 1));
  const pinClicks = Math.round(impressions * (0.008 + random() * 0.01));
  const outbound = ad.creative_type === 'IDEA' ? 0 : Math.round(pinClicks * (0.35 + random() * 0.25));
  const engagement = saves + pinClicks + Math.round(impressions * 0.002);
  const checkouts = Math.round(outbound * (0.02 + random() * 0.03));
  return {
    SPEND_IN_MICRO_DOLLAR: spend,
    SPEND_IN_DOLLAR: spend / 1_000_000,
    PAID_IMPRESSION: impressions,
    TOTAL_IMPRESSION: impressions + Math.round(impressions * 0.1),
    IMPRESSION_1: impressions,
    IMPRESSION_2: Math.round(impressions * 0.1),
    REPIN_1: saves,
    REPIN_2: Math.round(saves * 0.2),
    TOTAL_CLICKTHROUGH: pinClicks,
    CLICKTHROUGH_1: pinClicks,
    OUTBOUND_CLICK_1: outbound,
    OUTBOUND_CLICK_2: Math.round(outbound * 0.1),
    TOTAL_ENGAGEMENT: engagement,
    TOTAL_CONVERSIONS: checkouts + Math.round(pinClicks * 0.01),
    TOTAL_CHECKOUT: checkouts,
    TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR: checkouts * (30_000_000 + Math.round(random() * 60_000_000)),
    ...(ad.creative_type === 'VIDEO'
      ? { VIDEO_MRC_VIEWS_2: Math.round(impressions * 0.4), VIDEO_3SEC_VIEWS_2: Math.round(impressions * 0.55) }
      : {}),
  };
}
