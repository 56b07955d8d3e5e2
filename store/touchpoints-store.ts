import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { IDENTIFIER_KEYS } from '../domain/attribution-rules';
import type { TouchpointRecord } from '../domain/routy-records';
import type { Database } from './database-schema';

/**
 * Same interaction sent twice (Routy retries) gives the same key, so it is stored once. A click
 * without a click id also keys on its hashed identifiers: two people clicking the same pin in the
 * same second are two clicks. (Other keys are unchanged, so rows stored before keep theirs.)
 */
function touchpointDedupeKey(t: TouchpointRecord): string {
  const parts = [t.type, t.occurred_at, t.click_id ?? '', t.campaign_id ?? '', t.ad_group_id ?? '', t.ad_id ?? '', t.pin_id ?? ''];
  if (t.type === 'click' && !t.click_id) parts.push(...IDENTIFIER_KEYS.map((key) => t.user_data[key] ?? ''));
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/**
 * The user data a touchpoint keeps: its hashed identifiers, and a click's IP address and user agent
 * (a conversion attributed to the click borrows them when posted). `partner_id`, and an engagement's
 * or view's IP address and user agent, are never read: not stored.
 */
function storedUserData(t: TouchpointRecord): Record<string, unknown> {
  const kept: Record<string, unknown> = { ...t.user_data };
  delete kept.partner_id;
  if (t.type !== 'click') {
    delete kept.client_ip_address;
    delete kept.client_user_agent;
  }
  return kept;
}

/** Inserts touchpoints, skipping ones already stored. @returns how many were new. */
export async function insertTouchpoints(db: Kysely<Database>, touchpoints: TouchpointRecord[]): Promise<number> {
  if (touchpoints.length === 0) return 0;
  const result = await db
    .insertInto('touchpoints')
    .values(
      touchpoints.map((t) => ({
        ad_account_id: t.ad_account_id,
        dedupe_key: touchpointDedupeKey(t),
        type: t.type,
        occurred_at: t.occurred_at,
        click_id: t.click_id ?? null,
        campaign_id: t.campaign_id ?? null,
        ad_group_id: t.ad_group_id ?? null,
        ad_id: t.ad_id ?? null,
        pin_id: t.pin_id ?? null,
        user_data: JSON.stringify(storedUserData(t)),
      })),
    )
    .onConflict((oc) => oc.columns(['ad_account_id', 'dedupe_key']).doNothing())
    .returning('touchpoint_id')
    .execute();
  return result.length;
}
