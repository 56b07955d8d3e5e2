// Configuration of the production roles, each validated on its own: a worker-only process and an
// ingress-only process need different variables, and neither needs what only the other reads.
import { z } from 'zod';
import { parseEncryptionKeys } from '../secrets/token-cipher';
import { configSchema, httpUrl } from './config';

/** The two roles a production process can take (`npm start` takes both, on embedded defaults). */
export type Role = 'worker' | 'ingress';

const shape = configSchema.shape;

/** A variable the role cannot run without: its absence is named with the role that needs it. */
const required = (role: Role) => z.string({ error: `required by the ${role}` }).trim().min(1, `required by the ${role}`);

/** PostgreSQL only: copies of a role share one database, so the embedded PGlite is no option. */
const postgresUrl = (role: Role) =>
  required(role).regex(/^postgres(ql)?:\/\/\S+$/, `must be a postgres:// or postgresql:// URL (the ${role} runs on PostgreSQL, shared by every copy; no embedded database)`);

/** `id:base64-32-byte-key,...`, checked as the cipher will read it. */
const encryptionKeys = (role: Role) =>
  required(role).superRefine((value, ctx) => {
    try {
      parseEncryptionKeys(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: String(error instanceof Error ? error.message : error).replace(/^ROUTY_ENCRYPTION_KEYS: /, '') });
    }
  });

/**
 * A worker-only process (`npm run start:worker`): runs the ad account workflows and their
 * activities. Needs PostgreSQL, a Temporal frontend, the payload and token keys and the Pinterest
 * app (token refreshes); reads no HTTP setting, no ingress token and no redirect URI.
 */
export const workerConfigSchema = z.object({
  DATABASE_URL: postgresUrl('worker'),
  TEMPORAL_ADDRESS: required('worker'),
  TEMPORAL_NAMESPACE: shape.TEMPORAL_NAMESPACE,
  ROUTY_ENCRYPTION_KEYS: encryptionKeys('worker'),
  PINTEREST_APP_ID: required('worker'),
  PINTEREST_APP_SECRET: required('worker'),
  PINTEREST_API_BASE_URL: shape.PINTEREST_API_BASE_URL,
  PINTEREST_REQUEST_TIMEOUT_SECONDS: shape.PINTEREST_REQUEST_TIMEOUT_SECONDS,
  PINTEREST_REQUESTS_PER_MINUTE: shape.PINTEREST_REQUESTS_PER_MINUTE,
  ROUTY_LOG_LEVEL: shape.ROUTY_LOG_LEVEL,
  ROUTY_SDK_METRICS_PORT: shape.ROUTY_SDK_METRICS_PORT,
  ROUTY_CAPI_FILL_MS: shape.ROUTY_CAPI_FILL_MS,
  ROUTY_CAPI_REPOST_MARGIN_SECONDS: shape.ROUTY_CAPI_REPOST_MARGIN_SECONDS,
  ROUTY_ALERT_WEBHOOK_URL: shape.ROUTY_ALERT_WEBHOOK_URL,
  ROUTY_ALERT_WEBHOOK_SECRET: shape.ROUTY_ALERT_WEBHOOK_SECRET,
});

/**
 * An ingress-only process (`npm run start:ingress`): Routy's HTTP API, connect links and the OAuth
 * callback. Needs PostgreSQL (the inbox), a Temporal frontend (starts and signals workflows), the
 * keys (payloads, stored tokens), the ingress token, and the Pinterest app (the callback exchanges
 * the code for a grant); its HTTP settings keep their defaults when unset.
 */
export const ingressConfigSchema = z.object({
  DATABASE_URL: postgresUrl('ingress'),
  TEMPORAL_ADDRESS: required('ingress'),
  TEMPORAL_NAMESPACE: shape.TEMPORAL_NAMESPACE,
  ROUTY_ENCRYPTION_KEYS: encryptionKeys('ingress'),
  ROUTY_INGRESS_TOKEN: required('ingress'),
  PINTEREST_APP_ID: required('ingress'),
  PINTEREST_APP_SECRET: required('ingress'),
  PINTEREST_REDIRECT_URI: required('ingress').pipe(httpUrl()),
  PINTEREST_API_BASE_URL: shape.PINTEREST_API_BASE_URL,
  PINTEREST_OAUTH_AUTHORIZE_URL: shape.PINTEREST_OAUTH_AUTHORIZE_URL,
  PINTEREST_REQUEST_TIMEOUT_SECONDS: shape.PINTEREST_REQUEST_TIMEOUT_SECONDS,
  PINTEREST_REQUESTS_PER_MINUTE: shape.PINTEREST_REQUESTS_PER_MINUTE,
  ROUTY_HTTP_HOST: shape.ROUTY_HTTP_HOST,
  ROUTY_HTTP_PORT: shape.ROUTY_HTTP_PORT,
  ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS: shape.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS,
  ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS: shape.ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS,
  ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: shape.ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
  ROUTY_HTTP_IDLE_TIMEOUT_SECONDS: shape.ROUTY_HTTP_IDLE_TIMEOUT_SECONDS,
  ROUTY_LOG_LEVEL: shape.ROUTY_LOG_LEVEL,
  /** Schedule given to accounts connected through this ingress. */
  ROUTY_PULL_INTERVAL_SECONDS: shape.ROUTY_PULL_INTERVAL_SECONDS,
  ROUTY_HOLD_SECONDS: shape.ROUTY_HOLD_SECONDS,
});

/** Validated configuration of a worker-only process; see {@link workerConfigSchema}. */
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
/** Validated configuration of an ingress-only process; see {@link ingressConfigSchema}. */
export type IngressConfig = z.infer<typeof ingressConfigSchema>;

/**
 * Parses the environment for a worker-only process. Variables it does not read are ignored.
 * @throws Error naming every missing or invalid variable, e.g. `DATABASE_URL: required by the worker`.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseRole(workerConfigSchema, env, 'worker');
}

/**
 * Parses the environment for an ingress-only process. Variables it does not read are ignored.
 * @throws Error naming every missing or invalid variable, e.g. `ROUTY_INGRESS_TOKEN: required by the ingress`.
 */
export function loadIngressConfig(env: NodeJS.ProcessEnv = process.env): IngressConfig {
  const config = parseRole(ingressConfigSchema, env, 'ingress');
  if (config.ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS > config.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS) {
    throw new Error('Invalid ingress configuration:\n  ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS must not exceed ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS');
  }
  return config;
}

function parseRole<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, role: Role): z.infer<S> {
  // An empty variable means unset, as for `npm start`.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid ${role} configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
