import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

/** A bounded string without NUL characters (PostgreSQL text cannot hold them). */
export function text(max: number) {
  return z
    .string({ error: 'must be a string' })
    .max(max, `must be at most ${max} characters`)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')
    // PostgreSQL stores UTF-8: an unpaired surrogate would be saved changed (as U+FFFD).
    .refine((value) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value), 'must be valid Unicode (no unpaired surrogates)');
}

/** Routy's raw user identifiers, as accepted at the ingress (every field optional). */
export const rawUserSchema = z
  .object({
    email: text(512),
    phone: text(64),
    first_name: text(256),
    last_name: text(256),
    gender: text(64),
    date_of_birth: text(32),
    city: text(256),
    state: text(256),
    zip: text(32),
    country: text(64),
    external_id: text(512),
    maid: text(256),
    ip: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' }),
    user_agent: text(1024),
    /** A third party's id of the visitor (e.g. LiveRamp's RampID): sent to Pinterest as given, never hashed. */
    partner_id: text(512),
  })
  .partial()
  .strict();

export type RawUser = z.infer<typeof rawUserSchema>;

/**
 * THE list of hashed identifier fields: each Conversions API field (`em`, `ph`, ...) with the raw
 * Routy field it is hashed from. Hashing, the Conversions API event, matching keys and log
 * redaction all derive from it.
 */
export const HASHED_FROM_RAW = {
  em: 'email',
  ph: 'phone',
  ge: 'gender',
  db: 'date_of_birth',
  fn: 'first_name',
  ln: 'last_name',
  ct: 'city',
  st: 'state',
  zp: 'zip',
  country: 'country',
  external_id: 'external_id',
  hashed_maids: 'maid',
} as const satisfies Record<string, keyof RawUser>;

/** A hashed identifier field, under the Conversions API's name. */
export type HashedField = keyof typeof HASHED_FROM_RAW;
/** Every hashed identifier field, in the Conversions API's order. */
export const HASHED_FIELDS = Object.keys(HASHED_FROM_RAW) as HashedField[];
/**
 * Fields kept as given (trimmed), unhashed: Pinterest needs them raw (they are not names, emails or
 * phones). `partner_id` is ConversionEventsUserData.partner_id, a third party's visitor id such as
 * a RampID, a plain string. Log redaction covers them as it covers the hashed fields.
 */
export const UNHASHED_FIELDS = ['client_ip_address', 'client_user_agent', 'partner_id'] as const;

/**
 * Key set (value `true`) in stored user data once its {@link UNHASHED_FIELDS} were deleted (README
 * "Personal data"), so a repeat of a conversion is not told its IP address or user agent differ.
 */
export const RAW_ERASED_KEY = 'raw_erased';

/**
 * Hashed user data under the Conversions API's field names: each hashed value is a lowercase
 * SHA-256 hex digest of the normalized input; `client_ip_address`, `client_user_agent` and
 * `partner_id` as given.
 */
export const hashedUserDataSchema = z
  .object(Object.fromEntries([...HASHED_FIELDS, ...UNHASHED_FIELDS].map((field) => [field, z.string()])) as Record<HashedField | (typeof UNHASHED_FIELDS)[number], z.ZodString>)
  .partial();

export type HashedUserData = z.infer<typeof hashedUserDataSchema>;

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

const US_STATES: Record<string, string> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co',
  connecticut: 'ct', delaware: 'de', districtofcolumbia: 'dc', florida: 'fl', georgia: 'ga',
  hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia', kansas: 'ks',
  kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma',
  michigan: 'mi', minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt',
  nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj', newmexico: 'nm',
  newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok',
  oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd',
  tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt', virginia: 'va', washington: 'wa',
  westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy', puertorico: 'pr',
};

const GENDERS: Record<string, string> = {
  f: 'f', female: 'f', woman: 'f', m: 'm', male: 'm', man: 'm', n: 'n', 'non-binary': 'n', nonbinary: 'n',
};

type Normalizer = (value: string) => string | undefined;

/** Own keys only: "__proto__" or "constructor" must not find Object.prototype's members. */
const lookup = (table: Record<string, string>, key: string): string | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/**
 * Phone: digits only with the country code the input carried (never invented), leading zeros
 * removed. International input (`+…` or `00…`) goes through libphonenumber-js, which also drops a
 * national trunk prefix such as the "(0)" in "+44 (0)20 …".
 */
function normalizePhone(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^(\+|00)/.test(trimmed)) {
    const parsed = parsePhoneNumberFromString(trimmed.replace(/^00/, '+'));
    if (parsed?.number) return parsed.number.replace(/^\+/, '');
  }
  const digits = trimmed.replace(/\D/g, '').replace(/^0+/, '');
  return digits || undefined;
}

const lettersAndDigitsOnly = (value: string) => value.toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');

/**
 * Unicode NFC around a field's rule: the input is composed first, so "é" typed as one code point or
 * as "e" plus a combining accent hashes the same, and the output is composed again, since
 * lowercasing can leave a decomposed sequence.
 */
const composed = (rule: Normalizer): Normalizer => (value) => rule(value.normalize('NFC'))?.normalize('NFC');

/** Per-field normalization rules (Pinterest's Conversions API rules, DESIGN.md's table), before NFC is added. */
const rules = {
  em: (v) => v.trim().toLowerCase(),
  ph: normalizePhone,
  ge: (v) => lookup(GENDERS, v.trim().toLowerCase()),
  // An ISO date, or the already-normalized YYYYMMDD; anything else (or an impossible date) is dropped.
  db: (v) => {
    const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(v.trim());
    if (!match) return undefined;
    const [, y, m, d] = match;
    const date = new Date(`${y}-${m}-${d}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === `${y}-${m}-${d}` ? `${y}${m}${d}` : undefined;
  },
  fn: (v) => v.trim().toLowerCase(),
  ln: (v) => v.trim().toLowerCase(),
  ct: lettersAndDigitsOnly,
  st: (v) => {
    const compact = lettersAndDigitsOnly(v);
    if (compact.length === 2) return compact;
    return lookup(US_STATES, compact);
  },
  zp: (v) => {
    const compact = v.toLowerCase().replace(/[\s-]/g, '');
    return /^\d{9}$/.test(compact) ? compact.slice(0, 5) : compact;
  },
  country: (v) => {
    const code = v.trim().toLowerCase();
    return /^[a-z]{2}$/.test(code) ? code : undefined;
  },
  external_id: (v) => v.trim(),
  hashed_maids: (v) => v.trim().toLowerCase(),
} satisfies Record<HashedField, Normalizer>;

/**
 * Per-field normalization before hashing: each field's rule inside Unicode NFC ({@link composed});
 * `undefined` means the value is dropped.
 */
export const normalizers = Object.fromEntries(HASHED_FIELDS.map((field) => [field, composed(rules[field])])) as Record<HashedField, Normalizer>;

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Normalizes (Unicode NFC, then the field's rule) then hashes one identifier, so one identity
 * gives one digest however its text was composed. A value that already is a 64-hex digest passes
 * through lowercased; blank or unrecognised values give `undefined` (the field is left out).
 */
export function hashIdentifier(field: HashedField, raw: string): string | undefined {
  if (raw.trim() === '') return undefined;
  if (SHA256_HEX.test(raw.trim())) return raw.trim().toLowerCase();
  const normalized = normalizers[field](raw);
  return normalized ? sha256Hex(normalized) : undefined;
}

/**
 * Turns Routy's raw user object into hashed user data. Runs at the ingress, before anything
 * reaches Temporal history, PostgreSQL or a log. IP, user agent and partner id are copied
 * unhashed (trimmed; blank ones dropped).
 */
export function hashUser(user: RawUser | undefined): HashedUserData {
  const out: HashedUserData = {};
  if (!user) return out;
  for (const hashedField of HASHED_FIELDS) {
    const value = user[HASHED_FROM_RAW[hashedField]];
    if (value === undefined) continue;
    const hashed = hashIdentifier(hashedField, value);
    if (hashed) out[hashedField] = hashed;
  }
  if (user.ip?.trim()) out.client_ip_address = user.ip.trim();
  if (user.user_agent?.trim()) out.client_user_agent = user.user_agent.trim();
  if (user.partner_id?.trim()) out.partner_id = user.partner_id.trim();
  return out;
}
