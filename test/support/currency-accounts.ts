import { buildSeed } from '../../emulator/seed';
import type { RunningApp } from '../../service/app';
import { connectWithLink } from '../../service/oauth-connect';

/** The emulated user's three ad accounts, one per currency. */
export const USD = '549764105221';
export const EUR = '549764105300';
export const JPY = '549764105400';

/** An emulator seed with those three accounts and 300 ads in each (two pages of ads, two analytics chunks). */
export const currencySeed = buildSeed({
  accounts: [
    { id: USD, currency: 'USD' },
    { id: EUR, currency: 'EUR' },
    { id: JPY, currency: 'JPY' },
  ],
  adsPerGroup: 50,
});

/**
 * Connects `ids` to the demo advertiser through a signed connect link naming them, walking the
 * OAuth redirect chain with the flow's cookie.
 * @returns the callback's HTTP status and JSON answer (`connected_ad_account_ids`, or `error`).
 */
export async function connectPicked(app: RunningApp, ...ids: string[]): Promise<{ status: number; body: { connected_ad_account_ids?: string[]; error?: string } }> {
  return connectWithLink(app, { adAccountIds: ids });
}
