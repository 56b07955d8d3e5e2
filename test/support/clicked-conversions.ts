import assert from 'node:assert/strict';
import type { RunningApp } from '../../service/app';
import { postJson } from './ingress-requests';
import { waitFor } from './wait';

/** A conversion to record after a click on an ad or pin 24 hours before it. */
export interface ClickedConversion {
  event_id: string;
  ad_account_id: string;
  /** ISO 8601 instant. */
  event_time: string;
  /** Decimal in `currency` units. */
  value?: string;
  currency?: string;
  /** Whichever ids the click's landing URL carried. */
  ad_id?: string;
  pin_id?: string;
}

/**
 * Records each conversion through the ingress after a click (`click-<event_id>`, one day before
 * it) on its ad or pin, the clicks first, and waits until every conversion is attributed.
 */
export async function recordClickedConversions(app: RunningApp, conversions: ClickedConversion[]): Promise<void> {
  const touchpoints = conversions.map((c) => ({
    ad_account_id: c.ad_account_id,
    type: 'click',
    occurred_at: new Date(Date.parse(c.event_time) - 86_400_000).toISOString(),
    click_id: `click-${c.event_id}`,
    ...(c.ad_id ? { ad_id: c.ad_id } : {}),
    ...(c.pin_id ? { pin_id: c.pin_id } : {}),
  }));
  assert.equal((await postJson(app, '/v1/touchpoints', { touchpoints })).status, 202);
  await waitFor('the clicks stored', async () => {
    const rows = await app.db.selectFrom('touchpoints').select('click_id').where('click_id', 'in', touchpoints.map((t) => t.click_id)).execute();
    return rows.length === touchpoints.length ? true : undefined;
  });
  const records = conversions.map(({ ad_id: _a, pin_id: _p, ...c }) => ({ ...c, event_name: 'checkout', click_id: `click-${c.event_id}` }));
  const answer = await postJson(app, '/v1/conversions', { conversions: records });
  assert.deepEqual([answer.status, answer.body.rejected], [202, []]);
  await waitFor('the conversions attributed', async () => {
    const rows = await app.db.selectFrom('attributions').select('event_id').where('event_id', 'in', conversions.map((c) => c.event_id)).execute();
    return rows.length === conversions.length ? true : undefined;
  });
}

/**
 * An entity's pulled spend over [start, end] (account-timezone dates) under Pinterest's default
 * settings (30 / 30 / 1 days), in currency units, summed from the daily rows to the micro unit.
 */
export async function pulledSpend(app: RunningApp, adAccountId: string, level: 'campaign' | 'ad_group' | 'ad', entityId: string, start: string, end: string): Promise<number> {
  const { spend } = await app.db
    .selectFrom('metrics_daily')
    .select((eb) => eb.fn.sum<string>('spend_micro').as('spend'))
    .where('ad_account_id', '=', adAccountId)
    .where('level', '=', level)
    .where('entity_id', '=', entityId)
    .where('date', '>=', start)
    .where('date', '<=', end)
    .where('click_window_days', '=', 30)
    .where('engagement_window_days', '=', 30)
    .where('view_window_days', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(spend ?? 0) / 1_000_000;
}
