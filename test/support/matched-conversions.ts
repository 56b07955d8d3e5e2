import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import { prepareConversions, prepareTouchpoints } from '../../domain/routy-records';
import type { RunningApp } from '../../service/app';

/** Runs one activity function outside a worker. */
export const runActivity = (fn: unknown, input: unknown) => new MockActivityEnvironment().run(fn as never, input as never);

/**
 * Stores a click (`<prefix>-click`, a day ago) and `n` conversions `<prefix>-0`... matched to it,
 * not yet sent (no workflow signal involved), `event_age_ms` old (default one minute).
 * @returns their event_ids.
 */
export async function storeMatchedConversions(
  app: RunningApp,
  adAccountId: string,
  prefix: string,
  n: number,
  options: { event_age_ms?: number; action_source?: 'web' | 'offline' } = {},
): Promise<string[]> {
  const activities = createActivities(app.activityDeps);
  const now = Date.now();
  const touchpoints = prepareTouchpoints([
    { ad_account_id: adAccountId, type: 'click', occurred_at: new Date(now - 86_400_000).toISOString(), click_id: `${prefix}-click`, ad_id: '687195905901' },
  ]).accepted.map((a) => a.record);
  await runActivity(activities.recordTouchpoints, { ad_account_id: adAccountId, touchpoints, settings: DEFAULT_ATTRIBUTION_SETTINGS });
  const conversions = prepareConversions(
    Array.from({ length: n }, (_, i) => ({
      event_id: `${prefix}-${i}`,
      event_name: 'checkout',
      event_time: new Date(now - (options.event_age_ms ?? 60_000)).toISOString(),
      ad_account_id: adAccountId,
      click_id: `${prefix}-click`,
      ...(options.action_source ? { action_source: options.action_source } : {}),
      user: { email: `${prefix}${i}@example.com` },
    })),
  ).accepted.map((a) => a.record);
  const result = (await runActivity(activities.recordConversions, { ad_account_id: adAccountId, conversions, settings: DEFAULT_ATTRIBUTION_SETTINGS, hold_seconds: 3600 })) as { matched: number };
  assert.equal(result.matched, n);
  return conversions.map((c) => c.event_id);
}
