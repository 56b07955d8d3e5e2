// How the operator commands print what the workflows answer: the accounts table, a status
// summary, the settings. Every name and id is made terminal-safe (fixedWidthTable, terminalSafe).
import type { AdAccountListing } from '../client/ad-account-listing';
import type { AttributionSettings } from '../domain/attribution-settings';
import type { MsotOptIn } from '../domain/msot-opt-in';
import { terminalSafe } from '../domain/terminal-text';
import { fixedWidthTable } from '../reports/report-table';
import type { AdAccountStatus } from '../workflows/ad-account-types';

/** An ISO time as `YYYY-MM-DD HH:MM:SS` (UTC), `-` when absent. */
const time = (iso?: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-');

/** What the status column says: `paused`, the connection, or how the run ended. */
function stateOf(row: Pick<AdAccountListing, 'run' | 'connection_status' | 'paused' | 'query_error'>): string {
  if (row.query_error) return 'unknown';
  if (row.run !== 'running') return row.connection_status === 'disconnected' ? 'disconnected (ended)' : `ended: ${row.run}`;
  return row.paused ? 'paused' : (row.connection_status ?? '-');
}

/**
 * The `accounts` table: ad account, status, health (`-` when the worker reports none), last and
 * next pull (UTC), pending and unsent conversions (`-` when unknown: unsent needs `DATABASE_URL`),
 * backfill pieces queued, open CPA alerts (`-` before the first evaluation), `rate_limited_until`; under it a line per pause reason, last error and
 * failed status query.
 */
export function formatAccountsTable(rows: AdAccountListing[]): string {
  if (rows.length === 0) return 'no ad accounts';
  const header = ['ad account', 'status', 'health', 'last pull (UTC)', 'next pull (UTC)', 'pending', 'unsent', 'backfill', 'alerts', 'rate limited until'];
  const body = rows.map((r) => [
    r.ad_account_id,
    stateOf(r),
    r.health ?? '-',
    time(r.last_pull_at),
    time(r.next_pull_at),
    r.conversions_pending === undefined ? '-' : String(r.conversions_pending),
    r.conversions_unsent === null ? '-' : String(r.conversions_unsent),
    r.backfill_pieces === undefined ? '-' : String(r.backfill_pieces),
    r.cpa_alerts_open === undefined ? '-' : String(r.cpa_alerts_open),
    time(r.rate_limited_until),
  ]);
  const notes = rows.flatMap((r) => [
    ...(r.paused_reason ? [`paused: ${r.paused_reason}`] : []),
    ...(r.last_error ? [`last error: ${r.last_error}`] : []),
    ...(r.query_error ? [`status query failed: ${r.query_error}`] : []),
  ].map((note) => terminalSafe(`  ${r.ad_account_id}: ${note}`)));
  return [fixedWidthTable(header, body, new Set([5, 6, 7, 8])), ...notes].join('\n');
}

/** `30-day click, 30-day engagement, 1-day view, TIME_OF_AD_ACTION` (a window of 0: `no view`). */
export function settingsLine(settings: AttributionSettings): string {
  const window = (days: number, what: string) => (days === 0 ? `no ${what}` : `${days}-day ${what}`);
  return `${window(settings.click_window_days, 'click')}, ${window(settings.engagement_window_days, 'engagement')}, ${window(settings.view_window_days, 'view')}, ${settings.conversion_report_time}`;
}

/** Health as the status answer may carry it (workers before it send none). */
interface MaybeHealth {
  health?: { state?: string; failing_call?: string; attempt?: number; last_error?: string };
}

/**
 * A few lines on an account's status (the answer of `status`, `pause`, `resume`, `disconnect`):
 * connection and pause, health, pulls, conversions, backfill, settings, last error.
 */
export function formatStatus(status: AdAccountStatus & MaybeHealth): string {
  const state = status.paused ? `paused${status.paused_reason ? ` (${status.paused_reason})` : ''}` : status.connection_status;
  const health = status.health?.state ? `${status.health.state}${status.health.failing_call ? ` (${status.health.failing_call}, attempt ${status.health.attempt ?? '?'})` : ''}` : '-';
  const lines = [
    `ad account ${status.ad_account_id}: ${state}`,
    `  health: ${health}`,
    `  last pull: ${time(status.last_pull_at)} UTC, next pull: ${time(status.next_pull_at)} UTC${status.rate_limited_until ? `, rate limited until ${time(status.rate_limited_until)} UTC` : ''}`,
    `  conversions: ${status.counters.conversions_received} received, ${status.counters.conversions_matched} matched, ${status.counters.conversions_sent} sent, ${status.counters.conversions_pending ?? 0} pending`,
    `  backfill: ${status.backfill_queue.length} piece${status.backfill_queue.length === 1 ? '' : 's'} queued, ${status.counters.backfill_ranges_done ?? 0} done`,
    `  settings: ${settingsLine(status.settings)}`,
    ...(status.last_error ? [`  last error: ${status.last_error}`] : []),
  ];
  return lines.map(terminalSafe).join('\n');
}

/** The answer of `setMsotOptIn`: whether the account is opted in, since when, and whether the grant allows it. */
export function formatMsot(answer: MsotOptIn): string {
  const state = answer.opted_in_at ? `on since ${time(answer.opted_in_at)} UTC` : 'off';
  const scope = answer.scope_granted ? 'the grant has scope msot:write' : 'the grant lacks scope msot:write: reconnect through a connect link';
  return `MSOT events: ${state}; ${scope}`;
}
