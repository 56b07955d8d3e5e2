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
  // One row per entity with the lag day of each of its conversions: 5,000 rows for 5,000 pins
  // rather than one per entity and day. As JSON: JSON.parse reads it natively, where an int[]
  // would be parsed character by character in JavaScript.
  const grouped = db
    .selectFrom('attributions as a')
    .select([
      'a.ad_account_id',
      sql<string>`${entity}`.as('entity_id'),
      // Lag in days rounded up: day d holds lags in ((d − 1) × 86,400 s, d × 86,400 s].
      sql<number[]>`json_agg(((a.lag_seconds + 86399) / 86400)::int4)`.as('lag_days'),
    ])
    .where('a.lag_seconds', '<=', String(request.window * 86_400))
    .where('a.conversion_date', '>=', request.start_date)
    .where('a.conversion_date', '<=', request.end_date)
    .$if(request.ad_account_id !== undefined, (q) => q.where('a.ad_account_id', '=', request.ad_account_id!))
    .groupBy(['a.ad_account_id', sql`${entity}`])
    .execute();
  const [rows, names] = await Promise.all([grouped, entityNames(db, request)]);
  const window = request.window;
  const curves = rows.map((row): SlowBurnRow => {
    const perDay = new Int32Array(window + 1);
    for (const day of row.lag_days) perDay[day < window ? day : window]! += 1;
    const total = row.lag_days.length;
    const cumulative = new Array<number>(window + 1);
    let running = 0;
    for (let d = 0; d <= window; d += 1) {
      running += perDay[d]!;
      cumulative[d] = Math.round((running / total) * 10_000) / 10_000;
    }
    const name = names.get(row.ad_account_id)?.get(row.entity_id);
    const shown = name !== undefined ? { id: row.entity_id, name } : unsyncedEntity(row.entity_id, request.level, null);
    // Lags over 7 days: what a 7-day window misses (days 8 onwards).
    const upToSeven = window >= 7 ? sumTo(perDay, 7) : total;
    return {
      ad_account_id: row.ad_account_id,
      level: request.level,
      id: shown.id,
      name: shown.name,
      synced: name !== undefined,
      conversions: total,
      cumulative_share: cumulative,
      share_after_day_7: Math.round(((total - upToSeven) / total) * 10_000) / 10_000,
    };
  });
  // Code-unit order (ids are digits): localeCompare is ten times slower over 5,000 pins.
  return curves.sort((a, b) => (a.ad_account_id === b.ad_account_id ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.ad_account_id < b.ad_account_id ? -1 : 1));
}

/** Conversions with a lag of at most `day` days. */
function sumTo(perDay: Int32Array, day: number): number {
  let sum = 0;
  for (let d = 0; d <= day; d += 1) sum += perDay[d]!;
  return sum;
}

/** Names by ad account, then campaign id or pin id: campaign names, or pin titles (else the ad's name). */
async function entityNames(db: Kysely<Database>, request: SlowBurnRequest): Promise<Map<string, Map<string, string>>> {
  const rows =
    request.level === 'campaign'
      ? await db
          .selectFrom('campaigns')
          .select(['ad_account_id', 'campaign_id as id', 'name'])
          .$if(request.ad_account_id !== undefined, (q) => q.where('ad_account_id', '=', request.ad_account_id!))
          .execute()
      : await db
          .selectFrom('ads')
          .leftJoin('pins', (join) => join.onRef('pins.pin_id', '=', 'ads.pin_id').onRef('pins.ad_account_id', '=', 'ads.ad_account_id'))
          .select(['ads.ad_account_id', sql<string>`ads.pin_id`.as('id'), sql<string>`coalesce(pins.title, ads.name, '')`.as('name')])
          .where('ads.pin_id', 'is not', null)
          .$if(request.ad_account_id !== undefined, (q) => q.where('ads.ad_account_id', '=', request.ad_account_id!))
          .execute();
  const byAccount = new Map<string, Map<string, string>>();
  for (const r of rows) {
    let names = byAccount.get(r.ad_account_id);
    if (!names) byAccount.set(r.ad_account_id, (names = new Map()));
    names.set(r.id, r.name ?? '');
  }
  return byAccount;
}

/** CSV: one line per campaign or pin, the share after day 7, then the cumulative share on each lag day. */
export function slowBurnToCsv(rows: SlowBurnRow[], windowDays: number): string {
  const days = Array.from({ length: windowDays + 1 }, (_, d) => `share_by_day_${d}`);
  return stringify(
    rows.map((r) => terminalSafeRow([r.ad_account_id, r.level, r.id, safeText(r.name), r.conversions, r.share_after_day_7, ...r.cumulative_share])),
    { header: true, columns: ['ad_account_id', 'level', 'id', 'name', 'conversions', 'share_after_day_7', ...days] },
  );
}
