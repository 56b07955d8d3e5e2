// The scale benchmark's figures read after the run: Temporal actions from the workflow histories,
// overlapping analytics requests of one ad account from the emulator's request times, and the
// busiest per-user minute of each rate-limit category from the emulator's counts.
import type { Client } from '@temporalio/client';
import { CONNECTION_STATUS, LAST_SUCCESSFUL_PULL } from '../workflows/shared';

/** Temporal Cloud's billable actions of the ad account workflows, as their histories show them. */
export interface HistoryActions {
  runs: number;
  /** WorkflowExecutionStarted: client starts (signal-with-start at connect) and continue-as-new. */
  workflow_starts: number;
  continue_as_new: number;
  /** WorkflowExecutionSignaled, by signal name. */
  signals: Record<string, number>;
  /** WorkflowExecutionUpdateAccepted (rejected updates leave no event and are not counted). */
  updates: number;
  timers: number;
  /** UpsertWorkflowSearchAttributes, by the attribute it set (TemporalChangeVersion-only upserts are not billed and not counted). */
  search_attribute_upserts: Record<string, number>;
  /** Activity attempts (each start or retry is an action), by activity type. */
  activity_attempts: Record<string, number>;
  /** Activities completed, by type (for per-pull and per-sync averages). */
  activities_completed: Record<string, number>;
  /** Workflow tasks with at least one local activity marker (all local activities of one task are one action). */
  local_activity_tasks: number;
  /** Timers started by accounts that received no Routy record, and how many entity syncs those accounts completed. */
  idle_accounts: { accounts: number; timers: number; entity_syncs: number };
}

const add = (map: Record<string, number>, key: string, n = 1) => {
  map[key] = (map[key] ?? 0) + n;
};

/**
 * Reads every run of every `adAccountWorkflow` (visibility lists closed and continued runs too)
 * and counts the history events Temporal Cloud bills as actions. `concurrency` histories are
 * fetched at a time.
 */
export async function countHistoryActions(client: Client, concurrency = 8): Promise<HistoryActions> {
  const runs: Array<{ workflowId: string; runId: string }> = [];
  for await (const run of client.workflow.list({ query: `WorkflowType = 'adAccountWorkflow'` })) runs.push({ workflowId: run.workflowId, runId: run.runId });
  const totals: HistoryActions = {
    runs: runs.length,
    workflow_starts: 0,
    continue_as_new: 0,
    signals: {},
    updates: 0,
    timers: 0,
    search_attribute_upserts: {},
    activity_attempts: {},
    activities_completed: {},
    local_activity_tasks: 0,
    idle_accounts: { accounts: 0, timers: 0, entity_syncs: 0 },
  };
  const perAccount = new Map<string, { timers: number; syncs: number; records: boolean }>();
  let next = 0;
  const work = async () => {
    while (next < runs.length) {
      const run = runs[next++]!;
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const account = perAccount.get(run.workflowId) ?? { timers: 0, syncs: 0, records: false };
      perAccount.set(run.workflowId, account);
      const activityTypes = new Map<string, string>();
      const markerTasks = new Set<string>();
      for (const event of history.events ?? []) {
        const id = String(event.eventId);
        if (event.workflowExecutionStartedEventAttributes) totals.workflow_starts += 1;
        if (event.workflowExecutionContinuedAsNewEventAttributes) totals.continue_as_new += 1;
        if (event.workflowExecutionSignaledEventAttributes) {
          const name = event.workflowExecutionSignaledEventAttributes.signalName ?? '?';
          add(totals.signals, name);
          if (name === 'recordsWaiting') account.records = true;
        }
        if (event.workflowExecutionUpdateAcceptedEventAttributes) totals.updates += 1;
        if (event.timerStartedEventAttributes) {
          totals.timers += 1;
          account.timers += 1;
        }
        const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
        if (upsert) {
          const keys = Object.keys(upsert.searchAttributes?.indexedFields ?? {}).filter((key) => key !== 'TemporalChangeVersion');
          if (keys.length > 0) add(totals.search_attribute_upserts, keys.sort().join('+'));
        }
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled) activityTypes.set(id, scheduled.activityType?.name ?? '?');
        const started = event.activityTaskStartedEventAttributes;
        if (started) add(totals.activity_attempts, activityTypes.get(String(started.scheduledEventId)) ?? '?', started.attempt ?? 1);
        const completed = event.activityTaskCompletedEventAttributes;
        if (completed) {
          const type = activityTypes.get(String(completed.scheduledEventId)) ?? '?';
          add(totals.activities_completed, type);
          if (type === 'syncEntities') account.syncs += 1;
          if (type === 'pumpRecords') account.records = true;
        }
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName === 'core_local_activity') markerTasks.add(String(marker.workflowTaskCompletedEventId));
      }
      totals.local_activity_tasks += markerTasks.size;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, work));
  for (const account of perAccount.values()) {
    if (account.records) continue;
    totals.idle_accounts.accounts += 1;
    totals.idle_accounts.timers += account.timers;
    totals.idle_accounts.entity_syncs += account.syncs;
  }
  return totals;
}

/** Pulls a day at the default schedule (every 4 hours) and entity syncs (hourly). */
const PULLS_PER_DAY = 6;
const SYNCS_PER_DAY = 24;

/**
 * Scales the actions counted over the run to one ad account and one day at the default schedule:
 * the scheduled part from what one pull and one entity sync cost here, the records part (Routy's
 * conversions and touchpoints under this run's load) in proportion to the load's duration.
 */
export function actionsPerAccountDay(actions: HistoryActions, run: { accounts: number; loadSeconds: number; conversionsPerSecond: number; conversionsAccepted: number }) {
  const attempts = (type: string) => actions.activity_attempts[type] ?? 0;
  const done = (type: string) => Math.max(1, actions.activities_completed[type] ?? 0);
  const perPull = (attempts('pullMetrics') + (actions.search_attribute_upserts[LAST_SUCCESSFUL_PULL.name] ?? 0)) / done('pullMetrics');
  const perSync = attempts('syncEntities') / done('syncEntities');
  const timersPerRound = actions.idle_accounts.timers / Math.max(1, actions.idle_accounts.entity_syncs);
  const scheduled = PULLS_PER_DAY * perPull + SYNCS_PER_DAY * (perSync + timersPerRound);
  const total = (map: Record<string, number>) => Object.values(map).reduce((sum, n) => sum + n, 0);
  const all = actions.workflow_starts + total(actions.signals) + actions.updates + actions.timers + total(actions.search_attribute_upserts) + total(actions.activity_attempts) + actions.local_activity_tasks;
  const once = actions.workflow_starts - actions.continue_as_new + (actions.signals.connected ?? 0) + total(Object.fromEntries(Object.entries(actions.search_attribute_upserts).filter(([key]) => key.includes(CONNECTION_STATUS.name))));
  const scheduledInRun = attempts('pullMetrics') + (actions.search_attribute_upserts[LAST_SUCCESSFUL_PULL.name] ?? 0) + attempts('syncEntities') + timersPerRound * (actions.activities_completed.syncEntities ?? 0);
  const records = Math.max(0, all - once - scheduledInRun);
  const recordsPerDay = (records / run.accounts) * (86_400 / Math.max(1, run.loadSeconds));
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    value: round(scheduled + recordsPerDay),
    scheduled_per_day: round(scheduled),
    records_per_day: round(recordsPerDay),
    conversions_per_account_day: round((run.conversionsPerSecond * 86_400) / run.accounts),
    records_actions_per_conversion: round(records / Math.max(1, run.conversionsAccepted)),
    actions_per_pull: round(perPull),
    actions_per_entity_sync: round(perSync),
    timers_per_scheduled_round: round(timersPerRound),
    connect_actions_per_account_once: round(once / run.accounts),
    actions_counted_in_run: all,
    scaling:
      `scheduled: ${PULLS_PER_DAY} pulls × actions_per_pull (pullMetrics attempts + the PinterestLastSuccessfulPull upsert, per completed pull) + ${SYNCS_PER_DAY} entity syncs × ` +
      `(actions_per_entity_sync + timers_per_scheduled_round: the timer each wait for the next round starts, measured on accounts that got no records). ` +
      `records: every other action of the run (recordsWaiting signals, record pumps, sends, their timers) per account, × 86,400 / the load's ${Math.round(run.loadSeconds)} s, ` +
      `i.e. at this run's load of ${run.conversionsPerSecond} conversions and as many clicks per second over all accounts (conversions_per_account_day; records_actions_per_conversion rescales it to another load). Not in the figure: the connect (start, connected signal, status upsert, ` +
      `connect_actions_per_account_once, once per account), continue-as-new (none in a day's history at this size), the bench's own status queries, activity heartbeats (not in histories; ` +
      `the SDK throttles them to 80% of the 30 s heartbeat timeout, so a pull of seconds sends none) and rejected updates. The first pull (91 days) costs the same one activity as the 4-hourly ones.`,
  };
}

/** One analytics request as the emulator saw it: arrival and answer (or abort) times, epoch ms. */
export interface TimedRequest {
  adAccountId: string;
  start: number;
  end?: number;
}

/**
 * Analytics requests of one ad account that arrived while another of the same account was still
 * unanswered. A pull attempt asks for its levels and id units one after another, so each such
 * request is a second pull attempt of the account running at the same time as the first.
 */
export function overlappingRequests(requests: TimedRequest[]): number {
  const byAccount = new Map<string, TimedRequest[]>();
  for (const request of requests) byAccount.set(request.adAccountId, [...(byAccount.get(request.adAccountId) ?? []), request]);
  let overlaps = 0;
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.start - b.start);
    let busyUntil = -Infinity;
    for (const request of list) {
      if (request.start < busyUntil) overlaps += 1;
      busyUntil = Math.max(busyUntil, request.end ?? Infinity);
    }
  }
  return overlaps;
}

/** Pinterest's rate-limit category of an emulator route (`GET /ad_accounts/{ad_account_id}/ads/analytics`). */
function categoryOf(route: string): string {
  if (route.includes('/analytics') || route.includes('/reports')) return 'ads_analytics';
  if (route.includes('/events')) return 'ads_conversions';
  if (route.startsWith('GET /ad_accounts')) return 'ads_read';
  if (route.includes('/oauth/')) return 'oauth';
  return 'org_read';
}

/** The most requests one user sent in one UTC minute, per rate-limit category. */
export function busiestUserMinute(counts: Array<{ user: string; minute: string; route: string; requests: number }>): Record<string, number> {
  const perMinute = new Map<string, number>();
  for (const { user, minute, route, requests } of counts) {
    const key = `${categoryOf(route)}|${user}|${minute}`;
    perMinute.set(key, (perMinute.get(key) ?? 0) + requests);
  }
  const busiest: Record<string, number> = {};
  for (const [key, requests] of perMinute) {
    const category = key.split('|')[0]!;
    busiest[category] = Math.max(busiest[category] ?? 0, requests);
  }
  return busiest;
}
