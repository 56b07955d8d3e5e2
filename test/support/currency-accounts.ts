import { buildSeed } from '../../emulator/seed';
import type { RunningApp } from '../../service/app';

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
 * Walks the OAuth redirect chain picking `ids` (`/v1/oauth/start?ad_account_id=...`, repeated).
 * @returns the callback's HTTP status and JSON answer (`connected_ad_account_ids`, or `error`).
 */
export async function connectPicked(app: RunningApp, ...ids: string[]): Promise<{ status: number; body: { connected_ad_account_ids?: string[]; error?: string } }> {
  const query = ids.map((id) => `ad_account_id=${id}`).join('&');
  const response = await fetch(`${app.ingressUrl}/v1/oauth/start?${query}`, { redirect: 'follow' });
  return { status: response.status, body: (await response.json()) as { connected_ad_account_ids?: string[]; error?: string } };
}
