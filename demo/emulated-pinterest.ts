// The one place that chooses the Pinterest emulator: `npm start` without Pinterest credentials,
// the demo and the tests run the service against it.
import { EMULATOR_APP, PinterestEmulator } from '../emulator/pinterest-emulator';
import type { SeedData } from '../emulator/seed';
import { usesRealPinterest, type Config } from '../service/config';
import { realPinterest, type PinterestSide } from '../service/pinterest-side';

/** The emulator as the service's Pinterest, with its handle for tests and the demo. */
export interface EmulatedPinterest extends PinterestSide {
  emulator: PinterestEmulator;
  /** The emulator's origin, `http://127.0.0.1:<port>`. */
  origin: string;
}

/**
 * Starts the emulator on a free 127.0.0.1 port with `seed` (default: the demo advertiser). Its
 * API base is `PINTEREST_API_BASE_URL` when set, else the emulator's; the OAuth redirect goes to
 * the ingress's `/v1/oauth/callback` once it listens.
 */
export async function startEmulatedPinterest(config: Pick<Config, 'PINTEREST_API_BASE_URL'>, seed?: SeedData): Promise<EmulatedPinterest> {
  const emulator = new PinterestEmulator({ seed });
  const origin = await emulator.listen(0);
  const side: EmulatedPinterest = {
    app: { ...EMULATOR_APP, redirectUri: 'pending' },
    apiBaseUrl: config.PINTEREST_API_BASE_URL ?? emulator.apiBaseUrl(origin),
    authorizeUrl: `${origin}/oauth/`,
    label: `emulator at ${origin}`,
    ingressListening: (ingressUrl) => {
      side.app.redirectUri = `${ingressUrl}/v1/oauth/callback`;
    },
    stop: () => emulator.close(),
    emulator,
    origin,
  };
  return side;
}

/** The real Pinterest API when credentials are configured, else the emulator. */
export async function choosePinterest(config: Config): Promise<PinterestSide | EmulatedPinterest> {
  return usesRealPinterest(config) ? realPinterest(config) : startEmulatedPinterest(config);
}
