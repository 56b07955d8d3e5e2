/** The demo's Routy advertiser: the one `npm start`, the demo and tests connect accounts to by default. */
export const DEMO_ADVERTISER_ID = 'demo-advertiser';

/**
 * Connects the emulator's ad accounts the way an advertiser would: asks the ingress for a signed
 * connect link (`POST /v1/connect-links`, with the app's bearer token when it has one) for
 * `options.advertiserId` (default {@link DEMO_ADVERTISER_ID}), then walks the redirect chain
 * carrying the flow's cookie: `/v1/oauth/start` → emulator consent page → ingress callback.
 * `options.adAccountIds`, `options.settings` and `options.msot` (ask for scope `msot:write`) go into the link.
 * @returns the callback's HTTP status and JSON answer (`connected_ad_account_ids`, or `error`).
 */
export async function connectWithLink(
  app: { ingressUrl: string; ingressToken?: string },
  options: { advertiserId?: string; adAccountIds?: string[]; settings?: Record<string, unknown>; msot?: boolean } = {},
): Promise<{ status: number; body: { connected_ad_account_ids?: string[]; error?: string } }> {
  const linkAnswer = await fetch(`${app.ingressUrl}/v1/connect-links`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(app.ingressToken ? { authorization: `Bearer ${app.ingressToken}` } : {}) },
    body: JSON.stringify({ advertiser_id: options.advertiserId ?? DEMO_ADVERTISER_ID, ...(options.adAccountIds ? { ad_account_ids: options.adAccountIds } : {}), ...(options.msot ? { msot: true } : {}), ...options.settings }),
  });
  if (linkAnswer.status !== 201) return { status: linkAnswer.status, body: (await linkAnswer.json()) as { error?: string } };
  const { url } = (await linkAnswer.json()) as { url: string };
  // The link points at the public origin (the redirect URI's); the demo's ingress is that origin.
  const start = await fetch(url, { redirect: 'manual' });
  if (start.status !== 302) return { status: start.status, body: (await start.json()) as { error?: string } };
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  if (consent.status !== 302) return { status: consent.status, body: { error: `consent page answered ${consent.status}: ${await consent.text()}` } };
  const callback = await fetch(consent.headers.get('location')!, { headers: { cookie } });
  return { status: callback.status, body: (await callback.json()) as { connected_ad_account_ids?: string[]; error?: string } };
}

/**
 * Connects every ad account the emulator's demo user owns to the demo advertiser through a signed
 * connect link and the real OAuth redirect chain ({@link connectWithLink}).
 * @throws Error with the refusal when the connection fails.
 * @returns the connected ad account ids.
 */
export async function connectThroughOAuth(app: { ingressUrl: string; ingressToken?: string }): Promise<string[]> {
  const { status, body } = await connectWithLink(app);
  if (status !== 200 || !body.connected_ad_account_ids) throw new Error(`OAuth connect failed: ${body.error ?? status}`);
  return body.connected_ad_account_ids;
}
