// Values for the sync analytics columns the seed does not model (an account's extra columns):
// additive counts per ad and day (so campaign and ad group rows stay sums of their ads), ratios
// derived from the summed row, and ids and names of the entity. Anything else is left out, as the
// spec allows ("If a column has no value, it may not be returned").
import { isAdditiveColumn } from '../domain/analytics-columns';
import { dailyMetrics, hashString, type MetricRow, type SeedAd, type SeedCampaign } from './seed';

const probe = (creative_type: SeedAd['creative_type']): SeedAd =>
  ({ id: '1', ad_group_id: '2', campaign_id: '3', ad_account_id: '4', pin_id: '5', creative_type, name: 'n', status: 'ACTIVE', pin_title: 't' });
const probeCampaign: SeedCampaign = { id: '3', ad_account_id: '4', name: 'c', status: 'ACTIVE', objective_type: 'WEB_CONVERSION' };

/** Every column the seed fills for some creative type (video and Idea Pin columns included). */
const SEED_COLUMNS: ReadonlySet<string> = new Set(
  (['REGULAR', 'VIDEO', 'IDEA'] as const).flatMap((type) => Object.keys(dailyMetrics(probe(type), probeCampaign, '2026-01-01', 1) ?? {})),
);

/**
 * Adds to one ad's daily metrics a deterministic count (0 to 49) for each requested additive
 * column the seed does not model. Called per ad before rows are summed to a level.
 */
export function withExtraCounts(metrics: MetricRow, adId: string, date: string, requested: readonly string[]): MetricRow {
  const extra = requested.filter((column) => isAdditiveColumn(column) && !SEED_COLUMNS.has(column));
  if (extra.length === 0) return metrics;
  return { ...metrics, ...Object.fromEntries(extra.map((column) => [column, hashString(`${adId}:${date}:${column}`) % 50])) };
}

const ratio = (numerator: number | undefined, denominator: number | undefined) =>
  numerator === undefined || !denominator ? undefined : Math.round((numerator / denominator) * 1e6) / 1e6;

/** Ratios Pinterest derives from counts, computed from the (summed) row. */
const DERIVED: Record<string, (m: MetricRow) => number | undefined> = {
  SPEND_IN_DOLLAR: (m) => ratio(m.SPEND_IN_MICRO_DOLLAR, 1_000_000),
  CTR: (m) => ratio(m.CLICKTHROUGH_1, m.IMPRESSION_1),
  CTR_2: (m) => ratio(m.CLICKTHROUGH_2, m.IMPRESSION_2),
  ECTR: (m) => ratio(m.TOTAL_CLICKTHROUGH, m.TOTAL_IMPRESSION),
  OUTBOUND_CTR_1: (m) => ratio(m.OUTBOUND_CLICK_1, m.IMPRESSION_1),
  ENGAGEMENT_RATE: (m) => ratio(m.ENGAGEMENT_1, m.IMPRESSION_1),
  EENGAGEMENT_RATE: (m) => ratio(m.TOTAL_ENGAGEMENT, m.TOTAL_IMPRESSION),
  REPIN_RATE: (m) => ratio(m.REPIN_1, m.IMPRESSION_1),
  CPC_IN_MICRO_DOLLAR: (m) => ratio(m.SPEND_IN_MICRO_DOLLAR, m.CLICKTHROUGH_1),
  CPM_IN_MICRO_DOLLAR: (m) => ratio(m.SPEND_IN_MICRO_DOLLAR === undefined ? undefined : m.SPEND_IN_MICRO_DOLLAR * 1000, m.IMPRESSION_1),
};

/**
 * One answer row's requested columns: the (summed) metrics, derived ratios, and the entity's ids
 * and names (`ids`: id columns such as `CAMPAIGN_ID` or `PIN_ID` known at this level, `names`:
 * `CAMPAIGN_NAME`, `AD_GROUP_NAME`, `AD_NAME`). Values are numbers or strings (ids as digit
 * strings), as the spec's `additionalProperties: true` rows take.
 */
export function answerColumns(requested: readonly string[], metrics: MetricRow, entity: Record<string, string | undefined>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of requested) {
    const value = column in metrics ? metrics[column] : column in DERIVED ? DERIVED[column]!(metrics) : entity[column];
    if (value !== undefined) row[column] = value;
  }
  return row;
}
