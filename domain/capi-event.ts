// Pure mapping from a stored conversion to a Conversions API event; no I/O.
import type { ConversionRecord } from './routy-records';
import { HASHED_FIELDS, type HashedField } from './user-data';

/**
 * ConversionEventsUserData: hashed values go in arrays of lowercase SHA-256 hex digests;
 * `client_ip_address`, `client_user_agent`, `click_id` and `partner_id` (a third party's visitor
 * id such as a RampID, ConversionEventsUserDataProperties.partner_id) are plain strings, sent as
 * they are.
 */
export type CapiUserData = Partial<Record<HashedField, string[]>> & {
  client_ip_address?: string;
  client_user_agent?: string;
  click_id?: string;
  partner_id?: string;
};

/** One ConversionEvents.data[] item. `event_time` is Unix seconds; money values are decimal strings. */
export interface CapiEvent {
  event_name: string;
  action_source: string;
  event_time: number;
  event_id: string;
  user_data: CapiUserData;
  custom_data?: {
    currency?: string;
    value?: string;
    order_id?: string;
    content_ids?: string[];
    contents?: Array<{ id: string; item_price?: string; quantity?: number }>;
    num_items?: number;
  };
  event_source_url?: string;
  opt_out?: boolean;
  partner_name?: string;
}

/** Pinterest refuses events older than this (422, code 953). */
const CAPI_MAX_EVENT_AGE_SECONDS = 7 * 86_400;

/** A conversion as stored for sending (the `conversions` row): what {@link toCapiEvent} maps. */
export interface StoredConversion {
  event_id: string;
  event_name: string;
  event_time: Date;
  action_source: string;
  value: string | null;
  currency: string | null;
  order_id: string | null;
  click_id: string | null;
  user_data: Record<string, unknown>;
  custom_data?: StoredCustomData | null;
  opt_out?: boolean;
  event_source_url?: string | null;
}

/** The Conversions API `custom_data` fields kept beside a conversion's own columns (stored as JSON). */
export interface StoredCustomData {
  content_ids?: string[];
  contents?: Array<{ id: string; item_price?: string; quantity?: number }>;
  num_items?: number;
}

/** A record's `custom_data` fields as they are stored; null when it has none. */
export function customDataOf(record: ConversionRecord): StoredCustomData | null {
  const custom = { content_ids: record.content_ids, contents: record.contents, num_items: record.num_items };
  return Object.values(custom).some((value) => value !== undefined) ? custom : null;
}

/** A record from the ingress as it will be stored for sending (event_time as a Date, absent fields null). */
export function storedFromRecord(record: ConversionRecord): StoredConversion {
  return {
    event_id: record.event_id,
    event_name: record.event_name,
    event_time: new Date(record.event_time),
    action_source: record.action_source,
    value: record.value ?? null,
    currency: record.currency ?? null,
    order_id: record.order_id ?? null,
    click_id: record.click_id ?? null,
    user_data: record.user_data,
    custom_data: customDataOf(record),
    opt_out: record.opt_out ?? false,
    event_source_url: record.event_source_url ?? null,
  };
}

/**
 * The winning click's match keys, as Routy recorded them on the touchpoint: its click id (`epik`,
 * percent-decoded), IP address and user agent. Only a `click` touchpoint carries them.
 */
export interface ClickFallback {
  click_id?: string;
  client_ip_address?: string;
  client_user_agent?: string;
}

export type CapiEventOutcome =
  | { kind: 'event'; event: CapiEvent }
  | { kind: 'not_sendable'; reason: string }
  | { kind: 'stale'; reason: string };

/**
 * Builds the ConversionEvents.data[] item for a matched conversion: `event_time` in Unix seconds
 * from the conversion itself, `event_id` as Routy received it, `value` as a decimal string.
 * Match keys: the click id is the conversion's own (Routy's `click_id`, else the `epik` of its
 * `event_source_url`, both read at the ingress), else the matched click's (`fallback`); IP address
 * and user agent are the conversion's, each borrowed from the matched click when the conversion
 * has none. Whatever hashed identifiers the conversion has, these are added.
 * Sendable only with `em`, `hashed_maids`, or IP address plus user agent (Conversions API rule).
 */
export function toCapiEvent(conversion: StoredConversion, now: Date, fallback?: ClickFallback): CapiEventOutcome {
  const eventTime = Math.floor(conversion.event_time.getTime() / 1000);
  if (now.getTime() / 1000 - eventTime > CAPI_MAX_EVENT_AGE_SECONDS) {
    return { kind: 'stale', reason: 'event_time is more than 7 days old; Pinterest refuses it (code 953)' };
  }
  const user: CapiUserData = {};
  for (const field of HASHED_FIELDS) {
    const value = conversion.user_data[field];
    if (typeof value === 'string' && value) user[field] = [value];
  }
  const own = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const ip = own(conversion.user_data.client_ip_address) ?? fallback?.client_ip_address;
  const ua = own(conversion.user_data.client_user_agent) ?? fallback?.client_user_agent;
  const clickId = conversion.click_id || fallback?.click_id;
  if (ip) user.client_ip_address = ip;
  if (ua) user.client_user_agent = ua;
  if (clickId) user.click_id = clickId;
  const partnerId = own(conversion.user_data.partner_id);
  if (partnerId) user.partner_id = partnerId;

  if (!user.em && !user.hashed_maids && !(user.client_ip_address && user.client_user_agent)) {
    return { kind: 'not_sendable', reason: 'no em, hashed_maids, or IP address with user agent' };
  }
  const custom: NonNullable<CapiEvent['custom_data']> = {};
  if (conversion.currency) custom.currency = conversion.currency;
  if (conversion.value !== null) custom.value = conversion.value;
  if (conversion.order_id) custom.order_id = conversion.order_id;
  if (conversion.custom_data?.content_ids?.length) custom.content_ids = conversion.custom_data.content_ids;
  if (conversion.custom_data?.contents?.length) custom.contents = conversion.custom_data.contents;
  if (conversion.custom_data?.num_items !== undefined) custom.num_items = conversion.custom_data.num_items;
  return {
    kind: 'event',
    event: {
      event_name: conversion.event_name,
      action_source: conversion.action_source,
      event_time: eventTime,
      event_id: conversion.event_id,
      user_data: user,
      ...(Object.keys(custom).length ? { custom_data: custom } : {}),
      ...(conversion.event_source_url ? { event_source_url: conversion.event_source_url } : {}),
      // Sent only when the user opted out; absent means not opted out.
      ...(conversion.opt_out ? { opt_out: true } : {}),
      partner_name: 'ss-routy',
    },
  };
}
