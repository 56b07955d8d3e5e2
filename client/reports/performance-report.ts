import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../activities/store/database-schema';

/** Report levels: `pin` is ad level, labelled with its pin. */
export const REPORT_LEVELS = ['campaign', 'ad_group', 'pin'] as const;
export const REPORT_WINDOWS = [1, 7, 14, 30, 60] as const;

/** A report request, validated at every way in (HTTP, CLI). Dates are `YYYY-MM-DD`. */
export const reportRequestSchema = z
  .object({
    ad_account_id: z.string().regex(/^\d{1,19}$/, 'must be a string of digits').optional(),
    level: z.enum(REPORT_LEVELS).default('campaign'),
    start_date: z.iso.date(),
    end_date: z.iso.date(),
    /** Days from touch to conversion that count; `account`: the account's click window. */
    window: z.union([z.literal('account'), z.coerce.number().refine((d) => (REPORT_WINDOWS as readonly number[]).includes(d), 'must be 1, 7, 14, 30, 60 or account')]).default(30),
    /** A second window shown side by side. */
    compare: z.coerce.number().refine((d) => (REPORT_WINDOWS as readonly number[]).includes(d), 'must be 1, 7, 14, 30 or 60').optional(),
  })
  .refine((r) => r.start_date <= r.end_date, { path: ['start_date'], message: 'must not be after end_date' });

export type ReportRequest = z.infer<typeof reportRequestSchema>;

/** Conversions, revenue, cost per conversion and ROAS under one window. Money in currency units. */
export interface WindowFigures {
  window_days: number;
  conversions: number;
  revenue: number;
  /** null without conversions. */
  cost_per_conversion: number | null;
  /** Revenue / spend; null without spend. */
  roas: number | null;
}

/** One row per entity and currency: accounts in different currencies are never summed. */
export interface ReportRow {
  ad_account_id: string;
  currency: string;
  level: (typeof REPORT_LEVELS)[number];
  id: string;
  name: string;
  pin_id: string | null;
  /** Currency units (converted from micro-currency only here). */
  spend: number;
  impressions: number;
  saves: number;
  pin_clicks: number;
  outbound_clicks: number;
  routy: WindowFigures;
  compare?: WindowFigures;
  /** Pinterest-reported conversions and checkout value under the account's settings, and Routy minus Pinterest. */
  pinterest: { conversions: number; checkout_value: number; difference: number };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Cost per conversion per campaign, ad group or pin for a date range. Spend and engagement come
 * from the pulled metrics under each account's settings; Routy-attributed conversions are those
 * whose conversion date falls in the range and whose lag from the winning touch fits the window.
 */
export async function performanceReport(db: Kysely<Database>, request: ReportRequest): Promise<ReportRow[]> {
  const metricLevel = request.level === 'pin' ? 'ad' : request.level;
  const accounts = await db
    .selectFrom('ad_accounts')
    .selectAll()
    .$if(request.ad_account_id !== undefined, (q) => q.where('ad_account_id', '=', request.ad_account_id!))
    .execute();
  const rows: ReportRow[] = [];
  for (const account of accounts) {
    const windowDays = request.window === 'account' ? account.click_window_days : request.window;
    const entityColumn = request.level === 'campaign' ? 'campaign_id' : request.level === 'ad_group' ? 'ad_group_id' : 'ad_id';
    const metrics = await db
      .selectFrom('metrics_daily')
      .select([
        'entity_id',
        sql<string>`sum(spend_micro)`.as('spend_micro'),
        sql<string>`sum(impressions)`.as('impressions'),
        sql<string>`sum(saves)`.as('saves'),
        sql<string>`sum(pin_clicks)`.as('pin_clicks'),
        sql<string>`sum(outbound_clicks)`.as('outbound_clicks'),
        sql<string>`sum(pinterest_conversions)`.as('pinterest_conversions'),
        sql<string>`sum(checkout_value_micro)`.as('checkout_value_micro'),
      ])
      .where('ad_account_id', '=', account.ad_account_id)
      .where('level', '=', metricLevel)
      .where('date', '>=', request.start_date)
      .where('date', '<=', request.end_date)
      .where('click_window_days', '=', account.click_window_days)
      .where('engagement_window_days', '=', account.engagement_window_days)
      .where('view_window_days', '=', account.view_window_days)
      .where('conversion_report_time', '=', account.conversion_report_time)
      .groupBy('entity_id')
      .execute();
    const within = (days: number) => sql<string>`count(*) filter (where a.lag_seconds <= ${days * 86_400})`;
    const revenueWithin = (days: number) => sql<string>`coalesce(sum(c.value) filter (where a.lag_seconds <= ${days * 86_400}), 0)`;
    const conversions = await db
      .selectFrom('attributions as a')
      .innerJoin('conversions as c', (join) => join.onRef('c.event_id', '=', 'a.event_id').onRef('c.ad_account_id', '=', 'a.ad_account_id'))
      .select([
        sql<string>`a.${sql.ref(entityColumn)}`.as('entity_id'),
        within(windowDays).as('conversions'),
        revenueWithin(windowDays).as('revenue'),
        within(request.compare ?? windowDays).as('compare_conversions'),
        revenueWithin(request.compare ?? windowDays).as('compare_revenue'),
      ])
      .where('a.ad_account_id', '=', account.ad_account_id)
      .where(sql<boolean>`(c.event_time at time zone ${account.time_zone ?? 'UTC'})::date between ${request.start_date}::date and ${request.end_date}::date`)
      .groupBy(sql`a.${sql.ref(entityColumn)}`)
      .execute();
    const names = await entityNames(db, account.ad_account_id, request.level);
    const byEntity = new Map(conversions.map((c) => [c.entity_id, c]));
    const metricsByEntity = new Map(metrics.map((m) => [m.entity_id, m]));
    const ids = new Set([...metrics.map((m) => m.entity_id), ...conversions.flatMap((c) => (c.entity_id ? [c.entity_id] : []))]);
    for (const id of [...ids].sort()) {
      const m = metricsByEntity.get(id);
      const c = byEntity.get(id);
      const spend = Number(m?.spend_micro ?? 0) / 1_000_000;
      const figures = (days: number, count: number, revenue: number): WindowFigures => ({
        window_days: days,
        conversions: count,
        revenue: round(revenue),
        cost_per_conversion: count > 0 ? round(spend / count) : null,
        roas: spend > 0 ? round(revenue / spend) : null,
      });
      const routy = figures(windowDays, Number(c?.conversions ?? 0), Number(c?.revenue ?? 0));
      const pinterestConversions = Number(m?.pinterest_conversions ?? 0);
      rows.push({
        ad_account_id: account.ad_account_id,
        currency: account.currency,
        level: request.level,
        id,
        name: names.get(id)?.name ?? '',
        pin_id: names.get(id)?.pin_id ?? null,
        spend: round(spend),
        impressions: Number(m?.impressions ?? 0),
        saves: Number(m?.saves ?? 0),
        pin_clicks: Number(m?.pin_clicks ?? 0),
        outbound_clicks: Number(m?.outbound_clicks ?? 0),
        routy,
        ...(request.compare ? { compare: figures(request.compare, Number(c?.compare_conversions ?? 0), Number(c?.compare_revenue ?? 0)) } : {}),
        pinterest: {
          conversions: pinterestConversions,
          checkout_value: round(Number(m?.checkout_value_micro ?? 0) / 1_000_000),
          difference: routy.conversions - pinterestConversions,
        },
      });
    }
  }
  return rows;
}

async function entityNames(db: Kysely<Database>, adAccountId: string, level: ReportRequest['level']) {
  const rows =
    level === 'campaign'
      ? await db.selectFrom('campaigns').select(['campaign_id as id', 'name', sql<null>`null`.as('pin_id')]).where('ad_account_id', '=', adAccountId).execute()
      : level === 'ad_group'
        ? await db.selectFrom('ad_groups').select(['ad_group_id as id', 'name', sql<null>`null`.as('pin_id')]).where('ad_account_id', '=', adAccountId).execute()
        : await db
            .selectFrom('ads')
            .leftJoin('pins', (join) => join.onRef('pins.pin_id', '=', 'ads.pin_id').onRef('pins.ad_account_id', '=', 'ads.ad_account_id'))
            .select(['ads.ad_id as id', sql<string>`coalesce(pins.title, ads.name, '')`.as('name'), 'ads.pin_id'])
            .where('ads.ad_account_id', '=', adAccountId)
            .execute();
  return new Map(rows.map((r) => [r.id, { name: r.name ?? '', pin_id: r.pin_id as string | null }]));
}

/** CSV with one header line; money in currency units, the currency in its own column. */
export function reportToCsv(rows: ReportRow[]): string {
  const header = ['ad_account_id', 'currency', 'level', 'id', 'pin_id', 'name', 'spend', 'impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'window_days', 'conversions', 'revenue', 'cost_per_conversion', 'roas', 'compare_window_days', 'compare_conversions', 'compare_cost_per_conversion', 'pinterest_conversions', 'difference'];
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((r) =>
    [r.ad_account_id, r.currency, r.level, r.id, r.pin_id, r.name, r.spend, r.impressions, r.saves, r.pin_clicks, r.outbound_clicks, r.routy.window_days, r.routy.conversions, r.routy.revenue, r.routy.cost_per_conversion, r.routy.roas, r.compare?.window_days, r.compare?.conversions, r.compare?.cost_per_conversion, r.pinterest.conversions, r.pinterest.difference]
      .map(cell)
      .join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}
