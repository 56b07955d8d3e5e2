// Pure attribution rules (which touchpoint wins a conversion); no I/O, tested alone.
import type { AttributionSettings } from './attribution-settings';
import type { TouchpointType } from './routy-records';
import type { HashedField } from './user-data';

/** Hashed identifiers that may tie a touchpoint to a conversion, in order of preference. */
export const IDENTIFIER_KEYS = ['em', 'external_id', 'hashed_maids', 'ph'] as const satisfies readonly HashedField[];
export type IdentifierKey = (typeof IDENTIFIER_KEYS)[number];

export interface ConversionForMatching {
  /** Milliseconds since the epoch. */
  event_time_ms: number;
  click_id?: string | null;
  identifiers: Partial<Record<IdentifierKey, string>>;
}

export interface TouchpointCandidate {
  touchpoint_id: string;
  type: TouchpointType;
  /** Milliseconds since the epoch. */
  occurred_at_ms: number;
  click_id?: string | null;
  identifiers: Partial<Record<IdentifierKey, string>>;
}

export interface AttributionDecision {
  touchpoint_id: string;
  touch_type: TouchpointType;
  /** `click_id` or the identifier that matched (`em`, `external_id`, `hashed_maids`, `ph`). */
  match_key: 'click_id' | IdentifierKey;
  /** Seconds from touchpoint to conversion. */
  lag_seconds: number;
}

const TYPE_RANK: Record<TouchpointType, number> = { click: 0, engagement: 1, view: 2 };

/** Window of a touch type in days; 0 turns the type off. */
function windowDays(settings: AttributionSettings, type: TouchpointType): number {
  if (type === 'click') return settings.click_window_days;
  if (type === 'engagement') return settings.engagement_window_days;
  return settings.view_window_days;
}

/** The longest window in days over all touch types: how far back to look for candidates. */
export function longestWindowDays(settings: AttributionSettings): number {
  return Math.max(settings.click_window_days, settings.engagement_window_days, settings.view_window_days);
}

function matchKeyOf(conversion: ConversionForMatching, touchpoint: TouchpointCandidate): AttributionDecision['match_key'] | undefined {
  if (conversion.click_id && touchpoint.click_id === conversion.click_id) return 'click_id';
  return IDENTIFIER_KEYS.find((key) => conversion.identifiers[key] && touchpoint.identifiers[key] === conversion.identifiers[key]);
}

/**
 * Picks the winning touchpoint: qualifying ones happened at or before the conversion, inside
 * their type's window, and share the click id or a hashed identifier. Preference: click-id match
 * over identifier match, then click over engagement over view, then the latest.
 * @returns undefined when none qualifies (the conversion stays pending).
 */
export function chooseAttribution(
  conversion: ConversionForMatching,
  candidates: TouchpointCandidate[],
  settings: AttributionSettings,
): AttributionDecision | undefined {
  let best: { decision: AttributionDecision; occurred_at_ms: number } | undefined;
  for (const touchpoint of candidates) {
    const lagMs = conversion.event_time_ms - touchpoint.occurred_at_ms;
    const window = windowDays(settings, touchpoint.type);
    if (lagMs < 0 || window === 0 || lagMs > window * 86_400_000) continue;
    const match_key = matchKeyOf(conversion, touchpoint);
    if (!match_key) continue;
    const decision: AttributionDecision = {
      touchpoint_id: touchpoint.touchpoint_id,
      touch_type: touchpoint.type,
      match_key,
      lag_seconds: Math.floor(lagMs / 1000),
    };
    if (!best || isBetter(decision, touchpoint.occurred_at_ms, best.decision, best.occurred_at_ms)) {
      best = { decision, occurred_at_ms: touchpoint.occurred_at_ms };
    }
  }
  return best?.decision;
}

function isBetter(a: AttributionDecision, aTime: number, b: AttributionDecision, bTime: number): boolean {
  const aClickId = a.match_key === 'click_id' ? 0 : 1;
  const bClickId = b.match_key === 'click_id' ? 0 : 1;
  if (aClickId !== bClickId) return aClickId < bClickId;
  if (TYPE_RANK[a.touch_type] !== TYPE_RANK[b.touch_type]) return TYPE_RANK[a.touch_type] < TYPE_RANK[b.touch_type];
  if (aTime !== bTime) return aTime > bTime;
  return a.touchpoint_id > b.touchpoint_id;
}
