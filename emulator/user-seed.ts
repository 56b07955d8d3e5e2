// Many Pinterest users, each owning several small ad accounts: the scale benchmark's advertisers.
import type { SeedData } from './seed';

/** When the seeded accounts were created: 2023-01-10T00:00:00Z, older than Pinterest's 914 days of history. */
const CREATED_TIME = Date.parse('2023-01-10T00:00:00Z') / 1000;

/** How many Pinterest users and ad accounts {@link buildUsersSeed} makes. */
export interface UsersSeedOptions {
  /** Pinterest users (1 to 9,999). */
  users: number;
  /** Ad accounts each user owns (1 to 9,999). */
  accountsPerUser: number;
  /** Ads in each account's one ad group (1 to 99; default 2). */
  adsPerAccount?: number;
}

/** The id of the `u`-th seeded user (0-based): 19 digits, like Pinterest's user ids. */
export function seededUserId(u: number): string {
  return `10993007${String(u + 1).padStart(11, '0')}`;
}

/**
 * Builds `users` Pinterest users, each the owner (`owner.id`, `owner.username`) of
 * `accountsPerUser` USD ad accounts (New York time) with one active campaign, one ad group and
 * `adsPerAccount` REGULAR ads: small accounts, so a run can hold a thousand of them. Ids are digit
 * strings unique across the seed (accounts 12 digits, pins 18). Daily metrics come from
 * `dailyMetrics` like any seeded ad's.
 * @throws RangeError when a count is out of its range.
 */
export function buildUsersSeed(options: UsersSeedOptions): SeedData {
  const { users, accountsPerUser } = options;
  const adsPerAccount = options.adsPerAccount ?? 2;
  for (const [name, value, max] of [['users', users, 9_999], ['accountsPerUser', accountsPerUser, 9_999], ['adsPerAccount', adsPerAccount, 99]] as const) {
    if (!(Number.isInteger(value) && value >= 1 && value <= max)) throw new RangeError(`buildUsersSeed: ${name} must be a whole number from 1 to ${max}, got ${value}`);
  }
  const seed: SeedData = { adAccounts: [], campaigns: [], adGroups: [], ads: [] };
  for (let u = 0; u < users; u += 1) {
    const owner = { id: seededUserId(u), username: `scaleuser${u + 1}` };
    for (let a = 0; a < accountsPerUser; a += 1) {
      const n = String(u * accountsPerUser + a + 1).padStart(8, '0');
      const id = `5498${n}`;
      const campaignId = `6268${n}01`;
      const adGroupId = `2681${n}01`;
      seed.adAccounts.push({ id, name: `${owner.username} account ${a + 1}`, currency: 'USD', country: 'US', time_zone: 'America/New_York', owner, created_time: CREATED_TIME });
      seed.campaigns.push({ id: campaignId, ad_account_id: id, name: 'Always on', status: 'ACTIVE', objective_type: 'WEB_CONVERSION' });
      seed.adGroups.push({ id: adGroupId, campaign_id: campaignId, ad_account_id: id, name: 'Everyone', status: 'ACTIVE' });
      for (let k = 0; k < adsPerAccount; k += 1) {
        const title = `Pin ${k + 1} of ${owner.username}`;
        seed.ads.push({
          id: `6872${n}${String(k + 1).padStart(2, '0')}`,
          ad_group_id: adGroupId,
          campaign_id: campaignId,
          ad_account_id: id,
          pin_id: `98766${n}${String(k + 1).padStart(5, '0')}`,
          creative_type: 'REGULAR',
          name: `Everyone: ${title}`,
          status: 'ACTIVE',
          pin_title: title,
        });
      }
    }
  }
  return seed;
}
