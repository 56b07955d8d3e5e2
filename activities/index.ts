import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import { beat, keepAlive } from './heartbeat';
import type { Kysely } from 'kysely';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import { HISTORY_MAX_DAYS } from '../domain/pull-plan';
import type { AttributionSettings } from '../domain/attribution-settings';
import { toCapiEvent, type CapiEvent } from '../domain/capi-event';
import { AccessTokens, GrantRefusedError } from '../pinterest/access-tokens';
import { getAnalytics, MAX_DAYS_PER_CALL, MAX_IDS_PER_CALL, type MetricLevel } from '../pinterest/analytics';
import { MAX_EVENTS_PER_REQUEST, sendConversionEvents } from '../pinterest/conversions';
import { getPin, listAdGroups, listAds, listCampaigns } from '../pinterest/entities';
import { createAdReport, downloadAdReport, getReport } from '../pinterest/reports';
import { PinterestApiError, type PinterestHttp } from '../pinterest/http';
import { FAILURE_TYPES, LONGEST_RATE_LIMIT_WAIT_SECONDS } from '../workflows/shared';
import type { PinterestApp } from '../pinterest/oauth';
import type { TokenCipher } from '../secrets/token-cipher';
import { attributeConversions, pendingConversionsTouchedBy } from '../store/attribution-store';
import { claimConversionsToSend, markPosting, recordCapiOutcomes, recoverInterruptedSends, releaseClaims, type CapiOutcome } from '../store/capi-store';
import { countPending, expireConversions, insertConversions } from '../store/conversions-store';
import type { Database } from '../store/database-schema';
import { getAdAccount, listEntityIds, pinsWithoutMetadata, upsertAdGroups, upsertAds, upsertCampaigns, upsertPins } from '../store/entities-store';
import { markNeedsReauth, saveAttributionSettings } from '../store/connections-store';
import { upsertMetrics } from '../store/metrics-store';
import { conversionsApiFailures, rowsPulled } from '../observability/metrics';
import { insertTouchpoints } from '../store/touchpoints-store';
import { addDays, dateInTimeZone } from '../domain/dates';

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
}

/**
 * Turns Pinterest errors into Temporal failures: 429 / code 8 retries after Pinterest's hint
 * (`nextRetryDelay`), or, past 15 minutes, fails non-retryably with the wait in its details so the
 * workflow shows it in `status`; 5xx and network errors are thrown as they are (retried by policy);
 * other 4xx become non-retryable and keep Pinterest's message.
 */
function asActivityFailure(error: unknown): unknown {
  if (!(error instanceof PinterestApiError)) return error;
  if (error.rateLimited) {
    const wait = error.retryAfterSeconds;
    if (wait !== undefined && wait > LONGEST_RATE_LIMIT_WAIT_SECONDS) {
      return ApplicationFailure.create({
        message: error.message,
        type: FAILURE_TYPES.rateLimitedLong,
        nonRetryable: true,
        details: [{ retry_after_seconds: wait }],
      });
    }
    return ApplicationFailure.create({
      message: error.message,
      type: FAILURE_TYPES.rateLimited,
      ...(wait !== undefined ? { nextRetryDelay: `${Math.max(1, wait)} seconds` } : {}),
    });
  }
  if (!error.retryable) {
    return ApplicationFailure.nonRetryable(error.message, FAILURE_TYPES.api, { status: error.status, code: error.code });
  }
  return error;
}

/** PostgreSQL data exceptions (SQLSTATE class 22) and check violations: no retry can fix the record. */
async function refuseInvalidData<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('22') || code === '23514')) {
      throw ApplicationFailure.nonRetryable(`the database refused a record: ${(error as Error).message}`, FAILURE_TYPES.invalidRecord);
    }
    throw error;
  }
}

/**
 * Builds the activities with their dependencies (STYLE: activities from a factory), so tests hand
 * in real PostgreSQL and the emulator without module mocking.
 */
export function createActivities(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  const tokens = new AccessTokens({
    db: deps.db,
    cipher: deps.cipher,
    http: deps.http,
    app: deps.app,
    now,
    refreshMarginSeconds: deps.tokenRefreshMarginSeconds ?? 600,
  });

  /**
   * Runs a Pinterest call with a valid token; a 401 refreshes the token once and retries. A
   * refused refresh, or a 401 right after one, means the grant is gone: the accounts on it move
   * to `needs_reauth` and the failure is non-retryable. When the account was reconnected to a
   * new grant meanwhile, the refusal is stale: the failure is retryable (type `grantReplaced`),
   * and the next attempt uses the new grant.
   */
  async function withToken<T>(adAccountId: string, call: (accessToken: string) => Promise<T>): Promise<T> {
    const reauth = async (connectionId: string, error: PinterestApiError) => {
      if (!(await markNeedsReauth(deps.db, adAccountId, connectionId))) {
        return ApplicationFailure.retryable(`the account was reconnected during the call; retrying with the new grant (${error.message})`, FAILURE_TYPES.grantReplaced);
      }
      return ApplicationFailure.nonRetryable(`Pinterest refused the grant; reconnect the account: ${error.message}`, FAILURE_TYPES.reauth);
    };
    const token = async (forceRefresh: boolean) => {
      try {
        return await tokens.forAdAccount(adAccountId, { forceRefresh });
      } catch (error) {
        if (error instanceof GrantRefusedError) throw await reauth(error.connection_id, error.refusal);
        throw error;
      }
    };
    try {
      try {
        return await call((await token(false)).access_token);
      } catch (error) {
        if (!(error instanceof PinterestApiError) || error.status !== 401) throw error;
      }
      const refreshed = await token(true);
      try {
        return await call(refreshed.access_token);
      } catch (error) {
        if (error instanceof PinterestApiError && error.status === 401) throw await reauth(refreshed.connection_id, error);
        throw error;
      }
    } catch (error) {
      throw asActivityFailure(error);
    }
  }

  /**
   * Runs a Conversions API call with the account's conversion token when one is configured
   * (it does not expire and has no refresh), else with the OAuth token through `withToken`.
   */
  async function withCapiToken<T>(
    adAccountId: string,
    account: { conversion_token_encrypted: string | null },
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    if (!account.conversion_token_encrypted) return withToken(adAccountId, call);
    try {
      return await call(deps.cipher.decrypt(account.conversion_token_encrypted));
    } catch (error) {
      // A refused conversion token has no refresh: retrying cannot help until an operator replaces it.
      if (error instanceof PinterestApiError && error.status === 401) {
        throw ApplicationFailure.nonRetryable(`the account's conversion token was refused: ${error.message}`, FAILURE_TYPES.api, { status: 401 });
      }
      throw asActivityFailure(error);
    }
  }

  const activities = {
    /**
     * Syncs campaigns, ad groups and ads (archived included), then the metadata (title, link,
     * media type) of promoted pins not stored yet. Source: `campaigns/list`, `ad_groups/list`,
     * `ads/list`, `pins/get`. @returns counts per level.
     */
    async syncEntities(input: { ad_account_id: string }): Promise<{ campaigns: number; ad_groups: number; ads: number; pins: number }> {
      const id = input.ad_account_id;
      const campaigns = await withToken(id, (token) => listCampaigns(deps.http, token, id));
      const adGroups = await withToken(id, (token) => listAdGroups(deps.http, token, id));
      const ads = await withToken(id, (token) => listAds(deps.http, token, id));
      const at = now();
      await upsertCampaigns(deps.db, id, campaigns, at);
      await upsertAdGroups(deps.db, id, adGroups, at);
      await upsertAds(deps.db, id, ads, at);
      let pins = 0;
      for (const pinId of await pinsWithoutMetadata(deps.db, id)) {
        try {
          const pin = await withToken(id, (token) => getPin(deps.http, token, id, pinId));
          await upsertPins(deps.db, id, [pin], now());
          pins += 1;
        } catch (error) {
          // A deleted pin (404) keeps its ad, and is remembered so it is not asked for every hour.
          if (!(error instanceof ApplicationFailure && (error.details?.[0] as { status?: number } | undefined)?.status === 404)) throw error;
          await upsertPins(deps.db, id, [{ id: pinId, not_found: true }], now());
        }
        beat({ pins });
      }
      return { campaigns: campaigns.length, ad_groups: adGroups.length, ads: ads.length, pins };
    },

    /**
     * Pulls daily metrics at campaign, ad group and ad (pin) level and upserts them. The range
     * ends today (account timezone, marked partial) and starts `min_days` back, or earlier when
     * days were missed since the last complete pull (a paused or reauthorized account), or at the
     * backfill on the first pull; Pinterest's synchronous limit caps it at 90 days. Calls take at
     * most 250 ids and 90 days. Progress is heartbeated, so a retried attempt resumes at its cursor.
     * Source: `campaigns/analytics`, `ad_groups/analytics`, `ads/analytics`.
     */
    async pullMetrics(input: {
      ad_account_id: string;
      /** Days re-read at least (the restatement window). */
      min_days: number;
      /** Days pulled when the account was never pulled. */
      backfill_days: number;
      settings: AttributionSettings;
    }): Promise<{ rows: number; start_date: string; end_date: string; missed_before?: { start_date: string; end_date: string } }> {
      const id = input.ad_account_id;
      const account = await getAdAccount(deps.db, id);
      const today = dateInTimeZone(now(), account.time_zone ?? 'UTC');
      const missed = account.last_pulled_through
        ? Math.round((Date.parse(today) - Date.parse(account.last_pulled_through)) / 86_400_000) + 1
        : input.backfill_days;
      const wanted = Math.max(1, input.min_days, missed);
      const days = Math.min(wanted, MAX_DAYS_PER_CALL);
      const startDate = addDays(today, -(days - 1));
      const units: Array<{ level: MetricLevel; ids: string[] }> = [];
      for (const level of ['campaign', 'ad_group', 'ad'] as const) {
        const ids = await listEntityIds(deps.db, id, level);
        for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) units.push({ level, ids: ids.slice(i, i + MAX_IDS_PER_CALL) });
      }
      const resumed = activityInfo().heartbeatDetails as { unit: number; rows: number } | undefined;
      let rows = resumed?.rows ?? 0;
      for (let unit = resumed?.unit ?? 0; unit < units.length; unit += 1) {
        const { level, ids } = units[unit]!;
        const result = await withToken(id, (token) =>
          getAnalytics(deps.http, token, id, { level, ids, startDate, endDate: today, settings: input.settings }),
        );
        const written = await upsertMetrics(deps.db, { adAccountId: id, level, currency: account.currency, settings: input.settings, rows: result, entityIds: ids, today, now: now() });
        rowsPulled.inc({ level }, written);
        rows += written;
        beat({ unit: unit + 1, rows });
      }
      // With no entities synced yet there was nothing to pull: the backfill is still owed.
      if (units.length > 0) {
        await deps.db
          .updateTable('ad_accounts')
          .set({ last_successful_pull_at: now(), last_pulled_through: addDays(today, -1), connection_status: 'connected' })
          .where('ad_account_id', '=', id)
          .execute();
      }
      // Missed days older than the synchronous 90 (up to Pinterest's 914) go to async reports.
      const missedFrom = addDays(today, -(Math.min(wanted, HISTORY_MAX_DAYS) - 1));
      const missed_before = wanted > days ? { start_date: missedFrom, end_date: addDays(startDate, -1) } : undefined;
      return { rows, start_date: startDate, end_date: today, ...(missed_before ? { missed_before } : {}) };
    },

    /**
     * Asks Pinterest for an async report of daily ad metrics over up to 186 days (older history
     * than the synchronous 90 days, up to 914 days back). Source: `analytics/create_report`.
     * @returns the report token.
     */
    async requestAdReport(input: { ad_account_id: string; start_date: string; end_date: string; settings: AttributionSettings }): Promise<string> {
      const id = input.ad_account_id;
      return withToken(id, (token) =>
        createAdReport(deps.http, token, id, { startDate: input.start_date, endDate: input.end_date, settings: input.settings }),
      );
    },

    /**
     * Polls a report once: while IN_PROGRESS it fails retryably (Temporal's retry policy is the
     * polling loop, with capped backoff and a schedule-to-close deadline). FINISHED: downloads the
     * file at once, inside its 5-minute link life, and upserts the rows. EXPIRED (or a dead link):
     * non-retryable `PinterestReportExpired`, so the workflow asks for a new report. FAILED,
     * CANCELLED, DOES_NOT_EXIST: non-retryable `PinterestReportFailed` with the status.
     * Source: `analytics/get_report`.
     */
    async collectAdReport(input: { ad_account_id: string; token: string; settings: AttributionSettings }): Promise<{ rows: number }> {
      const id = input.ad_account_id;
      const report = await withToken(id, (token) => getReport(deps.http, token, id, input.token));
      if (report.report_status === 'IN_PROGRESS') {
        throw ApplicationFailure.create({ message: 'report in progress', type: FAILURE_TYPES.reportNotReady });
      }
      if (report.report_status === 'EXPIRED') {
        throw ApplicationFailure.nonRetryable('the report expired before it was downloaded', FAILURE_TYPES.reportExpired);
      }
      if (report.report_status !== 'FINISHED' || !report.url) {
        throw ApplicationFailure.nonRetryable(`the report ended ${report.report_status}`, FAILURE_TYPES.reportFailed, { status: report.report_status });
      }
      let rows;
      try {
        rows = await downloadAdReport(report.url);
      } catch (error) {
        if (/HTTP 40[34]/.test(String(error))) {
          throw ApplicationFailure.nonRetryable(`the report link is no longer valid: ${String(error)}`, FAILURE_TYPES.reportExpired);
        }
        throw error;
      }
      const account = await getAdAccount(deps.db, id);
      const today = dateInTimeZone(now(), account.time_zone ?? 'UTC');
      let written = 0;
      for (let i = 0; i < rows.length; i += 5000) {
        written += await upsertMetrics(deps.db, {
          adAccountId: id,
          level: 'ad',
          currency: account.currency,
          settings: input.settings,
          rows: rows.slice(i, i + 5000),
          today,
          now: now(),
        });
        beat({ written });
      }
      rowsPulled.inc({ level: 'ad' }, written);
      return { rows: written };
    },

    /**
     * Stores an account's attribution settings; the next pull then backfills under them, since
     * metrics are keyed by the settings they were pulled under.
     */
    async saveAttributionSettings(input: { ad_account_id: string; settings: AttributionSettings }): Promise<void> {
      await saveAttributionSettings(deps.db, input.ad_account_id, input.settings);
    },

    /**
     * Stores touchpoints and attributes the pending conversions they now qualify for.
     * @returns counts; `pending_total` (all of the account's pending) only when a match changed it.
     */
    async recordTouchpoints(input: {
      ad_account_id: string;
      touchpoints: TouchpointRecord[];
      settings: AttributionSettings;
    }): Promise<{ inserted: number; matched: number; pending_total?: number }> {
      const inserted = await refuseInvalidData(() => insertTouchpoints(deps.db, input.touchpoints));
      const candidates = await pendingConversionsTouchedBy(deps.db, input.ad_account_id, input.touchpoints);
      const matched = await attributeConversions(deps.db, input.ad_account_id, candidates, input.settings);
      if (matched.length === 0) return { inserted, matched: 0 };
      return { inserted, matched: matched.length, pending_total: await countPending(deps.db, input.ad_account_id) };
    },

    /**
     * Stores conversions (a known `event_id` is skipped) and attributes every one of the batch
     * still pending, so a retry after a crash between insert and attribution loses no match.
     * @returns counts, with `pending` the batch's conversions still waiting for a touchpoint and
     * `pending_total` all of the account's (left out when the batch changed nothing: all known, none matched).
     */
    async recordConversions(input: {
      ad_account_id: string;
      conversions: ConversionRecord[];
      settings: AttributionSettings;
      hold_seconds: number;
    }): Promise<{ inserted: number; duplicates: number; matched: number; pending: number; pending_total?: number }> {
      const fresh = await refuseInvalidData(() => insertConversions(deps.db, input.conversions, input.hold_seconds, now()));
      const eventIds = input.conversions.map((c) => c.event_id);
      const matched = await attributeConversions(deps.db, input.ad_account_id, eventIds, input.settings);
      const pending = await countPending(deps.db, input.ad_account_id, eventIds);
      const counts = { inserted: fresh.length, duplicates: input.conversions.length - fresh.length, matched: matched.length, pending };
      if (fresh.length === 0 && matched.length === 0) return counts;
      return { ...counts, pending_total: await countPending(deps.db, input.ad_account_id) };
    },

    /**
     * Posts matched, unsent conversions to the Conversions API in batches of at most 1,000 and
     * stores each event's result. Each row goes `unsent` → `sending` (claimed) → `posting`
     * (committed before the request) → `sent` / `failed` / `stale` / `not_sendable`; an
     * interrupted attempt's `posting` rows become `unconfirmed` and are never posted twice by us.
     * Source: `events/create`.
     */
    async sendMatchedConversions(input: {
      ad_account_id: string;
    }): Promise<{ sent: number; failed: number; stale: number; not_sendable: number; unconfirmed: number }> {
      const id = input.ad_account_id;
      const totals = { sent: 0, failed: 0, stale: 0, not_sendable: 0, unconfirmed: 0 };
      const account = await getAdAccount(deps.db, id);
      await recoverInterruptedSends(deps.db, id);
      for (;;) {
        const claimed = await claimConversionsToSend(deps.db, id, MAX_EVENTS_PER_REQUEST, now());
        if (claimed.length === 0) return totals;
        const outcomes: CapiOutcome[] = [];
        const toSend: CapiEvent[] = [];
        for (const conversion of claimed) {
          const built = toCapiEvent(conversion, now(), conversion.fallback);
          if (built.kind === 'event') toSend.push(built.event);
          else outcomes.push({ event_id: conversion.event_id, capi_state: built.kind, result: { reason: built.reason } });
        }
        if (toSend.length > 0) {
          await markPosting(deps.db, id, toSend.map((e) => e.event_id));
          try {
            const response = await withCapiToken(id, account, (token) =>
              sendConversionEvents(deps.http, token, id, toSend, { test: account.capi_test_mode || deps.capiTestMode }),
            );
            toSend.forEach((event, index) => {
              const result = response.events[index] ?? { status: 'failed', error_message: 'no per-event result returned' };
              outcomes.push({
                event_id: event.event_id,
                capi_state: result.status === 'processed' ? 'sent' : 'failed',
                result,
              });
            });
          } catch (error) {
            const failure = error instanceof ApplicationFailure ? error : undefined;
            const code = (failure?.details?.[0] as { code?: number } | undefined)?.code;
            const neverConnected = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(String((error as { cause?: { code?: unknown } }).cause?.code));
            const askedToRetry =
              (failure && ([FAILURE_TYPES.rateLimited, FAILURE_TYPES.rateLimitedLong, FAILURE_TYPES.reauth] as string[]).includes(failure.type ?? '')) ||
              (error instanceof PinterestApiError && error.status >= 500) ||
              neverConnected;
            conversionsApiFailures.inc({ reason: askedToRetry ? 'retried' : code === 953 ? 'stale' : failure?.nonRetryable ? 'refused' : 'unconfirmed' });
            if (askedToRetry) {
              // Pinterest said it did not take them (429, 5xx, refused token), or never saw them: post again later, same event_id.
              await recordCapiOutcomes(deps.db, id, outcomes);
              await releaseClaims(deps.db, id, toSend.map((e) => e.event_id));
              throw error;
            } else if (code === 953) {
              for (const event of toSend) outcomes.push({ event_id: event.event_id, capi_state: 'stale', result: { error_message: String((error as Error).message) } });
            } else if (failure?.nonRetryable) {
              for (const event of toSend) outcomes.push({ event_id: event.event_id, capi_state: 'failed', result: { error_message: failure.message } });
            } else {
              // No answer we can read (timeout, network, malformed body): Pinterest may have them. Never post again.
              for (const event of toSend) {
                outcomes.push({ event_id: event.event_id, capi_state: 'unconfirmed', result: { reason: `no readable answer: ${String((error as Error).message ?? error)}` } });
              }
            }
          }
        }
        await recordCapiOutcomes(deps.db, id, outcomes);
        for (const outcome of outcomes) totals[outcome.capi_state] += 1;
        const refused = outcomes.filter((o) => o.capi_state === 'failed').length;
        if (refused > 0) conversionsApiFailures.inc({ reason: 'event_failed' }, refused);
        beat(totals);
      }
    },

    /** Expires pending conversions whose hold ended. @returns the count and the next hold end. */
    async expirePendingConversions(input: { ad_account_id: string }): Promise<{ expired: number; next_expiry_at?: string; pending_total: number }> {
      const result = await expireConversions(deps.db, input.ad_account_id, now());
      return { ...result, pending_total: await countPending(deps.db, input.ad_account_id) };
    },
  };
  return withKeepAlive(activities);
}

/** Every activity heartbeats while it runs (see keepAlive); names and signatures stay as written. */
function withKeepAlive<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, run]) => [name, (...args: never[]) => keepAlive(() => run(...args))]),
  ) as T;
}

/** The activity functions registered on the worker. */
export type Activities = ReturnType<typeof createActivities>;
