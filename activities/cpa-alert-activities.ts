// CPA alerts: the `setCpaTargets` update's store, the evaluation after each pull and attribution
// round (the performance report's figures, 30 days beside 7, against the targets), and the
// webhook that receives each alert once, signed like Routy's own requests to the ingress.
import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { cpaCrossings, type CpaAlertsSummary, type CpaRowFigures } from '../domain/cpa-alerts';
import { cpaTargetChanges, type CpaTargets, type CpaTargetsRequest } from '../domain/cpa-targets';
import { addDays, dateInTimeZone } from '../domain/dates';
import { routySignatureHeader } from '../domain/routy-signature';
import { performanceReport, type ReportRow } from '../reports/performance-report';
import { adCampaigns, applyCpaCrossings, cpaAlertCounts, cpaTargets, listCpaAlerts, markCpaAlertDelivered, saveCpaTargets, undeliveredCpaAlerts, type CpaAlert } from '../store/cpa-alerts-store';
import type { Database } from '../store/database-schema';
import { getAdAccount } from '../store/entities-store';

/** Where alerts are posted (`ROUTY_ALERT_WEBHOOK_URL`) and the secret that signs them (`ROUTY_ALERT_WEBHOOK_SECRET`). */
export interface AlertWebhook {
  url: string;
  secret: string;
}

/** Days the evaluation's report covers, today included (account time zone), and its two windows. */
const RANGE_DAYS = 30;
const LONG_WINDOW = 30;
const SHORT_WINDOW = 7;
/** Open alerts `status` shows. */
const LATEST = 3;
/** One webhook request's limit, in milliseconds. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** A performance report row as the rule reads it. */
function figuresOf(row: ReportRow, level: 'campaign' | 'pin', campaigns: ReadonlyMap<string, string>): CpaRowFigures {
  return {
    level,
    entity_id: row.id,
    name: row.name,
    pin_id: row.pin_id,
    ...(level === 'pin' && campaigns.has(row.id) ? { campaign_id: campaigns.get(row.id) } : {}),
    currency: row.currency,
    spend: row.synced ? row.spend : null,
    conversions_30d: row.routy.conversions,
    conversions_7d: row.compare?.conversions ?? 0,
    cpa_30d: row.routy.cost_per_conversion,
    cpa_7d: row.compare?.cost_per_conversion ?? null,
  };
}

/** The webhook's body for one alert: the alert's figures, without the fields that change after it was opened. */
function alertWebhookBody(alert: CpaAlert): string {
  const { last_seen_at: _seen, cleared_at: _cleared, delivered_at: _delivered, ...figures } = alert;
  return JSON.stringify({ type: 'cpa_alert', ...figures });
}

/** Builds the CPA alert activities over the store; `now` is the wall clock; no `webhook`: alerts are only stored. */
export function createCpaAlertActivities(deps: { db: Kysely<Database>; now: () => Date; webhook?: AlertWebhook }) {
  const { db, now, webhook } = deps;

  return {
    /**
     * Applies a `setCpaTargets` request (validated by the workflow's validator) in one transaction.
     * @returns the targets in force, in currency units of the account's currency.
     * @throws ApplicationFailure `InvalidCpaTargets` (non-retryable) when `currency` is not the account's.
     */
    async saveCpaTargets(input: { ad_account_id: string } & CpaTargetsRequest): Promise<CpaTargets> {
      const { ad_account_id, ...request } = input;
      const account = await getAdAccount(db, ad_account_id);
      if (request.currency !== undefined && request.currency !== account.currency) {
        throw ApplicationFailure.nonRetryable(`currency: the ad account's currency is ${account.currency}, not ${request.currency}: targets are in the account currency`, 'InvalidCpaTargets');
      }
      return saveCpaTargets(db, ad_account_id, cpaTargetChanges(request), now());
    },

    /**
     * Evaluates the account's pins and campaigns over the last 30 days (account time zone, today
     * included) with the performance report (window 30, compare 7) against their targets, opens an
     * alert for each new crossing and clears those that no longer hold (store/cpa-alerts-store.ts).
     * Idempotent: a retry finds the alerts it opened still open. @returns the summary `status` shows.
     */
    async evaluateCpaAlerts(input: { ad_account_id: string }): Promise<CpaAlertsSummary> {
      const { ad_account_id } = input;
      const at = now();
      const account = await getAdAccount(db, ad_account_id);
      const end_date = dateInTimeZone(at, account.time_zone ?? 'UTC');
      const range = { start_date: addDays(end_date, 1 - RANGE_DAYS), end_date };
      const targets = await cpaTargets(db, ad_account_id);
      const anyTarget = targets.account !== null || Object.keys(targets.campaigns).length > 0 || Object.keys(targets.pins).length > 0;
      let rows: CpaRowFigures[] = [];
      if (anyTarget) {
        const request = { ad_account_id, ...range, window: LONG_WINDOW, compare: SHORT_WINDOW } as const;
        const [campaignRows, pinRows, campaigns] = await Promise.all([
          performanceReport(db, { ...request, level: 'campaign' }),
          performanceReport(db, { ...request, level: 'pin' }),
          adCampaigns(db, ad_account_id),
        ]);
        rows = [...campaignRows.map((r) => figuresOf(r, 'campaign', campaigns)), ...pinRows.map((r) => figuresOf(r, 'pin', campaigns))];
      }
      const { opened, cleared } = await applyCpaCrossings(db, ad_account_id, cpaCrossings(rows, targets), range, at);
      const counts = await cpaAlertCounts(db, ad_account_id);
      const latest = await listCpaAlerts(db, { ad_account_id, limit: LATEST });
      return {
        evaluated_at: at.toISOString(),
        open: counts.open,
        opened,
        cleared,
        undelivered: webhook ? counts.undelivered : 0,
        latest: latest.map((a) => ({
          alert_id: a.alert_id,
          level: a.level,
          entity_id: a.entity_id,
          direction: a.direction,
          currency: a.currency,
          target: a.target,
          cpa_30d: a.cpa_30d,
          cpa_7d: a.cpa_7d,
          first_seen_at: a.first_seen_at,
        })),
      };
    },

    /**
     * Posts each of the account's undelivered alerts to the webhook, oldest first, one JSON body
     * per alert (alertWebhookBody) with `X-Routy-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256
     * of "<t>.<body>">` keyed with the secret, and marks it delivered on a 2xx answer. Alerts
     * already delivered are skipped, so Temporal's retries post only what is left.
     * @returns how many were delivered by this attempt (0 without a webhook).
     * @throws ApplicationFailure `AlertWebhookRefused` (retryable) on a non-2xx answer; a network error or timeout as it is (retried too).
     */
    async deliverCpaAlerts(input: { ad_account_id: string }): Promise<{ delivered: number }> {
      if (!webhook) return { delivered: 0 };
      let delivered = 0;
      for (const alert of await undeliveredCpaAlerts(db, input.ad_account_id)) {
        const body = alertWebhookBody(alert);
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-routy-signature': routySignatureHeader(body, webhook.secret, now()) },
          body,
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (!response.ok) throw ApplicationFailure.retryable(`the alert webhook answered ${response.status} for alert ${alert.alert_id}`, 'AlertWebhookRefused');
        await markCpaAlertDelivered(db, alert.alert_id, now());
        delivered += 1;
      }
      return { delivered };
    },
  };
}
