import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { ConversionRecord, TouchpointRecord } from '../client/routy-schemas';
import type { AttributionSettings } from '../workflows/messages';
import { toCapiEvent } from './capi-events';
import { AccessTokens } from './pinterest/access-tokens';
import { getAdAnalytics, MAX_DAYS_PER_CALL, MAX_IDS_PER_CALL, type AdAnalyticsRow } from './pinterest/analytics';
import { MAX_EVENTS_PER_REQUEST, sendConversionEvents, type CapiEvent } from './pinterest/conversions';
import { listAdGroups, listAds, listCampaigns } from './pinterest/entities';
import { PinterestApiError, type PinterestHttp } from './pinterest/http';
import type { PinterestApp } from './pinterest/oauth';
import type { TokenCipher } from './secrets/token-cipher';
import { attributeConversions, pendingConversionsTouchedBy } from './store/attribution-store';
import { claimConversionsToSend, recordCapiOutcomes, releaseClaims, type CapiOutcome } from './store/capi-store';
import { countPending, expireConversions, insertConversions } from './store/conversions-store';
import type { Database } from './store/database-schema';
import { getAdAccount, listAdIds, upsertAdGroups, upsertAds, upsertCampaigns } from './store/entities-store';
import { upsertAdMetrics } from './store/metrics-store';
import { insertTouchpoints } from './store/touchpoints-store';
import { addDays, dateInTimeZone } from './dates';

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
 * Turns Pinterest errors into Temporal failures: 429, 5xx and network errors are thrown as they
 * are (Temporal retries them); other 4xx become non-retryable and keep Pinterest's message.
 */
function asActivityFailure(error: unknown): unknown {
  if (error instanceof PinterestApiError && !error.retryable) {
    return ApplicationFailure.nonRetryable(error.message, 'PinterestApiError', { status: error.status, code: error.code });
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
      throw ApplicationFailure.nonRetryable(`the database refused a record: ${(error as Error).message}`, 'InvalidRecord');
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

  /** Runs a Pinterest call with a valid token; a 401 refreshes the token once and retries. */
  async function withToken<T>(adAccountId: string, call: (accessToken: string) => Promise<T>): Promise<T> {
    try {
      try {
        return await call(await tokens.forAdAccount(adAccountId));
      } catch (error) {
        if (!(error instanceof PinterestApiError) || error.status !== 401) throw error;
        return await call(await tokens.forAdAccount(adAccountId, { forceRefresh: true }));
      }
    } catch (error) {
      throw asActivityFailure(error);
    }
  }

  return {
    /**
     * Syncs campaigns, ad groups and ads (archived included) into PostgreSQL.
     * Source: `campaigns/list`, `ad_groups/list`, `ads/list`. @returns counts per level.
     */
    async syncEntities(input: { ad_account_id: string }): Promise<{ campaigns: number; ad_groups: number; ads: number }> {
      const id = input.ad_account_id;
      const campaigns = await withToken(id, (token) => listCampaigns(deps.http, token, id));
      const adGroups = await withToken(id, (token) => listAdGroups(deps.http, token, id));
      const ads = await withToken(id, (token) => listAds(deps.http, token, id));
      const at = now();
      await upsertCampaigns(deps.db, id, campaigns, at);
      await upsertAdGroups(deps.db, id, adGroups, at);
      await upsertAds(deps.db, id, ads, at);
      return { campaigns: campaigns.length, ad_groups: adGroups.length, ads: ads.length };
    },

    /**
     * Pulls daily ad (pin) metrics for the last `days` account-timezone days up to today (today
     * marked partial), in calls of at most 250 ads and 90 days, and upserts them.
     * Source: `ads/analytics`. @returns rows written and the date range.
     */
    async pullAdMetrics(input: {
      ad_account_id: string;
      days: number;
      settings: AttributionSettings;
    }): Promise<{ rows: number; start_date: string; end_date: string }> {
      const id = input.ad_account_id;
      const account = await getAdAccount(deps.db, id);
      const today = dateInTimeZone(now(), account.time_zone ?? 'UTC');
      const days = Math.min(Math.max(1, input.days), MAX_DAYS_PER_CALL);
      const startDate = addDays(today, -(days - 1));
      const adIds = await listAdIds(deps.db, id);
      let rows = 0;
      for (let i = 0; i < adIds.length; i += MAX_IDS_PER_CALL) {
        const chunk = adIds.slice(i, i + MAX_IDS_PER_CALL);
        const result: AdAnalyticsRow[] = await withToken(id, (token) =>
          getAdAnalytics(deps.http, token, id, { adIds: chunk, startDate, endDate: today, settings: input.settings }),
        );
        rows += await upsertAdMetrics(deps.db, {
          adAccountId: id,
          currency: account.currency,
          settings: input.settings,
          rows: result,
          today,
          now: now(),
        });
        heartbeat({ ads_done: i + chunk.length });
      }
      await deps.db.updateTable('ad_accounts').set({ last_successful_pull_at: now() }).where('ad_account_id', '=', id).execute();
      return { rows, start_date: startDate, end_date: today };
    },

    /** Stores touchpoints and attributes the pending conversions they now qualify for. */
    async recordTouchpoints(input: {
      ad_account_id: string;
      touchpoints: TouchpointRecord[];
      settings: AttributionSettings;
    }): Promise<{ inserted: number; matched: number }> {
      const inserted = await refuseInvalidData(() => insertTouchpoints(deps.db, input.touchpoints));
      const candidates = await pendingConversionsTouchedBy(deps.db, input.ad_account_id, input.touchpoints);
      const matched = await attributeConversions(deps.db, input.ad_account_id, candidates, input.settings);
      return { inserted, matched: matched.length };
    },

    /**
     * Stores conversions (a known `event_id` is skipped) and attributes every one of the batch
     * still pending, so a retry after a crash between insert and attribution loses no match.
     * @returns counts, with `pending` the batch's conversions still waiting for a touchpoint.
     */
    async recordConversions(input: {
      ad_account_id: string;
      conversions: ConversionRecord[];
      settings: AttributionSettings;
      hold_seconds: number;
    }): Promise<{ inserted: number; duplicates: number; matched: number; pending: number }> {
      const fresh = await refuseInvalidData(() => insertConversions(deps.db, input.conversions, input.hold_seconds, now()));
      const eventIds = input.conversions.map((c) => c.event_id);
      const matched = await attributeConversions(deps.db, input.ad_account_id, eventIds, input.settings);
      const pending = await countPending(deps.db, input.ad_account_id, eventIds);
      return { inserted: fresh.length, duplicates: input.conversions.length - fresh.length, matched: matched.length, pending };
    },

    /**
     * Posts matched, unsent conversions to the Conversions API in batches of at most 1,000 and
     * stores each event's result. Source: `events/create`.
     */
    async sendMatchedConversions(input: {
      ad_account_id: string;
    }): Promise<{ sent: number; failed: number; stale: number; not_sendable: number }> {
      const id = input.ad_account_id;
      const totals = { sent: 0, failed: 0, stale: 0, not_sendable: 0 };
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
          try {
            const response = await withToken(id, (token) =>
              sendConversionEvents(deps.http, token, id, toSend, { test: deps.capiTestMode }),
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
            const cause = error instanceof ApplicationFailure ? error.details?.[0] : undefined;
            const code = (cause as { code?: number } | undefined)?.code;
            if (code === 953) {
              for (const event of toSend) outcomes.push({ event_id: event.event_id, capi_state: 'stale', result: { error_message: String((error as Error).message) } });
            } else if (error instanceof ApplicationFailure && error.nonRetryable) {
              for (const event of toSend) outcomes.push({ event_id: event.event_id, capi_state: 'failed', result: { error_message: error.message } });
            } else {
              await recordCapiOutcomes(deps.db, id, outcomes);
              await releaseClaims(deps.db, id, toSend.map((e) => e.event_id));
              throw error;
            }
          }
        }
        await recordCapiOutcomes(deps.db, id, outcomes);
        for (const outcome of outcomes) totals[outcome.capi_state] += 1;
        heartbeat(totals);
      }
    },

    /** Expires pending conversions whose hold ended. @returns the count and the next hold end. */
    async expirePendingConversions(input: { ad_account_id: string }): Promise<{ expired: number; next_expiry_at?: string }> {
      return expireConversions(deps.db, input.ad_account_id, now());
    },
  };
}

/** The activity functions registered on the worker. */
export type Activities = ReturnType<typeof createActivities>;
