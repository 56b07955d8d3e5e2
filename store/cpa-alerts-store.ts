import { sql, type Kysely, type Selectable } from 'kysely';
import type { CpaAlertDirection, CpaCrossing } from '../domain/cpa-alerts';
import type { CpaTargetChange, CpaTargets } from '../domain/cpa-targets';
import type { CpaAlertsTable } from './cpa-alerts-schema';
import type { Database } from './database-schema';

/**
 * One alert as the route, the CLI, the demo and the webhook show it: money in currency units of
 * `currency` (cost per conversion null: no conversions in that window), dates of the report's
 * range (account time zone), times ISO 8601; `cleared_at` null while the condition holds.
 */
export interface CpaAlert {
  alert_id: string;
  ad_account_id: string;
  level: 'campaign' | 'pin';
  /** Campaign id, or the ad id at pin level (the pin report's `id`). */
  entity_id: string;
  name: string;
  pin_id: string | null;
  direction: CpaAlertDirection;
  currency: string;
  target: number;
  cpa_30d: number | null;
  cpa_7d: number | null;
  spend: number;
  conversions_30d: number;
  conversions_7d: number;
  start_date: string;
  end_date: string;
  first_seen_at: string;
  last_seen_at: string;
  cleared_at: string | null;
  delivered_at: string | null;
}

const number = (value: string | null) => (value === null ? null : Number(value));

/** A row as the outside sees it. */
function alertOf(row: Selectable<CpaAlertsTable>): CpaAlert {
  return {
    alert_id: String(row.alert_id),
    ad_account_id: row.ad_account_id,
    level: row.level as CpaAlert['level'],
    entity_id: row.entity_id,
    name: row.name,
    pin_id: row.pin_id,
    direction: row.direction as CpaAlertDirection,
    currency: row.currency,
    target: Number(row.target),
    cpa_30d: number(row.cpa_30d),
    cpa_7d: number(row.cpa_7d),
    spend: Number(row.spend),
    conversions_30d: row.conversions_30d,
    conversions_7d: row.conversions_7d,
    start_date: row.start_date,
    end_date: row.end_date,
    first_seen_at: row.first_seen_at.toISOString(),
    last_seen_at: row.last_seen_at.toISOString(),
    cleared_at: row.cleared_at?.toISOString() ?? null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}

/** The account's targets in force (currency units of its currency). @throws when the account is unknown. */
export async function cpaTargets(db: Kysely<Database>, adAccountId: string): Promise<CpaTargets> {
  const account = await db.selectFrom('ad_accounts').select('currency').where('ad_account_id', '=', adAccountId).executeTakeFirstOrThrow();
  const rows = await db.selectFrom('cpa_targets').select(['level', 'entity_id', 'target_micro']).where('ad_account_id', '=', adAccountId).execute();
  const targets: CpaTargets = { ad_account_id: adAccountId, currency: account.currency, account: null, campaigns: {}, pins: {} };
  for (const row of rows) {
    const units = Number(row.target_micro) / 1_000_000;
    if (row.level === 'account') targets.account = units;
    else if (row.level === 'campaign') targets.campaigns[row.entity_id] = units;
    else targets.pins[row.entity_id] = units;
  }
  return targets;
}

/** Applies target changes (null deletes one) in one transaction; idempotent. @returns the targets in force. */
export async function saveCpaTargets(db: Kysely<Database>, adAccountId: string, changes: readonly CpaTargetChange[], now: Date): Promise<CpaTargets> {
  await db.transaction().execute(async (trx) => {
    for (const change of changes) {
      const key = { ad_account_id: adAccountId, level: change.level, entity_id: change.entity_id };
      const target = change.target_micro;
      if (target === null) {
        await trx.deleteFrom('cpa_targets').where('ad_account_id', '=', adAccountId).where('level', '=', change.level).where('entity_id', '=', change.entity_id).execute();
      } else {
        await trx
          .insertInto('cpa_targets')
          .values({ ...key, target_micro: target, updated_at: now })
          .onConflict((oc) => oc.columns(['ad_account_id', 'level', 'entity_id']).doUpdateSet({ target_micro: target, updated_at: now }))
          .execute();
      }
    }
  });
  return cpaTargets(db, adAccountId);
}

/** Each synced ad's campaign, by ad id (a pin's target falls back to its campaign's). */
export async function adCampaigns(db: Kysely<Database>, adAccountId: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('ads').select(['ad_id', 'campaign_id']).where('ad_account_id', '=', adAccountId).execute();
  return new Map(rows.map((r) => [r.ad_id, r.campaign_id]));
}

/**
 * Makes the open alerts equal the crossings seen now, in one transaction: an open alert no longer
 * crossing is cleared; a crossing without an open alert opens one with its figures (the unique
 * partial index keeps one open per account, level, entity and direction, also against a retry);
 * one still open only gets `last_seen_at`. @returns how many opened and cleared.
 */
export async function applyCpaCrossings(
  db: Kysely<Database>,
  adAccountId: string,
  crossings: readonly CpaCrossing[],
  range: { start_date: string; end_date: string },
  now: Date,
): Promise<{ opened: number; cleared: number }> {
  return db.transaction().execute(async (trx) => {
    const open = await trx.selectFrom('cpa_alerts').select(['alert_id', 'level', 'entity_id', 'direction']).where('ad_account_id', '=', adAccountId).where('cleared_at', 'is', null).execute();
    const keyOf = (a: { level: string; entity_id: string; direction: string }) => `${a.level}|${a.entity_id}|${a.direction}`;
    const seen = new Set(crossings.map(keyOf));
    const gone = open.filter((a) => !seen.has(keyOf(a))).map((a) => a.alert_id);
    const still = open.filter((a) => seen.has(keyOf(a))).map((a) => a.alert_id);
    if (gone.length > 0) await trx.updateTable('cpa_alerts').set({ cleared_at: now }).where('alert_id', 'in', gone).execute();
    if (still.length > 0) await trx.updateTable('cpa_alerts').set({ last_seen_at: now }).where('alert_id', 'in', still).execute();
    const openKeys = new Set(open.map(keyOf));
    const fresh = crossings.filter((c) => !openKeys.has(keyOf(c)));
    if (fresh.length > 0) {
      await trx
        .insertInto('cpa_alerts')
        .values(
          fresh.map((c) => ({
            ad_account_id: adAccountId,
            level: c.level,
            entity_id: c.entity_id,
            name: c.name,
            pin_id: c.pin_id,
            direction: c.direction,
            currency: c.currency,
            target: c.target,
            cpa_30d: c.cpa_30d,
            cpa_7d: c.cpa_7d,
            spend: c.spend,
            conversions_30d: c.conversions_30d,
            conversions_7d: c.conversions_7d,
            start_date: range.start_date,
            end_date: range.end_date,
            first_seen_at: now,
            last_seen_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['ad_account_id', 'level', 'entity_id', 'direction']).where('cleared_at', 'is', null).doNothing())
        .execute();
    }
    return { opened: fresh.length, cleared: gone.length };
  });
}

/**
 * Alerts, newest first: of one account or all, open ones only unless `include_cleared`, at most
 * `limit` (default 100).
 */
export async function listCpaAlerts(db: Kysely<Database>, filter: { ad_account_id?: string; include_cleared?: boolean; limit?: number }): Promise<CpaAlert[]> {
  const rows = await db
    .selectFrom('cpa_alerts')
    .selectAll()
    .$if(filter.ad_account_id !== undefined, (q) => q.where('ad_account_id', '=', filter.ad_account_id!))
    .$if(!filter.include_cleared, (q) => q.where('cleared_at', 'is', null))
    .orderBy('first_seen_at', 'desc')
    .orderBy('alert_id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
  return rows.map(alertOf);
}

/** The account's alerts the webhook has not taken yet, oldest first. */
export async function undeliveredCpaAlerts(db: Kysely<Database>, adAccountId: string): Promise<CpaAlert[]> {
  const rows = await db.selectFrom('cpa_alerts').selectAll().where('ad_account_id', '=', adAccountId).where('delivered_at', 'is', null).orderBy('alert_id').execute();
  return rows.map(alertOf);
}

/** Counts the account's open alerts and those not delivered yet. */
export async function cpaAlertCounts(db: Kysely<Database>, adAccountId: string): Promise<{ open: number; undelivered: number }> {
  const row = await db
    .selectFrom('cpa_alerts')
    .select([sql<number>`(count(*) filter (where cleared_at is null))::int4`.as('open'), sql<number>`(count(*) filter (where delivered_at is null))::int4`.as('undelivered')])
    .where('ad_account_id', '=', adAccountId)
    .executeTakeFirstOrThrow();
  return { open: Number(row.open), undelivered: Number(row.undelivered) };
}

/** Marks an alert delivered (the webhook answered 2xx); a second mark keeps the first time. */
export async function markCpaAlertDelivered(db: Kysely<Database>, alertId: string, now: Date): Promise<void> {
  await db.updateTable('cpa_alerts').set({ delivered_at: now }).where('alert_id', '=', alertId).where('delivered_at', 'is', null).execute();
}

/** Open alerts of every account, by direction (the `routy_pinterest_cpa_alerts` gauge, read at scrape time). */
export async function countOpenCpaAlerts(db: Kysely<Database>): Promise<Array<{ direction: string; n: number }>> {
  const rows = await db.selectFrom('cpa_alerts').select(['direction', sql<number>`count(*)::int4`.as('n')]).where('cleared_at', 'is', null).groupBy('direction').execute();
  return rows.map((r) => ({ direction: r.direction, n: Number(r.n) }));
}
