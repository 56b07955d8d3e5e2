// Activities that read from Pinterest: entities, daily metrics, async reports.
import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { AttributionSettings } from '../domain/attribution-settings';
import { addDays, dateInTimeZone } from '../domain/dates';
import type { DroppedDays } from '../domain/history-bounds';
import { planPull, type BackfillRange } from '../domain/pull-plan';
import { pulls, rowsPulled } from '../observability/metrics';
import { getAnalytics, MAX_IDS_PER_CALL, type MetricLevel } from '../pinterest/analytics';
import { listAdGroups, listAds, listCampaigns } from '../pinterest/entities';
import type { PinterestHttp } from '../pinterest/http';
import { createAdReport, downloadAdReport, getReport } from '../pinterest/reports';
import { recordSuccessfulPull } from '../store/connections-store';
import type { Database } from '../store/database-schema';
import { getAdAccount, listEntityIds, upsertAdGroups, upsertAds, upsertCampaigns } from '../store/entities-store';
import { sweepRawUserData } from '../store/personal-data-store';
import { fillPlacements } from '../store/placements-store';
import { upsertMetrics } from '../store/metrics-store';
import { extraAnalyticsColumns } from '../store/analytics-columns-store';
import { asReportDownloadFailure, reportDownloadUrl } from './activity-failures';
import { syncPinMetadata } from './ad-sync-activities';
import { beat } from './heartbeat';
import type { PinterestGrant } from './pinterest-grant';
import { FAILURE_TYPES } from '../workflows/shared';

/**
 * What a pull read: rows upserted, the synchronous range, older missed days for reports, days the
 * backfill or missed days reached for and left out (before creation or 914 days), and the
 * account's creation date (account time zone) when known. Dates `YYYY-MM-DD`.
 */
export interface PullResult {
  rows: number;
  start_date: string;
  end_date: string;
  missed_before?: BackfillRange;
  dropped?: DroppedDays;
  account_created_date?: string;
}

/** Report rows upserted per statement (and per heartbeat). */
const REPORT_ROWS_PER_WRITE = 5000;

/** Builds the pull activities over the store, the Pinterest client and the grant policy; `now` is the wall clock. */
export function createPullActivities(deps: { db: Kysely<Database>; http: PinterestHttp; grant: PinterestGrant; now: () => Date }) {
  const { db, http, grant, now } = deps;
  const { withToken } = grant;

  const activities = {
    /**
     * Syncs campaigns, ad groups and ads (archived included), then the metadata (title, link,
     * media type) of promoted pins not stored yet, and completes the attributions whose placement
     * waited for these ads (`fillPlacements`). Source: `campaigns/list`, `ad_groups/list`,
     * `ads/list`, `pins/get`. First, whatever Pinterest answers, deletes the raw user data no post
     * can need any more (`sweepRawUserData`: hourly, with this sync). @returns counts per level.
     */
    async syncEntities(input: { ad_account_id: string }): Promise<{ campaigns: number; ad_groups: number; ads: number; pins: number }> {
      const id = input.ad_account_id;
      await sweepRawUserData(db, id, now());
      const campaigns = await withToken(id, (token) => listCampaigns(http, token, id));
      const adGroups = await withToken(id, (token) => listAdGroups(http, token, id));
      const ads = await withToken(id, (token) => listAds(http, token, id));
      const at = now();
      await upsertCampaigns(db, id, campaigns, at);
      await upsertAdGroups(db, id, adGroups, at);
      await upsertAds(db, id, ads, at);
      // A deleted pin (404) keeps its ad, and is remembered so it is not asked for every hour.
      const pins = await syncPinMetadata(deps, id);
      await fillPlacements(db, id);
      return { campaigns: campaigns.length, ad_groups: adGroups.length, ads: ads.length, pins };
    },

    /**
     * Pulls daily metrics at campaign, ad group and ad (pin) level and upserts them, over the
     * range `planPull` gives: ending today (account timezone, marked partial), at least `min_days`,
     * back to the missed days or the backfill, no earlier than the synchronous endpoints serve (90
     * days back, UTC), the account's creation or 914 days; older missed days come back as
     * `missed_before` for async reports, days left out as `dropped`. Calls take at most 250 ids and 91 days. Progress is
     * heartbeated, so a retried attempt resumes at its cursor. Each level asks for the fixed columns
     * plus the account's extra ones (`setAnalyticsColumns`), which land in each row's `columns` JSON.
     * Source: `campaigns/analytics`, `ad_groups/analytics`, `ads/analytics`.
     */
    async pullMetrics(input: {
      ad_account_id: string;
      /** Days re-read at least (the restatement window). */
      min_days: number;
      /** Days pulled when the account was never pulled. */
      backfill_days: number;
      settings: AttributionSettings;
    }): Promise<PullResult> {
      const id = input.ad_account_id;
      const account = await getAdAccount(db, id);
      const at = now();
      const today = dateInTimeZone(at, account.time_zone ?? 'UTC');
      const createdDate = account.created_time ? dateInTimeZone(account.created_time, account.time_zone ?? 'UTC') : null;
      const plan = planPull({
        today,
        utcToday: at.toISOString().slice(0, 10),
        lastPulledThrough: account.last_pulled_through,
        minDays: input.min_days,
        backfillDays: input.backfill_days,
        createdDate,
      });
      const units: Array<{ level: MetricLevel; ids: string[] }> = [];
      for (const level of ['campaign', 'ad_group', 'ad'] as const) {
        const ids = await listEntityIds(db, id, level);
        for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) units.push({ level, ids: ids.slice(i, i + MAX_IDS_PER_CALL) });
      }
      const extra = await extraAnalyticsColumns(db, id);
      const resumed = activityInfo().heartbeatDetails as { unit: number; rows: number } | undefined;
      let rows = resumed?.rows ?? 0;
      for (let unit = resumed?.unit ?? 0; unit < units.length; unit += 1) {
        const { level, ids } = units[unit]!;
        const result = await withToken(id, (token) =>
          getAnalytics(http, token, id, { level, ids, startDate: plan.start_date, endDate: today, settings: input.settings, extraColumns: extra[level] }),
        );
        const written = await upsertMetrics(db, { adAccountId: id, level, currency: account.currency, settings: input.settings, rows: result, entityIds: ids, today, now: now() });
        rowsPulled.inc({ level }, written);
        rows += written;
        beat({ unit: unit + 1, rows });
      }
      // With no entities synced yet there was nothing to pull: the backfill is still owed.
      if (units.length > 0) await recordSuccessfulPull(db, id, addDays(today, -1), now());
      return {
        rows,
        start_date: plan.start_date,
        end_date: today,
        ...(plan.missed_before ? { missed_before: plan.missed_before } : {}),
        ...(plan.dropped ? { dropped: plan.dropped } : {}),
        ...(createdDate ? { account_created_date: createdDate } : {}),
      };
    },

    /**
     * Asks Pinterest for an async report of daily ad metrics over up to 186 days (older history
     * than the synchronous 90 days, up to 914 days back). Source: `analytics/create_report`.
     * @returns the report token.
     */
    async requestAdReport(input: { ad_account_id: string; start_date: string; end_date: string; settings: AttributionSettings }): Promise<string> {
      const id = input.ad_account_id;
      return withToken(id, (token) => createAdReport(http, token, id, { startDate: input.start_date, endDate: input.end_date, settings: input.settings }));
    },

    /**
     * Polls a report once: while IN_PROGRESS it fails retryably (Temporal's retry policy is the
     * polling loop, with capped backoff and a schedule-to-close deadline). FINISHED: downloads the
     * file at once, inside its 5-minute link life, and upserts the rows. EXPIRED (or a dead link):
     * non-retryable `PinterestReportExpired`, so the workflow asks for a new report. FAILED,
     * CANCELLED, DOES_NOT_EXIST: non-retryable `PinterestReportFailed` with the status
     * (see `reportDownloadUrl`, `asReportDownloadFailure`). Source: `analytics/get_report`.
     */
    async collectAdReport(input: { ad_account_id: string; token: string; settings: AttributionSettings }): Promise<{ rows: number }> {
      const id = input.ad_account_id;
      const report = await withToken(id, (token) => getReport(http, token, id, input.token));
      const url = reportDownloadUrl(report);
      let rows;
      try {
        rows = await downloadAdReport(url);
      } catch (error) {
        throw asReportDownloadFailure(error);
      }
      const account = await getAdAccount(db, id);
      const today = dateInTimeZone(now(), account.time_zone ?? 'UTC');
      let written = 0;
      for (let i = 0; i < rows.length; i += REPORT_ROWS_PER_WRITE) {
        written += await upsertMetrics(db, {
          adAccountId: id,
          level: 'ad',
          currency: account.currency,
          settings: input.settings,
          rows: rows.slice(i, i + REPORT_ROWS_PER_WRITE),
          today,
          now: now(),
        });
        beat({ written });
      }
      rowsPulled.inc({ level: 'ad' }, written);
      return { rows: written };
    },
  };
  return { ...activities, pullMetrics: countedPulls(activities.pullMetrics) };
}

/** `pull`, counting each attempt in `routy_pinterest_pulls_total` by outcome (`succeeded`, `rate_limited`, `failed`). */
function countedPulls<A extends unknown[], R>(pull: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      const result = await pull(...args);
      pulls.inc({ outcome: 'succeeded' });
      return result;
    } catch (error) {
      const rateLimited = error instanceof ApplicationFailure && (error.type === FAILURE_TYPES.rateLimited || error.type === FAILURE_TYPES.rateLimitedLong);
      pulls.inc({ outcome: rateLimited ? 'rate_limited' : 'failed' });
      throw error;
    }
  };
}
