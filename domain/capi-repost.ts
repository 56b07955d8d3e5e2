// Whether a Conversions API event whose earlier post has no known outcome may be posted again.
// Pure (no I/O): the rule of DESIGN.md's "Delivery", unit-tested in test/unit/capi-repost.test.ts.

/**
 * Sources whose copies Pinterest can deduplicate on `event_id` + `event_name` (spec, `events/create`:
 * offline events cannot be deduplicated). The spec's enum is `app_android`, `app_ios`, `web`, `offline`.
 */
const REPOSTABLE_ACTION_SOURCES: readonly string[] = ['web', 'app_android', 'app_ios'];

/** Pinterest drops a copy received within this long of the first (48 hours), in seconds. */
const DEDUPLICATION_WINDOW_SECONDS = 48 * 3600;

/**
 * Default repost margin, in seconds (50 minutes): a repost's `event_time` must be younger than this,
 * inside the hour after which Pinterest treats an event as offline, with room for the request itself.
 */
export const DEFAULT_REPOST_MARGIN_SECONDS = 50 * 60;

/** Why an event with an unknown outcome is not posted again (the `reason` label of the unconfirmed metric). */
export type NoRepostReason = 'offline_source' | 'event_too_old' | 'first_post_too_old';

export type RepostDecision = { repost: true } | { repost: false; reason: NoRepostReason; detail: string };

/**
 * Decides, at the moment of a repost, whether an event whose earlier post has no known outcome
 * (no answer, a timeout, a reset connection, an unreadable answer) is posted again, identical:
 * only a `web` or app event whose `event_time` is less than `marginSeconds` old at `now` and whose
 * first post is less than 48 hours old. Otherwise it is not posted again, with the reason.
 * @param marginSeconds the repost margin (0 never reposts).
 */
export function decideRepost(
  event: { action_source: string; event_time: Date; first_posted_at: Date },
  now: Date,
  marginSeconds: number,
): RepostDecision {
  if (!REPOSTABLE_ACTION_SOURCES.includes(event.action_source)) {
    return { repost: false, reason: 'offline_source', detail: `${event.action_source} events cannot be deduplicated by Pinterest; not posted again` };
  }
  const eventAgeSeconds = (now.getTime() - event.event_time.getTime()) / 1000;
  if (eventAgeSeconds >= marginSeconds) {
    return { repost: false, reason: 'event_too_old', detail: `event_time is ${Math.floor(eventAgeSeconds)} s old, not under the repost margin of ${marginSeconds} s; not posted again` };
  }
  const firstPostAgeSeconds = (now.getTime() - event.first_posted_at.getTime()) / 1000;
  if (firstPostAgeSeconds >= DEDUPLICATION_WINDOW_SECONDS) {
    return { repost: false, reason: 'first_post_too_old', detail: 'the first post is 48 hours old or more, past deduplication; not posted again' };
  }
  return { repost: true };
}
