// Where the service finds Pinterest: the real API with the app's credentials, or a stand-in
// handed in by the caller (the demo's emulator). The service itself never chooses the emulator.
import type { PinterestApp } from '../pinterest/oauth';
import { usesRealPinterest, type Config } from './config';

/** The Pinterest the service talks to. */
export interface PinterestSide {
  /** OAuth app; `redirectUri` may be set by `ingressListening` once the ingress has its address. */
  app: PinterestApp;
  /** Marketing and Conversions API base, e.g. `https://api.pinterest.com/v5`. */
  apiBaseUrl: string;
  /** Consent page users are sent to. */
  authorizeUrl: string;
  /** One line for the start banner. */
  label: string;
  /** Told the ingress address (`http://host:port`) once it listens. */
  ingressListening?(ingressUrl: string): void;
  /** Stops what the side started, last of all at shutdown. */
  stop?(): Promise<void>;
}

/**
 * The real Pinterest API from configuration (`PINTEREST_APP_ID`, `PINTEREST_APP_SECRET`,
 * `PINTEREST_REDIRECT_URI`, `PINTEREST_API_BASE_URL`, `PINTEREST_OAUTH_AUTHORIZE_URL`).
 * @throws Error naming the variables when the credentials are not set.
 */
export function realPinterest(
  config: Pick<Config, 'PINTEREST_APP_ID' | 'PINTEREST_APP_SECRET' | 'PINTEREST_REDIRECT_URI' | 'PINTEREST_API_BASE_URL' | 'PINTEREST_OAUTH_AUTHORIZE_URL'>,
): PinterestSide {
  if (!usesRealPinterest(config)) {
    throw new Error('PINTEREST_APP_ID, PINTEREST_APP_SECRET and PINTEREST_REDIRECT_URI are not set (`npm start` and the demo use the emulator then)');
  }
  return {
    app: { appId: config.PINTEREST_APP_ID!, appSecret: config.PINTEREST_APP_SECRET!, redirectUri: config.PINTEREST_REDIRECT_URI! },
    apiBaseUrl: config.PINTEREST_API_BASE_URL ?? 'https://api.pinterest.com/v5',
    authorizeUrl: config.PINTEREST_OAUTH_AUTHORIZE_URL,
    label: 'Pinterest API (credentials configured)',
  };
}
