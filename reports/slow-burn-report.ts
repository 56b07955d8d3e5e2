import { sql, type Kysely } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { pinterestIdSchema } from '../domain/routy-records';
import { reportDate, reportWindow, startNotAfterEnd } from './report-params';
import { safeText, terminalSafeRow } from './performance-csv';
import type { Database } from '../store/database-schema';
import { attributionKey, unsyncedEntity } from './entity-metrics';

/** A slow-burn request: level (`campaign` or `pin`), conversion dates, and the window in days (the curve's length). */
export const slowBurnRequestSchema = z
  .strictObject({
    ad_account_id: pinterestIdSchema.optional(),
    level: z.enum(['campaign', 'pin']).default('campaign'),
    start_date: reportDate,
    end_date: reportDate,
    window: reportWindow.default(30),
  })
  .refine(...startNotAfterEnd);

export type SlowBurnRequest = z.infer<typeof slowBurnRequestSchema>;

/** How one campaign's or pin's attributed conversions spread over the days after the touch. */
export interface SlowBurnRow {
  ad_account_id: string;
  level: 'campaign' | 'pin';
  id: string;
  /** Campaign name, or the pin's title (else its ad's name); "ad <id>, not synced yet" (or pin, campaign) when not synced. */
  name: string;
  /** False: conversions credited to an ad, pin or campaign not synced yet (`id` is the ad's, pin's or campaign's). */
  synced: boolean;
  conversions: number;
  /**
   * `cumulative_share[d]`, d = 0..window: share (0..1) of conversions whose lag is at most d days
   * (d × 86,400 s), the rule a d-day window counts by.
   */
  cumulative_share: number[];
  /** Share (0..1) with a lag over 7 days: what a 7-day window misses (1 − cumulative_share[7]). */
  share_after_day_7: number;
}

/**
 * The slow-burn curve: for each campaign or pin, the cumulative share of Routy-attributed
 * conversions (conversion date in range, lag within the window) by lag day, and the share after day 7.
 */
export async function slowBurnReport(db: Kysely<Database>, request: SlowBurnRequest): Promise<SlowBurnRow[]> {
  // The campaign or pin; for an attribution without one, its ad (or pin) to name an unsynced row.
  const entity = attributionKey(request.level === 'campaign' ? 'campaign_id' : 'pin_id');
  // The requested account's rows (of the table aliased `alias`), or every account's.
  const account = (alias: string) => (request.ad_account_id === undefined ? sql`true` : sql`${sql.ref(`${alias}.ad_account_id`)} = ${request.ad_account_id}`);
  // Names: campaign names, or pin titles (else the ad's name; of a pin in several ads, the lowest ad id's: ids are digits).
  const names =
    request.level === 'campaign'
      ? sql`SELECT c.ad_account_id, c.campaign_id AS id, coalesce(c.name, '') AS name FROM campaigns c WHERE ${account('c')}`
      : sql`SELECT DISTINCT ON (ads.ad_account_id, ads.pin_id) ads.ad_account_id, ads.pin_id AS id, coalesce(pins.title, ads.name, '') AS name
            FROM ads LEFT JOIN pins ON pins.pin_id = ads.pin_id AND pins.ad_account_id = ads.ad_account_id
            WHERE ads.pin_id IS NOT NULL AND ${account('ads')} ORDER BY ads.ad_account_id, ads.pin_id, length(ads.ad_id), ads.ad_id`;
  // One row per entity with its name and the lag day of each of its conversions: 5,000 rows for
  // 5,000 pins rather than one per entity and day, named in the same statement. The lag days as
  // JSON: JSON.parse reads them natively, where an int[] is parsed character by character.
  const { rows } = await sql<{ ad_account_id: string; entity_id: string; name: string | null; lag_days: number[] }>`
    SELECT g.ad_account_id, g.entity_id, n.name, g.lag_days
    FROM (
      SELECT a.ad_account_id, ${entity} AS entity_id,
             -- Lag in days rounded up: day d holds lags in ((d − 1) × 86,400 s, d × 86,400 s].
             json_agg(((a.lag_seconds + 86399) / 86400)::int4) AS lag_days
      FROM attributions a
      WHERE ${account('a')} AND a.conversion_date >= ${request.start_date}::date AND a.conversion_date <= ${request.end_date}::date
        AND a.lag_seconds <= ${request.window * 86_400}
      GROUP BY 1, 2) g
    LEFT JOIN (${names}) n ON n.ad_account_id = g.ad_account_id AND n.id = g.entity_id`.execute(db);
  const window = request.window;
  const perDay = new Int32Array(window + 1);
  const curves = rows.map((row): SlowBurnRow => {
    perDay.fill(0);
    for (const day of row.lag_days) perDay[day < window ? day : window]! += 1;
    const total = row.lag_days.length;
    const cumulative = new Array<number>(window + 1);
    let running = 0;
    let upToSeven = total;
    for (let d = 0; d <= window; d += 1) {
      running += perDay[d]!;
      cumulative[d] = Math.round((running / total) * 10_000) / 10_000;
      if (d === 7) upToSeven = running;
    }
    const shown = row.name !== null ? { id: row.entity_id, name: row.name } : unsyncedEntity(row.entity_id, request.level, null);
    return {
      ad_account_id: row.ad_account_id,
      level: request.level,
      id: shown.id,
      name: shown.name,
      synced: row.name !== null,
      conversions: total,
      cumulative_share: cumulative,
      // Lags over 7 days: what a 7-day window misses (days 8 onwards).
      share_after_day_7: Math.round(((total - upToSeven) / total) * 10_000) / 10_000,
    };
  });
  // Code-unit order (ids are digits): localeCompare is ten times slower over 5,000 pins.
  return curves.sort((a, b) => (a.ad_account_id === b.ad_account_id ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.ad_account_id < b.ad_account_id ? -1 : 1));
}

/** CSV: one line per campaign or pin, the share after day 7, then the cumulative share on each lag day. */
export function slowBurnToCsv(rows: SlowBurnRow[], windowDays: number): string {
  const days = Array.from({ length: windowDays + 1 }, (_, d) => `share_by_day_${d}`);
  return stringify(
    rows.map((r) => terminalSafeRow([r.ad_account_id, r.level, r.id, safeText(r.name), r.conversions, r.share_after_day_7, ...r.cumulative_share])),
    { header: true, columns: ['ad_account_id', 'level', 'id', 'name', 'conversions', 'share_after_day_7', ...days] },
  );
}
