import { sql, type Kysely } from 'kysely';
import type { Database } from '../activities/store/database-schema';

/** One row of the demo report: spend in currency units (converted from micro-currency here). */
export interface DemoReportRow {
  id: string;
  name: string;
  spend: number;
  attributed_conversions: number;
  revenue: number;
  /** Spend per attributed conversion, in currency units; null without conversions. */
  cost_per_conversion: number | null;
}

export interface DemoReport {
  ad_account_id: string;
  currency: string;
  /** Account-timezone dates the spend covers. */
  start_date: string;
  end_date: string;
  campaigns: DemoReportRow[];
  pins: DemoReportRow[];
  counts: {
    conversions: number;
    attributed: number;
    pending: number;
    expired: number;
    sent_to_conversions_api: number;
    attributed_with_lag_over_7_days: number;
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function finish(rows: Array<{ id: string; name: string; spend_micro: string | null; conversions: string | null; revenue: string | null }>): DemoReportRow[] {
  return rows.map((r) => {
    const spend = Number(r.spend_micro ?? 0) / 1_000_000;
    const conversions = Number(r.conversions ?? 0);
    return {
      id: r.id,
      name: r.name,
      spend: round2(spend),
      attributed_conversions: conversions,
      revenue: round2(Number(r.revenue ?? 0)),
      cost_per_conversion: conversions > 0 ? round2(spend / conversions) : null,
    };
  });
}

/**
 * The demo's short report for one ad account: spend (account currency), Routy-attributed
 * conversions, revenue and cost per conversion per campaign and per pin over the metric dates
 * in [startDate, endDate], under the account's attribution settings.
 */
export async function buildDemoReport(db: Kysely<Database>, adAccountId: string, startDate: string, endDate: string): Promise<DemoReport> {
  const account = await db.selectFrom('ad_accounts').selectAll().where('ad_account_id', '=', adAccountId).executeTakeFirstOrThrow();
  const spendByAd = db
    .selectFrom('metrics_daily')
    .select(['entity_id', (eb) => eb.fn.sum<string>('spend_micro').as('spend_micro')])
    .where('ad_account_id', '=', adAccountId)
    .where('level', '=', 'ad')
    .where('date', '>=', startDate)
    .where('date', '<=', endDate)
    .where('click_window_days', '=', account.click_window_days)
    .where('engagement_window_days', '=', account.engagement_window_days)
    .where('view_window_days', '=', account.view_window_days)
    .where('conversion_report_time', '=', account.conversion_report_time)
    .groupBy('entity_id');
  const conversionsByAd = db
    .selectFrom('attributions')
    .innerJoin('conversions', (join) =>
      join.onRef('conversions.event_id', '=', 'attributions.event_id').onRef('conversions.ad_account_id', '=', 'attributions.ad_account_id'),
    )
    .select([
      'attributions.ad_id',
      (eb) => eb.fn.countAll<string>().as('conversions'),
      (eb) => eb.fn.sum<string>(sql`coalesce(conversions.value, 0)`).as('revenue'),
    ])
    .where('attributions.ad_account_id', '=', adAccountId)
    .groupBy('attributions.ad_id');

  const perAd = db
    .selectFrom('ads')
    .leftJoin(spendByAd.as('s'), 's.entity_id', 'ads.ad_id')
    .leftJoin(conversionsByAd.as('c'), 'c.ad_id', 'ads.ad_id')
    .where('ads.ad_account_id', '=', adAccountId);

  const pins = await perAd
    .select([
      sql<string>`coalesce(ads.pin_id, ads.ad_id)`.as('id'),
      sql<string>`coalesce(ads.name, '')`.as('name'),
      's.spend_micro',
      'c.conversions',
      'c.revenue',
    ])
    .orderBy('ads.ad_id')
    .execute();

  const campaigns = await perAd
    .innerJoin('campaigns', (join) =>
      join.onRef('campaigns.campaign_id', '=', 'ads.campaign_id').onRef('campaigns.ad_account_id', '=', 'ads.ad_account_id'),
    )
    .select([
      'campaigns.campaign_id as id',
      'campaigns.name as name',
      (eb) => eb.fn.sum<string>('s.spend_micro').as('spend_micro'),
      (eb) => eb.fn.sum<string>('c.conversions').as('conversions'),
      (eb) => eb.fn.sum<string>('c.revenue').as('revenue'),
    ])
    .groupBy(['campaigns.campaign_id', 'campaigns.name'])
    .orderBy('campaigns.campaign_id')
    .execute();

  const states = await db
    .selectFrom('conversions')
    .select([
      (eb) => eb.fn.countAll<string>().as('all'),
      sql<string>`count(*) filter (where attribution_state = 'matched')`.as('matched'),
      sql<string>`count(*) filter (where attribution_state = 'pending')`.as('pending'),
      sql<string>`count(*) filter (where attribution_state = 'expired')`.as('expired'),
      sql<string>`count(*) filter (where capi_state = 'sent')`.as('sent'),
    ])
    .where('ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  const slow = await db
    .selectFrom('attributions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ad_account_id', '=', adAccountId)
    .where('lag_seconds', '>', String(7 * 86_400))
    .executeTakeFirstOrThrow();

  return {
    ad_account_id: adAccountId,
    currency: account.currency,
    start_date: startDate,
    end_date: endDate,
    campaigns: finish(campaigns),
    pins: finish(pins),
    counts: {
      conversions: Number(states.all),
      attributed: Number(states.matched),
      pending: Number(states.pending),
      expired: Number(states.expired),
      sent_to_conversions_api: Number(states.sent),
      attributed_with_lag_over_7_days: Number(slow.n),
    },
  };
}

/** Renders report rows as a fixed-width text table. */
export function formatTable(title: string, currency: string, rows: DemoReportRow[]): string {
  const header = ['id', 'name', `spend ${currency}`, 'conversions', `revenue ${currency}`, `cost/conv ${currency}`];
  const body = rows.map((r) => [
    r.id,
    r.name.length > 44 ? `${r.name.slice(0, 43)}…` : r.name,
    r.spend.toFixed(2),
    String(r.attributed_conversions),
    r.revenue.toFixed(2),
    r.cost_per_conversion === null ? '-' : r.cost_per_conversion.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [title, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
