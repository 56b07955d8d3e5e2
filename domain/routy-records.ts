import { z } from 'zod';
import { clickIdSchema, epikOfUrl } from './click-ids';
import { decimalToMicro } from './money';
import { boundedFieldIssues, keyFloodIssues } from './field-issues';
import { hashedUserDataSchema, hashUser, rawUserSchema, text, type HashedUserData, type RawUser } from './user-data';

/** Pinterest ids are digit strings; 18-digit pin ids do not fit a JavaScript number. */
export const pinterestIdSchema = z.string().regex(/^\d{1,19}$/, 'must be 1 to 19 digits');

/**
 * Conversions API `event_name` values: the list in the description of
 * `ConversionEvents.data[].event_name` (spec 5.23; `POST /v5/ad_accounts/{ad_account_id}/events`,
 * operationId `events/create`). Kept equal to the spec by test/unit/event-names.test.ts.
 */
export const EVENT_NAMES = [
  'add_payment_info',
  'add_to_cart',
  'add_to_wishlist',
  'app_install',
  'checkout',
  'custom',
  'initiate_checkout',
  'lead',
  'page_visit',
  'search',
  'signup',
  'subscribe',
  'view_category',
  'view_content',
  'watch_video',
] as const;

/** Conversions API `action_source` values. */
const ACTION_SOURCES = ['app_android', 'app_ios', 'web', 'offline'] as const;

const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
/** Clock skew tolerated for times in the future. */
const MAX_FUTURE_MS = 3_600_000;

/**
 * A moment given as an ISO 8601 string with a timezone, or Unix seconds as a number or as a string
 * of digits (`"1790000000"`). Output: ISO string (UTC). Millisecond timestamps (number or digits),
 * times before 2000 and times more than an hour ahead are rejected, so a unit or clock mistake is
 * not stored.
 */
const INSTANT_MESSAGE = 'must be an ISO 8601 date-time with offset, or whole Unix seconds (a number or a string of digits)';
const instantSchema = z
  .union([z.iso.datetime({ offset: true, error: INSTANT_MESSAGE }), z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)], {
    error: INSTANT_MESSAGE,
  })
  .transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
    if (typeof value === 'number' && value > 1e11) {
      ctx.addIssue({ code: 'custom', message: 'looks like milliseconds; send Unix seconds' });
      return z.NEVER;
    }
    if (ms < MIN_EVENT_TIME) {
      ctx.addIssue({ code: 'custom', message: 'is before 2000-01-01' });
      return z.NEVER;
    }
    if (ms > Date.now() + MAX_FUTURE_MS) {
      ctx.addIssue({ code: 'custom', message: 'is in the future' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const ID_NUMBER_MESSAGE = 'a number must be a whole number from 0 to 9007199254740991; send other ids as strings';

/**
 * An id Routy may send as a string or as a JSON number (`order_id`, `content_ids[]`,
 * `contents[].id`); output: a string of at most `max` characters. A number is taken only when it
 * is a non-negative safe integer, written in decimal (`12345` gives "12345"): a fraction or an
 * integer past 2^53 - 1 may already have lost digits when the JSON was parsed, so it is refused
 * with a message saying to send a string. Arrays, objects and booleans are refused by name.
 */
const idSchema = (max: number) =>
  z
    .union([z.string(), z.number()], { error: 'must be a string or a number' })
    .transform((value, ctx) => {
      if (typeof value === 'string') return value;
      if (!Number.isSafeInteger(value) || value < 0) {
        ctx.addIssue({ code: 'custom', message: ID_NUMBER_MESSAGE });
        return z.NEVER;
      }
      return String(value);
    })
    .pipe(text(max));

// 12 digits before the point: the largest value, in micro-currency, still fits a bigint column.
const DECIMAL = /^\d{1,12}(\.\d{1,6})?$/;
const DECIMAL_MESSAGE = 'must be a non-negative decimal with at most 12 digits before the point and 6 after';

/** A money amount as a decimal (currency units, not micro-currency); output is a decimal string. */
const decimalValueSchema = z
  .union([z.number(), z.string()], { error: DECIMAL_MESSAGE })
  .transform((value) => (typeof value === 'number' ? String(value) : value))
  .refine((value) => DECIMAL.test(value), DECIMAL_MESSAGE);

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** The largest product revenue of one conversion and id, in micro-currency: what `value` may be at most. */
const MAX_PRODUCT_REVENUE_MICRO = 999_999_999_999_999_999n;

/** One conversion as Routy sends it (raw user data). */
export const conversionInputSchema = z
  .object({
    event_id: text(256).pipe(z.string().trim().min(1, 'must not be empty')),
    event_name: z.enum(EVENT_NAMES),
    event_time: instantSchema,
    ad_account_id: pinterestIdSchema,
    action_source: z.enum(ACTION_SOURCES).default('web'),
    value: decimalValueSchema.optional(),
    currency: z
      .string()
      .refine((code) => CURRENCIES.has(code), 'must be an ISO 4217 code such as USD')
      .optional(),
    // NFC: one order written with composed or decomposed characters is one order (order deduplication).
    order_id: idSchema(256).pipe(z.string().trim().min(1, 'must not be empty')).transform((id) => id.normalize('NFC')).optional(),
    /** Pinterest's `epik`, percent-decoded; absent, the `epik` of `event_source_url`'s query string. */
    click_id: clickIdSchema.optional(),
    /** Product ids (Conversions API `custom_data.content_ids`). */
    content_ids: z.array(idSchema(256)).max(500).optional(),
    contents: z
      .array(
        z
          .object({ id: idSchema(256), item_price: decimalValueSchema.optional(), quantity: z.number().int().nonnegative().max(1_000_000).optional() })
          .strict(),
      )
      .max(500)
      .optional(),
    num_items: z.number().int().nonnegative().max(1_000_000).optional(),
    /** The user opted out of ad personalization. */
    opt_out: z.boolean().optional(),
    /**
     * The page of the conversion: stored as origin and path, its query string and fragment dropped
     * (they can carry emails), after an `epik` in its query string is taken as the click id.
     */
    event_source_url: z
      // Only web pages: another scheme has no origin, and `javascript:x` would become "nullx".
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .max(2048, 'must be at most 2048 characters')
      .optional(),
    user: rawUserSchema.optional(),
  })
  .strict()
  .superRefine((conversion, ctx) => {
    if (conversion.value !== undefined && !conversion.currency) {
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'is required when value is set' });
    }
    // A product's revenue (item_price × quantity over the items of its id) is stored in
    // micro-currency in a bigint column: bounded like `value`, so an accepted order is never refused
    // by the database later.
    const revenueById = new Map<string, bigint>();
    conversion.contents?.forEach((item, i) => {
      if (item.item_price === undefined) return;
      const revenue = (revenueById.get(item.id) ?? 0n) + BigInt(decimalToMicro(item.item_price)!) * BigInt(item.quantity ?? 1);
      revenueById.set(item.id, revenue);
      if (revenue > MAX_PRODUCT_REVENUE_MICRO) {
        ctx.addIssue({ code: 'custom', path: ['contents', i, 'quantity'], message: 'item_price × quantity, summed over the items with this id, must be at most 999999999999.999999' });
      }
    });
  })
  .transform(({ event_source_url, ...conversion }, ctx) => {
    if (event_source_url === undefined) return conversion;
    const page = new URL(event_source_url);
    const stored = { ...conversion, event_source_url: `${page.origin}${page.pathname}` };
    // The conversion's own click id wins; else the page's epik, decoded and checked like one.
    const epik = conversion.click_id === undefined ? epikOfUrl(page) : undefined;
    if (epik === undefined) return stored;
    const clickId = clickIdSchema.safeParse(epik);
    if (clickId.success) return { ...stored, click_id: clickId.data };
    for (const issue of clickId.error.issues) ctx.addIssue({ code: 'custom', path: ['event_source_url'], message: `its epik parameter ${issue.message}` });
    return z.NEVER;
  });

export type ConversionInput = z.input<typeof conversionInputSchema>;

/** A conversion after validation and hashing: the shape put in the inbox and stored. */
export const conversionRecordSchema = z.object({
  event_id: z.string(),
  event_name: z.enum(EVENT_NAMES),
  /** ISO 8601, UTC. */
  event_time: z.string(),
  ad_account_id: z.string(),
  action_source: z.enum(ACTION_SOURCES),
  value: z.string().optional(),
  currency: z.string().optional(),
  order_id: z.string().optional(),
  click_id: z.string().optional(),
  content_ids: z.array(z.string()).optional(),
  contents: z.array(z.object({ id: z.string(), item_price: z.string().optional(), quantity: z.number().optional() })).optional(),
  num_items: z.number().optional(),
  opt_out: z.boolean().optional(),
  event_source_url: z.string().optional(),
  user_data: hashedUserDataSchema,
});

export type ConversionRecord = z.infer<typeof conversionRecordSchema>;

export const TOUCHPOINT_TYPES = ['click', 'engagement', 'view'] as const;
export type TouchpointType = (typeof TOUCHPOINT_TYPES)[number];

/** One Pinterest interaction Routy observed (raw user data). */
export const touchpointInputSchema = z
  .object({
    ad_account_id: pinterestIdSchema,
    type: z.enum(TOUCHPOINT_TYPES),
    occurred_at: instantSchema,
    /** Pinterest's `epik` click id from the landing URL, percent-decoded; a click may come without one. */
    click_id: clickIdSchema.optional(),
    campaign_id: pinterestIdSchema.optional(),
    ad_group_id: pinterestIdSchema.optional(),
    ad_id: pinterestIdSchema.optional(),
    pin_id: pinterestIdSchema.optional(),
    user: rawUserSchema.optional(),
  })
  .strict()
  .superRefine((touchpoint, ctx) => {
    if (!touchpoint.campaign_id && !touchpoint.ad_group_id && !touchpoint.ad_id && !touchpoint.pin_id) {
      ctx.addIssue({ code: 'custom', path: ['ad_id'], message: 'one of campaign_id, ad_group_id, ad_id, pin_id is required' });
    }
  });

export type TouchpointInput = z.input<typeof touchpointInputSchema>;

/** A touchpoint after validation and hashing: the shape put in the inbox and stored. */
export const touchpointRecordSchema = z.object({
  ad_account_id: z.string(),
  type: z.enum(TOUCHPOINT_TYPES),
  /** ISO 8601, UTC. */
  occurred_at: z.string(),
  click_id: z.string().optional(),
  campaign_id: z.string().optional(),
  ad_group_id: z.string().optional(),
  ad_id: z.string().optional(),
  pin_id: z.string().optional(),
  user_data: hashedUserDataSchema,
});

export type TouchpointRecord = z.infer<typeof touchpointRecordSchema>;

/** A rejected record: its index in the batch, the field at fault and why. */
export interface RecordRejection {
  index: number;
  field: string;
  message: string;
}

/** At most MAX_ISSUES_PER_RECORD refusals for one record, the rest summed up in one more. */
function rejectionsOf(index: number, error: z.ZodError): RecordRejection[] {
  return boundedFieldIssues(error).map((issue) => ({ index, ...issue }));
}

/** A batch after validation and hashing: the good records with their index in the batch, and the refusals. */
export interface PreparedBatch<T> {
  accepted: Array<{ index: number; record: T }>;
  rejected: RecordRejection[];
}

/** The field names an object schema (or a refinement or transform of one) takes. */
function knownKeys(schema: unknown): ReadonlySet<string> {
  let inner = schema as { shape?: object; in?: unknown };
  while (!inner.shape && inner.in) inner = inner.in as typeof inner;
  return new Set(Object.keys(inner.shape ?? {}));
}

const USER_KEYS = knownKeys(rawUserSchema);

/** A record, or its `user`, with a flood of keys: refused from its keys alone (field-issues.ts keyFloodIssues). */
function keyFlood(item: unknown, recordKeys: ReadonlySet<string>): Array<{ field: string; message: string }> | undefined {
  const user = typeof item === 'object' && item !== null ? (item as { user?: unknown }).user : undefined;
  return keyFloodIssues(item, recordKeys, '') ?? keyFloodIssues(user, USER_KEYS, 'user');
}

function prepareBatch<I extends { user?: RawUser }>(
  schema: z.ZodType<I, unknown>,
  batch: unknown[],
): PreparedBatch<Omit<I, 'user'> & { user_data: HashedUserData }> {
  const prepared: PreparedBatch<Omit<I, 'user'> & { user_data: HashedUserData }> = { accepted: [], rejected: [] };
  const recordKeys = knownKeys(schema);
  batch.forEach((item, index) => {
    const flood = keyFlood(item, recordKeys);
    if (flood) {
      for (const issue of flood) prepared.rejected.push({ index, ...issue });
      return;
    }
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      for (const rejection of rejectionsOf(index, parsed.error)) prepared.rejected.push(rejection);
      return;
    }
    const { user, ...rest } = parsed.data;
    prepared.accepted.push({ index, record: { ...rest, user_data: hashUser(user) } });
  });
  return prepared;
}

/** Validates and hashes a batch of conversions; good records are kept even when others fail. */
export function prepareConversions(batch: unknown[]): PreparedBatch<ConversionRecord> {
  return prepareBatch(conversionInputSchema, batch);
}

/** Validates and hashes a batch of touchpoints; good records are kept even when others fail. */
export function prepareTouchpoints(batch: unknown[]): PreparedBatch<TouchpointRecord> {
  return prepareBatch(touchpointInputSchema, batch);
}
