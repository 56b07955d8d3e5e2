// What the chaos run proves once the faults stop and everything has settled.
import { sql, type Kysely } from 'kysely';
import { DEFAULT_REPOST_MARGIN_SECONDS } from '../../domain/capi-repost';
import { addDays } from '../../domain/dates';
import { getAnalytics, type MetricLevel } from '../../pinterest/analytics';
import { PinterestHttp } from '../../pinterest/http';
import { migrateToLatest, openDatabase } from '../../store/database';
import type { Database } from '../../store/database-schema';
import { upsertMetrics } from '../../store/metrics-store';
import { EMULATOR_APP, PinterestEmulator } from '../../emulator/pinterest-emulator';
import { createTestDatabase } from '../../test/support/postgres';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';
import type { RecordedCapiRequest } from '../../emulator/pinterest-emulator';

/** Conversions by `attribution_state/capi_state`, and the accepted event_ids not stored. */
export async function conversionOutcome(db: Kysely<Database>, adAccountId: string, accepted: Set<string>) {
  const states = await db
    .selectFrom('conversions')
    .select(['attribution_state', 'capi_state', (eb) => eb.fn.countAll<string>().as('n')])
    .where('ad_account_id', '=', adAccountId)
    .groupBy(['attribution_state', 'capi_state'])
    .execute();
  const stored = new Set<string>();
  const ids = [...accepted];
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db.selectFrom('conversions').select('event_id').where('ad_account_id', '=', adAccountId).where('event_id', 'in', ids.slice(i, i + 5000)).execute();
    for (const r of rows) stored.add(r.event_id);
  }
  return {
    by_state: Object.fromEntries(states.map((s) => [`${s.attribution_state}/${s.capi_state}`, Number(s.n)])),
    lost: ids.filter((id) => !stored.has(id)),
  };
}

/** Matched conversions not yet in a terminal Conversions API state (the run waits for 0). */
export async function unsettledSends(db: Kysely<Database>, adAccountId: string): Promise<number> {
  const row = await db
    .selectFrom('conversions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('ad_account_id', '=', adAccountId)
    .where('attribution_state', '=', 'matched')
    .where('capi_state', 'in', ['unsent', 'sending', 'posting'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Unknown outcomes are posted again while the event is younger than this (the chaos worker runs with the default). */
const REPOST_MARGIN_MS = DEFAULT_REPOST_MARGIN_SECONDS * 1000;

/**
 * What Pinterest would have counted, by the emulator's reading of its deduplication rule:
 * `undelivered` (matched, sendable, not stale, never counted, unless it ended `unconfirmed` after a
 * last attempt made when the event was already older than the repost margin: an event whose
 * outcome became unknown while it was fresh must have been posted again), `unconfirmed_late`
 * (those late ones),
 * `double_counted` (events counted more than once) and `reposted_events` (events in more than one
 * of our requests).
 */
export async function deliveryOutcome(db: Kysely<Database>, emulator: PinterestEmulator, adAccountId: string) {
  const counted = new Set(emulator.countedEvents(adAccountId).map((e) => e.event_id));
  const rows = await db
    .selectFrom('conversions')
    .select(['event_id', 'capi_state', 'event_time', 'capi_attempted_at'])
    .where('ad_account_id', '=', adAccountId)
    .where('attribution_state', '=', 'matched')
    .where('capi_state', 'not in', ['not_sendable', 'stale'])
    .execute();
  const notCounted = rows.filter((r) => !counted.has(r.event_id));
  const late = (r: (typeof rows)[number]) =>
    r.capi_state === 'unconfirmed' && r.capi_attempted_at !== null && r.capi_attempted_at.getTime() - r.event_time.getTime() >= REPOST_MARGIN_MS;
  const undelivered = notCounted.filter((r) => !late(r)).map((r) => r.event_id);
  const report = emulator.deliveryReport(adAccountId);
  return {
    undelivered,
    unconfirmed_late: notCounted.length - undelivered.length,
    double_counted: report.events_counted_more_than_once,
    double_counted_event_ids: report.counted_more_than_once_event_ids.slice(0, 20),
    reposted_events: duplicatedEventIds(emulator.capiRequests).length,
    delivery_report: report,
  };
}

/** event_ids Pinterest received (and processed) in more than one request from us. */
function duplicatedEventIds(requests: RecordedCapiRequest[]): string[] {
  const seen = new Map<string, number>();
  for (const request of requests) for (const event of request.body.data) seen.set(String(event.event_id), (seen.get(String(event.event_id)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

/**
 * Pulls the same entities and days from a fault-free emulator (same seed) into a fresh database
 * with the same client and store code, and compares every finished day (before today) with what
 * the chaos run stored. @returns equal, and the first differences found.
 */
export async function metricsEqualToFaultFree(db: Kysely<Database>, adAccountId: string): Promise<{ equal: boolean; compared_rows: number; differences: string[] }> {
  const today = new Date().toISOString().slice(0, 10);
  const first = await db.selectFrom('metrics_daily').select(sql<string>`min(date)`.as('d')).where('ad_account_id', '=', adAccountId).executeTakeFirstOrThrow();
  if (!first.d) return { equal: false, compared_rows: 0, differences: ['the chaos run stored no metrics'] };
  const start = first.d > addDays(today, -89) ? first.d : addDays(today, -89);
  const end = addDays(today, -1);
  const emulator = new PinterestEmulator();
  const origin = await emulator.listen(0);
  const database = await createTestDatabase();
  const expected = await openDatabase({ kind: 'postgres', url: database.url });
  try {
    await migrateToLatest(expected);
    const redirectUri = 'http://127.0.0.1/callback';
    const consent = await fetch(`${origin}/oauth/?client_id=${EMULATOR_APP.appId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code`, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const token = (await (
      await fetch(`${origin}/v5/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${EMULATOR_APP.appId}:${EMULATOR_APP.appSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
      })
    ).json()) as { access_token: string };
    const http = new PinterestHttp(emulator.apiBaseUrl(origin));
    const entityIds: Record<MetricLevel, string[]> = {
      campaign: (await db.selectFrom('campaigns').select('campaign_id as id').where('ad_account_id', '=', adAccountId).execute()).map((r) => r.id),
      ad_group: (await db.selectFrom('ad_groups').select('ad_group_id as id').where('ad_account_id', '=', adAccountId).execute()).map((r) => r.id),
      ad: (await db.selectFrom('ads').select('ad_id as id').where('ad_account_id', '=', adAccountId).execute()).map((r) => r.id),
    };
    for (const level of ['campaign', 'ad_group', 'ad'] as const) {
      for (let i = 0; i < entityIds[level].length; i += 250) {
        const ids = entityIds[level].slice(i, i + 250);
        const rows = await getAnalytics(http, token.access_token, adAccountId, { level, ids, startDate: start, endDate: end, settings: DEFAULT_ATTRIBUTION_SETTINGS });
        await upsertMetrics(expected, { adAccountId, level, currency: 'USD', settings: DEFAULT_ATTRIBUTION_SETTINGS, rows, today, now: new Date() });
      }
    }
    const columns = ['level', 'entity_id', 'date', 'spend_micro', 'impressions', 'earned_impressions', 'saves', 'pin_clicks', 'outbound_clicks', 'engagements', 'video_mrc_views', 'pinterest_conversions', 'checkout_value_micro'] as const;
    const read = (from: Kysely<Database>) =>
      from
        .selectFrom('metrics_daily')
        .select([...columns])
        .where('ad_account_id', '=', adAccountId)
        .where('date', '>=', start)
        .where('date', '<=', end)
        .orderBy('level').orderBy('entity_id').orderBy('date')
        .execute();
    const [got, want] = await Promise.all([read(db), read(expected)]);
    const key = (r: (typeof got)[number]) => `${r.level}/${r.entity_id}/${r.date}`;
    const gotByKey = new Map(got.map((r) => [key(r), JSON.stringify(r)]));
    const differences: string[] = [];
    for (const row of want) {
      const mine = gotByKey.get(key(row));
      if (mine !== JSON.stringify(row)) differences.push(`${key(row)}: stored ${mine ?? 'nothing'}, fault-free ${JSON.stringify(row)}`);
      gotByKey.delete(key(row));
    }
    for (const extra of gotByKey.keys()) differences.push(`${extra}: stored but not in the fault-free run`);
    return { equal: differences.length === 0 && want.length > 0, compared_rows: want.length, differences: differences.slice(0, 10) };
  } finally {
    await expected.destroy();
    await database.drop();
    await emulator.close();
  }
}
