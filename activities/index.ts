// The activities the worker registers: each group built by its factory from the dependencies
// (as in Temporal's dependency-injection sample), so tests hand in real PostgreSQL and the
// emulator without module mocking.
import type { Kysely } from 'kysely';
import { DEFAULT_REPOST_MARGIN_SECONDS } from '../domain/capi-repost';
import type { PinterestHttp } from '../pinterest/http';
import type { PinterestApp } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import type { Database } from '../store/database-schema';
import { createAdSyncActivities } from './ad-sync-activities';
import { createCapiActivities } from './capi-activities';
import { createCapiSender } from './capi-sender';
import { createCpaAlertActivities, type AlertWebhook } from './cpa-alert-activities';
import { keepAlive } from './heartbeat';
import { createPinterestGrant } from './pinterest-grant';
import { createProductActivities } from './product-activities';
import { createPullActivities } from './pull-activities';
import { createRecordActivities } from './record-activities';
import { createInboxDrain } from './inbox-drain';
import { createRecordPump, DEFAULT_PUMP_TIMING, type PumpTiming } from './record-pump';

/** What activities need from the outside, handed in by the worker (or a test). */
export interface ActivityDeps {
  db: Kysely<Database>;
  http: PinterestHttp;
  app: PinterestApp;
  cipher: TokenCipher;
  /** Wall clock; tests may pin it. */
  now?: () => Date;
  /** Refresh access tokens this many seconds before they expire (default 600). */
  tokenRefreshMarginSeconds?: number;
  /** Send Conversions API requests with `?test=true`. */
  capiTestMode?: boolean;
  /**
   * An event with an unknown Conversions API outcome is posted again only while its `event_time`
   * is younger than this, in seconds (`ROUTY_CAPI_REPOST_MARGIN_SECONDS`, default 3,000).
   */
  capiRepostMarginSeconds?: number;
  /** Aborted when the worker is asked to stop: sends start no new Conversions API request. */
  stopping?: AbortSignal;
  /** The record pump's pacing, in milliseconds (`fillMs` from `ROUTY_CAPI_FILL_MS`); defaults in `DEFAULT_PUMP_TIMING`. */
  pumpTiming?: Partial<PumpTiming>;
  /** Where CPA alerts are posted, signed (`ROUTY_ALERT_WEBHOOK_URL`, `ROUTY_ALERT_WEBHOOK_SECRET`); unset: alerts are only stored. */
  alertWebhook?: AlertWebhook;
}

/**
 * Builds every activity (pulls, the on-demand ad sync, records, Conversions API, CPA alerts) over one grant policy and clock, each
 * wrapped by `withKeepAlive`. Names, arguments and results are a contract with running workflows.
 */
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const grant = createPinterestGrant({
    db: deps.db,
    http: deps.http,
    app: deps.app,
    cipher: deps.cipher,
    now,
    refreshMarginSeconds: deps.tokenRefreshMarginSeconds ?? 600,
  });
  const capi = {
    db: deps.db,
    http: deps.http,
    grant,
    now,
    capiTestMode: deps.capiTestMode,
    repostMarginSeconds: deps.capiRepostMarginSeconds ?? DEFAULT_REPOST_MARGIN_SECONDS,
    stopping: deps.stopping,
  };
  return withKeepAlive({
    ...createPullActivities({ db: deps.db, http: deps.http, grant, now }),
    ...createAdSyncActivities({ db: deps.db, http: deps.http, grant, now }),
    ...createProductActivities({ db: deps.db, http: deps.http, grant, now }),
    ...createRecordActivities({ db: deps.db, now }),
    ...createCapiActivities(capi),
    ...createCpaAlertActivities({ db: deps.db, now, webhook: deps.alertWebhook }),
    ...createRecordPump({
      db: deps.db,
      drain: createInboxDrain({ db: deps.db, now }),
      sender: createCapiSender(capi),
      timing: { ...DEFAULT_PUMP_TIMING, ...deps.pumpTiming },
      stopping: deps.stopping,
    }),
  });
}

/** Every activity heartbeats while it runs (see keepAlive); names and signatures stay as written. */
function withKeepAlive<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, run]) => [name, (...args: never[]) => keepAlive(() => run(...args))]),
  ) as T;
}

/** The activity functions registered on the worker. */
export type Activities = ReturnType<typeof createActivities>;
