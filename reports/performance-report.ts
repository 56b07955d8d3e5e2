import { sql, type Kysely } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { pinterestIdSchema } from '../domain/routy-records';
import { reportDate, reportWindow, reportWindowOrAccount, startNotAfterEnd } from './report-params';
import type { Selectable } from 'kysely';
import type { AdAccountsTable, Database } from '../store/database-schema';
import { CUMULATIVE_COLUMNS } from '../store/metrics-store';

/** Report levels: `pin` is ad level, labelled with its pin. */
export const REPORT_LEVELS = ['campaign', 'ad_group', 'pin'] as const;

/** A report request, validated at every way in (HTTP, CLI). Dates are `YYYY-MM-DD`. */
export const reportRequestSchema = z
  .strictObject({
    ad_account_id: pinterestIdSchema.optional(),
    level: z.enum(REPORT_LEVELS).default('campaign'),
    start_date: reportDate,
    end_date: reportDate,
    /** Days from touch to conversion that count; `account`: the account's click window. */
    window: reportWindowOrAccount.default(30),
    /** A second window shown side by side. */
    compare: reportWindow.optional(),
  })
  .refine(...startNotAfterEnd);

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

const round = (n: number) => Math.round(n * 100) / 100;

/** Figures under one window; `spend` and `revenue` in currency units. */
function windowFigures(spend: number, days: number, count: number, revenue: number): WindowFigures {
  return {
    window_days: days,
    conversions: count,
    revenue: round(revenue),
    cost_per_conversion: count > 0 ? round(spend / count) : null,
    roas: spend > 0 ? round(revenue / spend) : null,
  };
}

/**
 * Cost per conversion per campaign, ad group or pin for a date range. Spend and engagement come
 * from the pulled metrics under each account's settings; Routy-attributed conversions are those
 * whose conversion date falls in the range and whose lag from the winning touch fits the window.
 */
export async function performanceReport(db: Kysely<Database>, request: ReportRequest): Promise<ReportRow[]> {
  const accounts = await db
    .selectFrom('ad_accounts')
    .selectAll()
    .$if(request.ad_account_id !== undefined, (q) => q.where('ad_account_id', '=', request.ad_account_id!))
    .execute();
  const rows: ReportRow[] = [];
  for (const account of accounts) {
    const windowDays = request.window === 'account' ? account.click_window_days : request.window;
    const entityColumn = request.level === 'campaign' ? 'campaign_id' : request.level === 'ad_group' ? 'ad_group_id' : 'ad_id';
    const within = (days: number) => sql<string>`count(*) filter (where lag_seconds <= ${days * 86_400})`;
    const revenueWithin = (days: number) => sql<string>`coalesce(sum(conversion_value_micro) filter (where lag_seconds <= ${days * 86_400}), 0)`;
    // Two independent queries: on a pool they run side by side.
    const [entities, conversions] = await Promise.all([
      entityMetrics(db, account, request.level, request.start_date, request.end_date),
      db
      .selectFrom('attributions')
      .select([
        sql<string>`${sql.ref(entityColumn)}`.as('entity_id'),
        within(windowDays).as('conversions'),
        revenueWithin(windowDays).as('revenue'),
        within(request.compare ?? windowDays).as('compare_conversions'),
        revenueWithin(request.compare ?? windowDays).as('compare_revenue'),
      ])
      .where('ad_account_id', '=', account.ad_account_id)
      .where('conversion_date', '>=', request.start_date)
      .where('conversion_date', '<=', request.end_date)
      .groupBy(sql.ref(entityColumn))
      .execute(),
    ]);
    const names = new Map(entities.map((e) => [e.id, e]));
    const metrics = entities.filter((e) => e.spend_micro !== null);
    const byEntity = new Map(conversions.map((c) => [c.entity_id, c]));
    const metricsByEntity = new Map(metrics.map((m) => [m.id, m]));
    const ids = new Set([...metrics.map((m) => m.id), ...conversions.flatMap((c) => (c.entity_id ? [c.entity_id] : []))]);
    for (const id of [...ids].sort()) {
      const m = metricsByEntity.get(id);
      const c = byEntity.get(id);
      const spend = Number(m?.spend_micro ?? 0) / 1_000_000;
      const routy = windowFigures(spend, windowDays, Number(c?.conversions ?? 0), Number(c?.revenue ?? 0) / 1_000_000);
      const pinterestConversions = Number(m?.pinterest_conversions ?? 0);
      const entity = names.get(id);
      const row: ReportRow = {
        ad_account_id: account.ad_account_id,
        currency: account.currency,
        level: request.level,
        id,
        name: entity?.name ?? '',
        pin_id: entity?.pin_id ?? null,
        spend: round(spend),
        impressions: Number(m?.impressions ?? 0),
        saves: Number(m?.saves ?? 0),
        pin_clicks: Number(m?.pin_clicks ?? 0),
        outbound_clicks: Number(m?.outbound_clicks ?? 0),
        routy,
        pinterest: {
          conversions: pinterestConversions,
          checkout_value: round(Number(m?.checkout_value_micro ?? 0) / 1_000_000),
          difference: routy.conversions - pinterestConversions,
        },
      };
      if (request.compare) row.compare = windowFigures(spend, request.compare, Number(c?.compare_conversions ?? 0), Number(c?.compare_revenue ?? 0) / 1_000_000);
      rows.push(row);
    }
  }
  return rows;
}

const totals = CUMULATIVE_COLUMNS;

/**
 * Every campaign, ad group or ad (with its pin's title) of the account, with its metric totals over
 * [startDate, endDate] under the account's settings, from `metrics_cumulative`: the running total
 * on endDate minus the one on the day before startDate, both found by date equality (series are
 * dense); an entity whose series ends earlier falls back to its latest total. Totals are null
 * where the entity has no series reaching into the range. Micro-currency stays micro-currency.
 */
async function entityMetrics(db: Kysely<Database>, account: Selectable<AdAccountsTable>, level: ReportRequest['level'], startDate: string, endDate: string) {
  const entities =
    level === 'campaign'
      ? sql`SELECT campaign_id AS id, name, null::text AS pin_id FROM campaigns WHERE ad_account_id = ${account.ad_account_id}`
      : level === 'ad_group'
        ? sql`SELECT ad_group_id AS id, name, null::text AS pin_id FROM ad_groups WHERE ad_account_id = ${account.ad_account_id}`
        : sql`SELECT ads.ad_id AS id, coalesce(pins.title, ads.name, '') AS name, ads.pin_id
              FROM ads LEFT JOIN pins ON pins.pin_id = ads.pin_id AND pins.ad_account_id = ads.ad_account_id
              WHERE ads.ad_account_id = ${account.ad_account_id}`;
  const series = (alias: string) => sql`${sql.ref(`${alias}.ad_account_id`)} = ${account.ad_account_id} AND ${sql.ref(`${alias}.level`)} = ${level === 'pin' ? 'ad' : level}
      AND ${sql.ref(`${alias}.click_window_days`)} = ${account.click_window_days} AND ${sql.ref(`${alias}.engagement_window_days`)} = ${account.engagement_window_days}
      AND ${sql.ref(`${alias}.view_window_days`)} = ${account.view_window_days} AND ${sql.ref(`${alias}.conversion_report_time`)} = ${account.conversion_report_time}`;
  const onDate = (alias: string, date: ReturnType<typeof sql>) => sql`
    SELECT ${sql.ref(`${alias}.entity_id`)}, ${sql.ref(`${alias}.date`)}, ${sql.join(totals.map((c) => sql.ref(`${alias}.${c}`)))}
    FROM metrics_cumulative ${sql.id(alias)} WHERE ${series(alias)} AND ${sql.ref(`${alias}.date`)} = ${date}`;
  // Only for entities without a row on the date (series that stopped earlier).
  const latestBefore = (exact: string, comparison: ReturnType<typeof sql>) => sql`
    SELECT m.date, ${sql.join(totals.map((c) => sql.ref(`m.${c}`)))}
    FROM metrics_cumulative m
    WHERE ${sql.ref(`${exact}.entity_id`)} IS NULL AND ${series('m')} AND m.entity_id = e.id AND ${comparison}
    ORDER BY m.date DESC LIMIT 1`;
  const { rows } = await sql<{ id: string; name: string | null; pin_id: string | null } & Record<(typeof totals)[number], string | null>>`
    SELECT e.id, e.name, e.pin_id,
           ${sql.join(
             totals.map(
               (c) => sql`CASE WHEN coalesce(hx.date, hl.date) >= ${startDate}::date
                            THEN coalesce(${sql.ref(`hx.${c}`)}, ${sql.ref(`hl.${c}`)}) - coalesce(${sql.ref(`lx.${c}`)}, ${sql.ref(`ll.${c}`)}, 0) END AS ${sql.id(c)}`,
             ),
           )}
    FROM (${entities}) e
    LEFT JOIN (${onDate('hx', sql`${endDate}::date`)}) hx ON hx.entity_id = e.id
    LEFT JOIN LATERAL (${latestBefore('hx', sql`m.date <= ${endDate}::date`)}) hl ON true
    LEFT JOIN (${onDate('lx', sql`${startDate}::date - 1`)}) lx ON lx.entity_id = e.id
    LEFT JOIN LATERAL (${latestBefore('lx', sql`m.date < ${startDate}::date`)}) ll ON true`.execute(db);
  return rows.map((r) => ({ ...r, name: r.name ?? '' }));
}

/** CSV with one header line; money in currency units, the currency in its own column. */
export function reportToCsv(rows: ReportRow[]): string {
  const header = ['ad_account_id', 'currency', 'level', 'id', 'pin_id', 'name', 'spend', 'impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'window_days', 'conversions', 'revenue', 'cost_per_conversion', 'roas', 'compare_window_days', 'compare_conversions', 'compare_cost_per_conversion', 'pinterest_conversions', 'difference'];
  return stringify(
    rows.map((r) => [r.ad_account_id, r.currency, r.level, r.id, r.pin_id, safeText(r.name), r.spend, r.impressions, r.saves, r.pin_clicks, r.outbound_clicks, r.routy.window_days, r.routy.conversions, r.routy.revenue, r.routy.cost_per_conversion, r.routy.roas, r.compare?.window_days, r.compare?.conversions, r.compare?.cost_per_conversion, r.pinterest.conversions, r.pinterest.difference]),
    { header: true, columns: header },
  );
}

/** Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe. */
export const safeText = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
