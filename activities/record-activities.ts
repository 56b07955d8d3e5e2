// Activities that store Routy's records and the account's settings, and attribute conversions.
import type { Kysely } from 'kysely';
import type { AnalyticsColumnsRequest, ExtraAnalyticsColumns } from '../domain/analytics-columns';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { MsotOptIn } from '../domain/msot-opt-in';
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';
import { attributeConversions, pendingConversionsTouchedBy } from '../store/attribution-store';
import { saveExtraAnalyticsColumns } from '../store/analytics-columns-store';
import { saveAttributionSettings } from '../store/connections-store';
import { countPending, expireConversions, insertConversions } from '../store/conversions-store';
import type { Database } from '../store/database-schema';
import { saveMsotOptIn } from '../store/msot-store';
import { sweepRawUserData } from '../store/personal-data-store';
import { insertTouchpoints } from '../store/touchpoints-store';
import { asInvalidRecordFailure } from './activity-failures';

/** Runs a write; a record PostgreSQL refuses as invalid fails non-retryably (see `asInvalidRecordFailure`). */
async function refuseInvalidData<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asInvalidRecordFailure(error);
  }
}

/** Builds the record activities over the store; `now` is the wall clock. */
export function createRecordActivities(deps: { db: Kysely<Database>; now: () => Date }) {
  const { db, now } = deps;

  return {
    /**
     * Stores an account's attribution settings; the next pull then backfills under them, since
     * metrics are keyed by the settings they were pulled under.
     */
    async saveAttributionSettings(input: { ad_account_id: string; settings: AttributionSettings }): Promise<void> {
      await saveAttributionSettings(db, input.ad_account_id, input.settings);
    },

    /**
     * Stores the extra sync-analytics columns of one level (validated by the workflow's
     * `setAnalyticsColumns` update), replacing that level's list; the next pull asks for them.
     * @returns every level's extra columns now stored.
     */
    async saveAnalyticsColumns(input: { ad_account_id: string } & AnalyticsColumnsRequest): Promise<ExtraAnalyticsColumns> {
      return saveExtraAnalyticsColumns(db, { adAccountId: input.ad_account_id, level: input.level, columns: input.columns, now: now() });
    },

    /**
     * Opts the account in to Measurement Source of Truth events (validated by the workflow's
     * `setMsotOptIn` update) or out. @returns the opt-in time (ISO; null: out) and whether the
     * account's grant has scope `msot:write`.
     */
    async saveMsotOptIn(input: { ad_account_id: string; opt_in: boolean }): Promise<MsotOptIn> {
      return saveMsotOptIn(db, input.ad_account_id, input.opt_in, now());
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
      const inserted = await refuseInvalidData(() => insertTouchpoints(db, input.touchpoints));
      const candidates = await pendingConversionsTouchedBy(db, input.ad_account_id, input.touchpoints);
      const matched = await attributeConversions(db, input.ad_account_id, candidates, input.settings);
      if (matched.length === 0) return { inserted, matched: 0 };
      return { inserted, matched: matched.length, pending_total: await countPending(db, input.ad_account_id) };
    },

    /**
     * Stores conversions (a known `event_id` is skipped, a repeated order kept as a duplicate) and attributes every one of the batch
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
      const { fresh } = await refuseInvalidData(() => db.transaction().execute((trx) => insertConversions(trx, input.conversions, input.hold_seconds, now())));
      const eventIds = input.conversions.map((c) => c.event_id);
      const matched = await attributeConversions(db, input.ad_account_id, eventIds, input.settings);
      const pending = await countPending(db, input.ad_account_id, eventIds);
      const counts = { inserted: fresh.length, duplicates: input.conversions.length - fresh.length, matched: matched.length, pending };
      if (fresh.length === 0 && matched.length === 0) return counts;
      return { ...counts, pending_total: await countPending(db, input.ad_account_id) };
    },

    /**
     * Expires pending conversions whose hold ended, then deletes the raw user data no post can need
     * any more (`sweepRawUserData`, as the hourly entity sync does). @returns the count and the next hold end.
     */
    async expirePendingConversions(input: { ad_account_id: string }): Promise<{ expired: number; next_expiry_at?: string; pending_total: number }> {
      const result = await expireConversions(db, input.ad_account_id, now());
      await sweepRawUserData(db, input.ad_account_id, now());
      return { ...result, pending_total: await countPending(db, input.ad_account_id) };
    },
  };
}
