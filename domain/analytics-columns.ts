// The `columns` vocabulary of Pinterest's synchronous analytics endpoints (campaigns, ad groups,
// ads, pins, product groups and ad account `/analytics`): generated from openapi-v5.yaml (5.23.0),
// the enum of components.parameters.query_columns.schema.items, in spec order. A test checks it
// against ../shared/pinterest/analytics-columns.txt. Plain data and zod: workflow code uses it too.
import { z } from 'zod';
import { problemLines } from './field-issues';

/** Every column the sync analytics endpoints take (175 names). */
export const SYNC_ANALYTICS_COLUMNS = [
  'SPEND_IN_MICRO_DOLLAR', 'PAID_IMPRESSION', 'SPEND_IN_DOLLAR', 'CPC_IN_MICRO_DOLLAR',
  'ECPC_IN_MICRO_DOLLAR', 'ECPC_IN_DOLLAR', 'CTR', 'ECTR', 'OUTBOUND_CTR_1', 'CAMPAIGN_NAME',
  'CAMPAIGN_BRAND_LABEL', 'PIN_ID', 'TOTAL_ENGAGEMENT', 'ENGAGEMENT_1', 'ENGAGEMENT_2', 'ECPE_IN_DOLLAR',
  'ENGAGEMENT_RATE', 'EENGAGEMENT_RATE', 'ECPM_IN_MICRO_DOLLAR', 'REPIN_RATE', 'CTR_2', 'CAMPAIGN_ID',
  'ADVERTISER_ID', 'AD_ACCOUNT_ID', 'PIN_PROMOTION_ID', 'AD_ID', 'AD_GROUP_ID', 'CAMPAIGN_ENTITY_STATUS',
  'CAMPAIGN_OBJECTIVE_TYPE', 'CPM_IN_MICRO_DOLLAR', 'CPM_IN_DOLLAR', 'AD_GROUP_NAME', 'AD_GROUP_BUDGET_TYPE',
  'AD_GROUP_BUDGET_IN_LOCAL_CURRENCY', 'AD_GROUP_ENTITY_STATUS', 'AD_GROUP_BID_MULTIPLIER', 'PROMO_ID',
  'PROMO_NAME', 'ORDER_LINE_ID', 'ORDER_LINE_NAME', 'CLICKTHROUGH_1', 'REPIN_1', 'IMPRESSION_1',
  'IMPRESSION_1_GROSS', 'CLICKTHROUGH_1_GROSS', 'OUTBOUND_CLICK_1', 'CLICKTHROUGH_2', 'REPIN_2',
  'IMPRESSION_2', 'OUTBOUND_CLICK_2', 'TOTAL_CLICKTHROUGH', 'TOTAL_IMPRESSION', 'TOTAL_IMPRESSION_USER',
  'TOTAL_IMPRESSION_FREQUENCY', 'COST_PER_OUTBOUND_CLICK_IN_DOLLAR', 'COST_PER_OUTBOUND_CLICK_IN_DOLLAR_1',
  'TOTAL_ENGAGEMENT_SIGNUP', 'TOTAL_ENGAGEMENT_CHECKOUT', 'TOTAL_ENGAGEMENT_LEAD', 'TOTAL_CLICK_SIGNUP',
  'TOTAL_CLICK_CHECKOUT', 'TOTAL_CLICK_ADD_TO_CART', 'TOTAL_CLICK_LEAD', 'TOTAL_VIEW_SIGNUP',
  'TOTAL_VIEW_CHECKOUT', 'TOTAL_VIEW_ADD_TO_CART', 'TOTAL_VIEW_LEAD', 'TOTAL_CONVERSIONS',
  'TOTAL_ENGAGEMENT_SIGNUP_VALUE_IN_MICRO_DOLLAR', 'TOTAL_ENGAGEMENT_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_CLICK_SIGNUP_VALUE_IN_MICRO_DOLLAR', 'TOTAL_CLICK_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_VIEW_SIGNUP_VALUE_IN_MICRO_DOLLAR', 'TOTAL_VIEW_CHECKOUT_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_WEB_SESSIONS', 'WEB_SESSIONS_1', 'WEB_SESSIONS_2', 'AD_NAME', 'CAMPAIGN_LIFETIME_SPEND_CAP',
  'AD_GROUP_OPTIMIZATION', 'CAMPAIGN_DAILY_SPEND_CAP', 'CAMPAIGN_BUDGET_OPTIMIZATION',
  'IS_PREMIERE_CAMPAIGN', 'TOTAL_PAGE_VISIT', 'TOTAL_SIGNUP', 'TOTAL_CHECKOUT', 'TOTAL_CUSTOM', 'TOTAL_LEAD',
  'TOTAL_ADD_TO_WISHLIST', 'TOTAL_SUBSCRIBE', 'TOTAL_SIGNUP_VALUE_IN_MICRO_DOLLAR',
  'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'TOTAL_CUSTOM_VALUE_IN_MICRO_DOLLAR', 'PAGE_VISIT_COST_PER_ACTION',
  'PAGE_VISIT_ROAS', 'CHECKOUT_ROAS', 'CUSTOM_ROAS', 'PRODUCT_GROUP_AD_IMAGE_TAG',
  'PRODUCT_GROUP_AD_VIDEO_TAG', 'VIDEO_3SEC_VIEWS_1', 'VIDEO_15SEC_UNIQUE_VIEWS_1', 'VIDEO_MRC_VIEWS_1',
  'VIDEO_3SEC_VIEWS_2', 'VIDEO_15SEC_UNIQUE_VIEWS_2', 'VIDEO_P100_COMPLETE_2', 'VIDEO_P0_COMBINED_2',
  'VIDEO_P25_COMBINED_2', 'VIDEO_P50_COMBINED_2', 'VIDEO_P75_COMBINED_2', 'VIDEO_P95_COMBINED_2',
  'VIDEO_MRC_VIEWS_2', 'PAID_VIDEO_VIEWABLE_RATE', 'VIDEO_LENGTH', 'VIDEO_SPEND_IN_DOLLAR', 'ECPV_IN_DOLLAR',
  'ECPCV_IN_DOLLAR', 'ECPCV_P95_IN_DOLLAR', 'TOTAL_VIDEO_3SEC_VIEWS', 'TOTAL_VIDEO_15SEC_UNIQUE_VIEWS',
  'TOTAL_VIDEO_P100_COMPLETE', 'TOTAL_VIDEO_P0_COMBINED', 'TOTAL_VIDEO_P25_COMBINED',
  'TOTAL_VIDEO_P50_COMBINED', 'TOTAL_VIDEO_P75_COMBINED', 'TOTAL_VIDEO_P95_COMBINED',
  'TOTAL_VIDEO_MRC_VIEWS', 'TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND', 'TOTAL_REPIN_RATE',
  'WEB_CHECKOUT_COST_PER_ACTION', 'WEB_CHECKOUT_ROAS', 'TOTAL_WEB_CHECKOUT',
  'TOTAL_WEB_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'TOTAL_WEB_CLICK_CHECKOUT',
  'TOTAL_WEB_CLICK_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'TOTAL_WEB_ENGAGEMENT_CHECKOUT',
  'TOTAL_WEB_ENGAGEMENT_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'TOTAL_WEB_VIEW_CHECKOUT',
  'TOTAL_WEB_VIEW_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'INAPP_CHECKOUT_COST_PER_ACTION',
  'TOTAL_OFFLINE_CHECKOUT', 'TOTAL_APP_INSTALL_CONVERSION_RATE', 'TOTAL_INAPP_APP_INSTALL_CONVERSION_RATE',
  'IDEA_PIN_PRODUCT_TAG_VISIT_1', 'IDEA_PIN_PRODUCT_TAG_VISIT_2', 'TOTAL_IDEA_PIN_PRODUCT_TAG_VISIT',
  'LEADS', 'COST_PER_LEAD', 'QUIZ_COMPLETED', 'QUIZ_PIN_RESULT_OPEN', 'QUIZ_COMPLETION_RATE',
  'SHOWCASE_PIN_CLICKTHROUGH', 'SHOWCASE_SUBPAGE_CLICKTHROUGH', 'SHOWCASE_SUBPIN_CLICKTHROUGH',
  'SHOWCASE_SUBPAGE_IMPRESSION', 'SHOWCASE_SUBPIN_IMPRESSION', 'SHOWCASE_SUBPAGE_SWIPE_LEFT',
  'SHOWCASE_SUBPAGE_SWIPE_RIGHT', 'SHOWCASE_SUBPIN_SWIPE_LEFT', 'SHOWCASE_SUBPIN_SWIPE_RIGHT',
  'SHOWCASE_SUBPAGE_REPIN', 'SHOWCASE_SUBPIN_REPIN', 'SHOWCASE_SUBPAGE_CLOSEUP',
  'SHOWCASE_CARD_THUMBNAIL_SWIPE_FORWARD', 'SHOWCASE_CARD_THUMBNAIL_SWIPE_BACKWARD',
  'SHOWCASE_AVERAGE_SUBPAGE_CLOSEUP_PER_SESSION', 'TOTAL_CHECKOUT_CONVERSION_RATE',
  'TOTAL_VIEW_CATEGORY_CONVERSION_RATE', 'TOTAL_ADD_TO_CART_CONVERSION_RATE', 'TOTAL_SIGNUP_CONVERSION_RATE',
  'TOTAL_PAGE_VISIT_CONVERSION_RATE', 'TOTAL_LEAD_CONVERSION_RATE', 'TOTAL_SEARCH_CONVERSION_RATE',
  'TOTAL_WATCH_VIDEO_CONVERSION_RATE', 'TOTAL_UNKNOWN_CONVERSION_RATE', 'TOTAL_CUSTOM_CONVERSION_RATE',
] as const;

/** A column name of the sync analytics endpoints. */
export type SyncAnalyticsColumn = (typeof SYNC_ANALYTICS_COLUMNS)[number];

const known: ReadonlySet<string> = new Set(SYNC_ANALYTICS_COLUMNS);

/** True when `name` is in the spec's sync analytics `columns` enum (exact, case-sensitive). */
export function isSyncAnalyticsColumn(name: string): name is SyncAnalyticsColumn {
  return known.has(name);
}

/** Levels whose analytics calls take extra columns: the project pulls campaign, ad group and ad (pin) level. */
export const ANALYTICS_COLUMN_LEVELS = ['campaign', 'ad_group', 'ad'] as const;
export type AnalyticsColumnLevel = (typeof ANALYTICS_COLUMN_LEVELS)[number];

/** Extra columns an ad account pulls per level, beside the fixed set (empty or absent: none). */
export type ExtraAnalyticsColumns = Partial<Record<AnalyticsColumnLevel, string[]>>;

/**
 * The `setAnalyticsColumns` update's argument: the extra columns of one level, replacing that
 * level's list (`[]` clears it). Names as the spec spells them, e.g. `TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND`.
 */
export interface AnalyticsColumnsRequest {
  level: AnalyticsColumnLevel;
  columns: string[];
}

/** At most this many extra columns per level (the enum has 175 names). */
const MAX_EXTRA_COLUMNS = SYNC_ANALYTICS_COLUMNS.length;

const columnSchema = z
  .string({ error: 'must be a column name (a string)' })
  .refine(isSyncAnalyticsColumn, { error: (issue) => `${JSON.stringify(String(issue.input).slice(0, 100))} is not a Pinterest analytics column` });

/** The `setAnalyticsColumns` argument, validated; unknown names are refused by name, e.g. `columns.2: "FOO" is not a Pinterest analytics column`. */
const analyticsColumnsRequestSchema = z.strictObject(
  {
    level: z.enum(ANALYTICS_COLUMN_LEVELS, { error: `must be one of ${ANALYTICS_COLUMN_LEVELS.join(', ')}` }),
    columns: z.array(columnSchema, { error: 'must be an array of column names' }).max(MAX_EXTRA_COLUMNS, `must hold at most ${MAX_EXTRA_COLUMNS} names`),
  },
  { error: 'must be an object like {"level": "ad", "columns": ["TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND"]}' },
);

/**
 * What is wrong with a `setAnalyticsColumns` argument, one `field: message` line per problem
 * (deterministic: the workflow's update validator runs it); empty when it is valid.
 */
export function analyticsColumnsProblems(request: unknown): string[] {
  return problemLines(analyticsColumnsRequestSchema.safeParse(request));
}

/** A level's extra columns as stored and sent: each name once, in the order first given. */
export function distinctColumns(columns: readonly string[]): string[] {
  return [...new Set(columns)];
}

/**
 * True for a column whose daily values add up over days and entities (counts, micro-currency
 * amounts: `TOTAL_CHECKOUT`, `VIDEO_3SEC_VIEWS_1`, `TOTAL_CLICK_ADD_TO_CART_VALUE...`); false for
 * rates, ratios, averages, costs per action, dollar-valued derived figures, unique-user counts,
 * ids, names and settings (`CTR`, `CHECKOUT_ROAS`, `ECPC_IN_DOLLAR`, `TOTAL_IMPRESSION_USER`,
 * `CAMPAIGN_NAME`), which a report cannot sum.
 */
export function isAdditiveColumn(name: string): boolean {
  if (/RATE|ROAS|CTR|AVG|AVERAGE|COST_PER|_CP[A-Z]*_|^E?CP[A-Z]*_|FREQUENCY|_USER$|UNIQUE|LENGTH|IN_DOLLAR$|_ID$|NAME$|LABEL$|STATUS$|TYPE$|BUDGET|CAP$|OPTIMIZATION|MULTIPLIER|PREMIERE|_TAG$/.test(name)) return false;
  return /^(TOTAL_|VIDEO_|PAID_IMPRESSION|IMPRESSION_|CLICKTHROUGH_|REPIN_|OUTBOUND_CLICK_|ENGAGEMENT_|WEB_SESSIONS_|IDEA_PIN_|SPEND_IN_MICRO_DOLLAR|LEADS$|QUIZ_|SHOWCASE_)/.test(name);
}
