// The ingress role: Routy's HTTP API (records into PostgreSQL's inbox, connect links, the OAuth
// callback, reports, the codec endpoint). Any number of copies can serve behind a load balancer:
// connect links and OAuth state are signed, the inbox's nudge flag is a row, nothing else is kept.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { Logger as PinoLogger } from 'pino';
import { RoutyPinterestClient } from '../client/routy-client';
import { connectLinkSecret } from '../http/connect-link';
import { buildIngressServer } from '../http/ingress-server';
import { OAuthFlow } from '../http/oauth-flow';
import type { PinterestHttp } from '../pinterest/http';
import type { EncryptionKey, TokenCipher } from '../secrets/token-cipher';
import type { Database } from '../store/database-schema';
import type { ScheduleSettings } from '../workflows/ad-account-types';
import type { Config } from './config';
import type { PinterestSide } from './pinterest-side';
import { naming } from './role-parts';
import { isAddressInUse } from '../temporal/ports';

/** The configuration the ingress role reads. */
export type IngressSettings = Pick<
  Config,
  | 'ROUTY_INGRESS_TOKEN'
  | 'ROUTY_HTTP_HOST'
  | 'ROUTY_HTTP_PORT'
  | 'ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS'
  | 'ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS'
  | 'ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS'
  | 'ROUTY_HTTP_IDLE_TIMEOUT_SECONDS'
>;

/** A listening ingress. */
export interface RunningIngress {
  /** `http://host:port` it listens on. */
  ingressUrl: string;
  /** The typed client it serves requests with. */
  client: RoutyPinterestClient;
  /** Stops listening and lets requests under way finish. */
  stop(): Promise<void>;
}

/**
 * Builds the ingress on the given parts and listens on `ROUTY_HTTP_HOST`:`ROUTY_HTTP_PORT`.
 * `schedule` goes to accounts connected through it; `sdkMetricsUrl` (this process's worker's SDK
 * metrics) is appended to `GET /metrics`; `temporalUiUrl` may call the codec endpoint from a browser.
 * With `portMayMove`, a port taken since it was chosen gives way to any free one.
 * @throws Error naming `ROUTY_HTTP_HOST / ROUTY_HTTP_PORT` when it cannot listen.
 */
export async function startIngressRole(
  settings: IngressSettings,
  parts: {
    db: Kysely<Database>;
    cipher: TokenCipher;
    keys: EncryptionKey[];
    http: PinterestHttp;
    pinterest: PinterestSide;
    temporalClient: Client;
    dataConverter: DataConverter;
    logger: PinoLogger;
    schedule?: Partial<ScheduleSettings>;
    sdkMetricsUrl?: string;
    temporalUiUrl?: string;
    /** A chosen (not configured) port: taken meanwhile, any free one will do, and `onPortMoved` is told. */
    portMayMove?: boolean;
    onPortMoved?: (taken: number) => void;
  },
): Promise<RunningIngress> {
  const { db, cipher, keys, http, pinterest } = parts;
  // The OAuth `state` HMAC key derives from the newest encryption key: no variable of its own, and
  // every copy with the same keys checks what any other signed.
  const stateSecret = createHash('sha256').update('oauth-state:').update(keys[0]!.key).digest();
  // Connect links: signed with the ingress token (Routy can sign them too), or without one (demo)
  // with a key derived from the newest encryption key.
  const linkSecret = connectLinkSecret(settings.ROUTY_INGRESS_TOKEN, keys[0]!.key);
  const client = new RoutyPinterestClient(parts.temporalClient, db, { schedule: parts.schedule });
  const oauth = new OAuthFlow({ db, cipher, http, app: pinterest.app, authorizeUrl: pinterest.authorizeUrl, stateSecret, linkSecret, client });
  const temporalUiUrl = parts.temporalUiUrl;
  const ingress = buildIngressServer({
    client,
    db,
    cipher,
    oauth,
    ingressToken: settings.ROUTY_INGRESS_TOKEN,
    logger: parts.logger.child({ component: 'ingress' }),
    sdkMetricsUrl: parts.sdkMetricsUrl,
    codec: parts.dataConverter.payloadCodecs![0]!,
    timeouts: {
      requestMs: settings.ROUTY_HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      headersMs: settings.ROUTY_HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      keepAliveMs: settings.ROUTY_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      idleMs: settings.ROUTY_HTTP_IDLE_TIMEOUT_SECONDS * 1000,
    },
    ...(temporalUiUrl ? { temporalUiOrigins: [temporalUiUrl, temporalUiUrl.replace('127.0.0.1', 'localhost')] } : {}),
  });
  const listen = (port: number) => ingress.listen({ host: settings.ROUTY_HTTP_HOST, port });
  const ingressUrl = await naming('ROUTY_HTTP_HOST / ROUTY_HTTP_PORT', () =>
    listen(settings.ROUTY_HTTP_PORT).catch((error: unknown) => {
      if (!parts.portMayMove || settings.ROUTY_HTTP_PORT === 0 || !isAddressInUse(error)) throw error;
      parts.onPortMoved?.(settings.ROUTY_HTTP_PORT);
      return listen(0);
    }),
  );
  pinterest.ingressListening?.(ingressUrl);
  return { ingressUrl, client, stop: () => ingress.close() };
}
