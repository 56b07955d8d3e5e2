import { z } from 'zod';
import { parseRequestsPerMinute } from '../pinterest/request-budget';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const positiveSeconds = (fallback: number, max: number) => z.coerce.number().int().positive().max(max).default(fallback);
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/** An http:// or https:// URL (no other scheme: file:, javascript:, ftp: are refused). */
export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * Environment variables read at start (the design's names, plus the process's own ports and
 * durations). Every value is validated; a bad one stops start-up with its variable name.
 */
export const configSchema = z.object({
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_CLI_PATH: optionalString,
  /** The local dev server's ports (127.0.0.1) when `TEMPORAL_ADDRESS` is unset; 0: a free one. */
  TEMPORAL_PORT: port(7233),
  /** Its Temporal UI. */
  TEMPORAL_UI_PORT: port(8233),
  /** Its HTTP API. */
  TEMPORAL_HTTP_PORT: port(0),
  /** Its own Prometheus `/metrics`. */
  TEMPORAL_METRICS_PORT: port(0),
  PINTEREST_APP_ID: optionalString,
  PINTEREST_APP_SECRET: optionalString,
  PINTEREST_REDIRECT_URI: optionalString.pipe(httpUrl().optional()),
  PINTEREST_API_BASE_URL: optionalString.pipe(httpUrl().optional()),
  PINTEREST_OAUTH_AUTHORIZE_URL: httpUrl().default('https://www.pinterest.com/oauth/'),
  /** How long one Pinterest request may take, in seconds, before it is abandoned and retried. */
  PINTEREST_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  /**
   * Per-user Pinterest budgets below the standard-access limits, requests per minute per category:
   * `ads_analytics=150,ads_read=500` (unset: Pinterest's limits). Shared by every worker.
   */
  PINTEREST_REQUESTS_PER_MINUTE: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseRequestsPerMinute(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  ROUTY_INGRESS_TOKEN: optionalString,
  ROUTY_ENCRYPTION_KEYS: optionalString,
  /** The ingress's port; 0: a free one. */
  ROUTY_HTTP_PORT: port(8080),
  ROUTY_HTTP_HOST: z.string().default('127.0.0.1'),
  /** Whole request (headers and body) must arrive within this many seconds, or the client gets 408 and is cut off. */
  ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** The request's headers must arrive within this many seconds (at most the request timeout). */
  ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  /** An idle keep-alive connection is closed after this many seconds. */
  ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(5),
  /** A connection on which nothing moves (no byte in or out) for this many seconds is closed. */
  ROUTY_HTTP_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  ROUTY_DATA_DIR: z.string().default('.data'),
  /** Level of the JSON log (ours and the Temporal SDK's). */
  ROUTY_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** Port (127.0.0.1) where the Temporal SDK exports its runtime metrics for `GET /metrics` to include; 0: off. */
  ROUTY_SDK_METRICS_PORT: port(9464),
  /** How often report pulls run, in seconds (production: 4 hours; at most a day). */
  ROUTY_PULL_INTERVAL_SECONDS: positiveSeconds(4 * 3600, 86_400),
  /** How long an unmatched conversion is held before it expires, in seconds (30 days; at most 60, the longest window). */
  ROUTY_HOLD_SECONDS: positiveSeconds(30 * 86400, 60 * 86_400),
  /**
   * Under load, a Conversions API request waits at most this many milliseconds after its oldest
   * match for more events to fill it (up to 1,000 per request); 0 posts each batch at once.
   */
  ROUTY_CAPI_FILL_MS: z.coerce.number().int().min(0).max(5000).default(500),
  /**
   * A conversion whose Conversions API outcome is unknown is posted again only while its
   * `event_time` is younger than this, in seconds (50 minutes; at most one hour, after which
   * Pinterest treats an event as offline and cannot deduplicate it; 0 never posts again).
   */
  ROUTY_CAPI_REPOST_MARGIN_SECONDS: z.coerce.number().int().min(0).max(3600).default(3000),
  /** Where each CPA alert is posted (JSON, signed with ROUTY_ALERT_WEBHOOK_SECRET); unset: alerts are only stored. */
  ROUTY_ALERT_WEBHOOK_URL: optionalString.pipe(httpUrl().optional()),
  /** Keys the alert webhook's `X-Routy-Signature` (HMAC-SHA256); required with ROUTY_ALERT_WEBHOOK_URL. */
  ROUTY_ALERT_WEBHOOK_SECRET: optionalString,
});

/** The variables that name a port `npm start` opens (the emulator's is always a free one). */
export const PORT_VARIABLES = ['ROUTY_HTTP_PORT', 'ROUTY_SDK_METRICS_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_HTTP_PORT', 'TEMPORAL_METRICS_PORT'] as const;
/** One of {@link PORT_VARIABLES}. */
export type PortVariable = (typeof PORT_VARIABLES)[number];

/** The port variables `env` leaves unset (or empty): their defaults may give way to free ports in `npm start`. */
export function unsetPortVariables(env: NodeJS.ProcessEnv = process.env): PortVariable[] {
  return PORT_VARIABLES.filter((name) => (env[name] ?? '').trim() === '');
}

/** Validated configuration; see {@link configSchema} for each variable. */
export type Config = z.infer<typeof configSchema>;

/**
 * Parses the environment.
 * @throws Error naming every invalid variable, e.g. `ROUTY_HTTP_PORT: Too big: expected number to be <=65535`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means unset, so `ROUTY_HTTP_PORT=` keeps its default instead of becoming 0.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = configSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = parsed.data;
  const credentials = [config.PINTEREST_APP_ID, config.PINTEREST_APP_SECRET, config.PINTEREST_REDIRECT_URI];
  if (credentials.some(Boolean) && !credentials.every(Boolean)) {
    throw new Error(
      'Invalid configuration:\n  PINTEREST_APP_ID, PINTEREST_APP_SECRET and PINTEREST_REDIRECT_URI must be set together',
    );
  }
  if (config.ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS > config.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS) {
    throw new Error('Invalid configuration:\n  ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS must not exceed ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  if (!config.ROUTY_INGRESS_TOKEN && !isLoopbackHost(config.ROUTY_HTTP_HOST)) {
    throw new Error(
      `Invalid configuration:\n  ROUTY_HTTP_HOST: ${config.ROUTY_HTTP_HOST} is not a loopback address; without ROUTY_INGRESS_TOKEN the ingress is open, so it listens on loopback only (set ROUTY_INGRESS_TOKEN, or ROUTY_HTTP_HOST=127.0.0.1)`,
    );
  }
  return config;
}

/**
 * True for a host that only this machine can reach: `localhost`, 127.0.0.0/8, `::1`
 * (also as `[::1]` or IPv4-mapped `::ffff:127.x.x.x`). `0.0.0.0`, `::` and every other address are not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** True when real Pinterest app credentials are configured; otherwise the emulator is used. */
export function usesRealPinterest(config: Pick<Config, 'PINTEREST_APP_ID' | 'PINTEREST_APP_SECRET' | 'PINTEREST_REDIRECT_URI'>): boolean {
  return Boolean(config.PINTEREST_APP_ID && config.PINTEREST_APP_SECRET && config.PINTEREST_REDIRECT_URI);
}
