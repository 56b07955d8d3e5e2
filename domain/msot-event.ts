// Routy's attribution of one conversion as a Measurement Source of Truth (MSOT) event, the body of
// `POST /v5/ad_accounts/{ad_account_id}/msot/events` (operationId `msot_events/create`,
// components.schemas.ConversionMSOTEvents). Pure: no I/O.

/** The `event_name` values the spec's ConversionMSOTEvents takes (fewer than the Conversions API's). */
export const MSOT_EVENT_NAMES = ['add_to_cart', 'checkout', 'lead', 'signup'] as const;

/** The OAuth scope Pinterest requires for `msot_events/create`. */
export const MSOT_SCOPE = 'msot:write';

/** components.schemas.ConversionMSOTEvents, as Routy fills it: one attributed event per request. */
export interface MsotEvent {
  /** The conversion's `event_id`, the same the Conversions API got. */
  event_id: string;
  event_name: (typeof MSOT_EVENT_NAMES)[number];
  /** When the conversion happened, Unix seconds. */
  event_timestamp: number;
  /** Routy's model: the winning (last) touchpoint takes all the credit. */
  attribution_model: 'last_touch';
  /** The winning touchpoint's type. */
  attribution_scope: 'click' | 'engagement' | 'view';
  /** Credit given to the touch: 1 (last touch). */
  attribution_score: 1;
  campaign_id?: string;
  ad_group_id: string;
  /** When the winning touch happened, Unix seconds (one entry). */
  action_timestamps: [number];
  /** One conversion per request. */
  total_events: 1;
  /** Order value in currency units (not micro), with its ISO 4217 code. */
  value?: number;
  currency?: string;
}

/** What `toMsotEvent` reads: the stored conversion and its winning touch (store/msot-store.ts). */
export interface MsotSource {
  event_id: string;
  event_name: string;
  event_time: Date;
  /** Decimal in `currency` units, as PostgreSQL's numeric (a string), or null. */
  value: string | null;
  currency: string | null;
  touch_type: string;
  campaign_id: string | null;
  ad_group_id: string | null;
  /** When the winning touchpoint happened. */
  touched_at: Date;
}

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/**
 * Builds the MSOT event of a conversion from its winning touchpoint (model `last_touch`, scope the
 * touchpoint's type, its campaign and ad group, the touch time, the same `event_id`).
 * @returns `{kind: 'event'}`, or `{kind: 'not_postable', reason}` when the spec cannot carry it: an
 * `event_name` outside add_to_cart / checkout / lead / signup, no ad group (required), a touch type
 * outside click / engagement / view, or add_to_cart / checkout without a value and currency.
 */
export function toMsotEvent(source: MsotSource): { kind: 'event'; event: MsotEvent } | { kind: 'not_postable'; reason: string } {
  const name = MSOT_EVENT_NAMES.find((n) => n === source.event_name);
  if (!name) return { kind: 'not_postable', reason: `event_name: "${source.event_name}" is not one MSOT takes (${MSOT_EVENT_NAMES.join(', ')})` };
  if (!source.ad_group_id || !/^\d+$/.test(source.ad_group_id)) return { kind: 'not_postable', reason: 'ad_group_id: the winning touchpoint names no ad group (MSOT requires one)' };
  const scope = (['click', 'engagement', 'view'] as const).find((s) => s === source.touch_type);
  if (!scope) return { kind: 'not_postable', reason: `attribution_scope: touchpoint type "${source.touch_type}" is not click, engagement or view` };
  const value = source.value === null ? undefined : Number(source.value);
  const priced = value !== undefined && Number.isFinite(value) && source.currency !== null;
  if (!priced && (name === 'add_to_cart' || name === 'checkout')) return { kind: 'not_postable', reason: `value: ${name} needs a value with its currency` };
  return {
    kind: 'event',
    event: {
      event_id: source.event_id,
      event_name: name,
      event_timestamp: seconds(source.event_time),
      attribution_model: 'last_touch',
      attribution_scope: scope,
      attribution_score: 1,
      ...(source.campaign_id && /^\d+$/.test(source.campaign_id) ? { campaign_id: source.campaign_id } : {}),
      ad_group_id: source.ad_group_id,
      action_timestamps: [seconds(source.touched_at)],
      total_events: 1,
      ...(priced ? { value, currency: source.currency! } : {}),
    },
  };
}
