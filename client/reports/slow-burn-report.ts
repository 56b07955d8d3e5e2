import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../activities/store/database-schema';

/** A slow-burn request: level (`campaign` or `pin`), conversion dates, and the window in days (the curve's length). */
export const slowBurnRequestSchema = z
  .object({
    ad_account_id: z.string().regex(/^\d{1,19}$/, 'must be a string of digits').optional(),
    level: z.enum(['campaign', 'pin']).default('campaign'),
    start_date: z.iso.date(),
    end_date: z.iso.date(),
    window: z.coerce.number().refine((d) => [1, 7, 14, 30, 60].includes(d), 'must be 1, 7, 14, 30 or 60').default(30),
  })
  .refine((r) => r.start_date <= r.end_date, { path: ['start_date'], message: 'must not be after end_date' });

export type SlowBurnRequest = z.infer<typeof slowBurnRequestSchema>;

/** How one campaign's or pin's attributed conversions spread over the days after the touch. */
export interface SlowBurnRow {
  ad_account_id: string;
  level: 'campaign' | 'pin';
  id: string;
  conversions: number;
  /** `cumulative_share[d]`: share (0..1) of conversions with lag of at most d whole days, d = 0..window. */
  cumulative_share: number[];
  /** Share (0..1) that landed after day 7: what a 7-day window misses. */
  share_after_day_7: number;
}

/**
 * The slow-burn curve: for each campaign or pin, the cumulative share of Routy-attributed
 * conversions (conversion date in range, lag within the window) by lag day, and the share after day 7.
 */
export async function slowBurnReport(db: Kysely<Database>, request: SlowBurnRequest): Promise<SlowBurnRow[]> {
  const entity = request.level === 'campaign' ? sql.ref('a.campaign_id') : sql.ref('a.pin_id');
  const rows = await db
    .selectFrom('attributions as a')
    .innerJoin('conversions as c', (join) => join.onRef('c.event_id', '=', 'a.event_id').onRef('c.ad_account_id', '=', 'a.ad_account_id'))
    .innerJoin('ad_accounts as acc', 'acc.ad_account_id', 'a.ad_account_id')
    .select([
      'a.ad_account_id',
      sql<string>`${entity}`.as('entity_id'),
      sql<number>`floor(a.lag_seconds / 86400)::int`.as('lag_day'),
      sql<string>`count(*)`.as('n'),
    ])
    .where(sql<boolean>`${entity} is not null`)
    .where('a.lag_seconds', '<=', String(request.window * 86_400))
    .where(sql<boolean>`(c.event_time at time zone coalesce(acc.time_zone, 'UTC'))::date between ${request.start_date}::date and ${request.end_date}::date`)
    .$if(request.ad_account_id !== undefined, (q) => q.where('a.ad_account_id', '=', request.ad_account_id!))
    .groupBy(['a.ad_account_id', sql`${entity}`, sql`floor(a.lag_seconds / 86400)`])
    .execute();
  const byEntity = new Map<string, { ad_account_id: string; id: string; perDay: number[] }>();
  for (const row of rows) {
    const key = `${row.ad_account_id}:${row.entity_id}`;
    const entry = byEntity.get(key) ?? { ad_account_id: row.ad_account_id, id: row.entity_id, perDay: new Array(request.window + 1).fill(0) };
    entry.perDay[Math.min(Number(row.lag_day), request.window)]! += Number(row.n);
    byEntity.set(key, entry);
  }
  return [...byEntity.values()]
    .sort((a, b) => a.ad_account_id.localeCompare(b.ad_account_id) || a.id.localeCompare(b.id))
    .map(({ ad_account_id, id, perDay }) => {
      const total = perDay.reduce((a, b) => a + b, 0);
      let running = 0;
      const cumulative = perDay.map((n) => {
        running += n;
        return Math.round((running / total) * 10_000) / 10_000;
      });
      const afterSeven = perDay.slice(8).reduce((a, b) => a + b, 0);
      return { ad_account_id, level: request.level, id, conversions: total, cumulative_share: cumulative, share_after_day_7: Math.round((afterSeven / total) * 10_000) / 10_000 };
    });
}
