// CPA alerts in the ad account workflow (behind the `cpa-alerts` patch): the `setCpaTargets`
// update, stored by an activity from its own handler, and the evaluation after each pull and
// attribution round, run beside the loop like the reads, then the webhook's deliveries with
// Temporal's retry policy. Workflow code: deterministic, activities enter as types only.
import { ActivityFailure, ApplicationFailure, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activityTypes from '../activities/index';
import { cpaTargetsProblems, type CpaTargetsRequest } from '../domain/cpa-targets';
import { failureOf } from './ad-account-reads';
import type { AdAccountState } from './ad-account-state';
import type { CallGuard } from './call-guards';
import { ACTIVITY_OPTIONS, setCpaTargetsUpdate } from './shared';

/** The patch every CPA alert step runs behind (the update, the evaluations, the deliveries). */
const CPA_ALERTS_PATCH = 'cpa-alerts';

const records = proxyActivities<activityTypes.Activities>(ACTIVITY_OPTIONS.records);
const alerts = proxyActivities<activityTypes.Activities>(ACTIVITY_OPTIONS.cpaAlerts);
const webhook = proxyActivities<activityTypes.Activities>(ACTIVITY_OPTIONS.alertWebhook);

/** A pull succeeded: the costs changed, so an evaluation is due (runs with the patch). */
export function cpaAlertsAfterPull(state: AdAccountState): void {
  if (patched(CPA_ALERTS_PATCH)) state.cpaAlerts.due = true;
}

/** A record pump attributed `matched` conversions: an evaluation is due unless one ran within 15 minutes (CpaAlertTracker). */
export function cpaAlertsAfterPump(state: AdAccountState, matched: number): void {
  if (state.cpaAlerts.pumpWantsEvaluation(matched, Date.now()) && patched(CPA_ALERTS_PATCH)) state.cpaAlerts.due = true;
}

/**
 * Evaluates the account's alerts (`evaluateCpaAlerts`), then, when alerts wait for the webhook,
 * delivers them (`deliverCpaAlerts`, retried by Temporal). A failure shows in `last_error`
 * (`cpa alerts: ...`); undelivered alerts are posted after the next evaluation.
 */
export async function runCpaAlerts(state: AdAccountState): Promise<void> {
  const ad_account_id = state.input.ad_account_id;
  state.cpaAlerts.started();
  try {
    const summary = await alerts.evaluateCpaAlerts({ ad_account_id });
    state.cpaAlerts.evaluated(summary, Date.now());
    if (summary.opened > 0 || summary.cleared > 0) log.info('cpa alerts', { ad_account_id, open: summary.open, opened: summary.opened, cleared: summary.cleared });
    if (summary.undelivered > 0) state.cpaAlerts.delivered((await webhook.deliverCpaAlerts({ ad_account_id })).delivered);
  } catch (error) {
    state.lastError = `cpa alerts: ${failureOf(error).message}`;
    log.warn('cpa alerts failed', { ad_account_id, error: state.lastError });
  }
}

/**
 * Registers `setCpaTargets`: validated in its validator (`InvalidCpaTargets`, e.g. `account: must
 * be a positive decimal ...`; refused when disconnected), stored by `saveCpaTargets` (which refuses
 * a `currency` other than the account's), then an evaluation is due. Answers the targets in force.
 */
export function registerCpaTargetsUpdate(state: AdAccountState, guard: CallGuard): void {
  setHandler(
    setCpaTargetsUpdate,
    async (request: CpaTargetsRequest) => {
      patched(CPA_ALERTS_PATCH);
      log.info('cpa targets', { account: request.account, campaigns: Object.keys(request.campaigns ?? {}).length, pins: Object.keys(request.pins ?? {}).length });
      try {
        const targets = await records.saveCpaTargets({ ad_account_id: state.input.ad_account_id, ...request });
        state.cpaAlerts.due = true;
        return targets;
      } catch (error) {
        // The caller gets the activity's reason (`currency: ...`), not "Activity task failed".
        if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) throw ApplicationFailure.nonRetryable(error.cause.message, error.cause.type ?? 'InvalidCpaTargets');
        throw error;
      }
    },
    {
      validator: (request: CpaTargetsRequest) => {
        guard.check('setCpaTargets', [request], 'payload');
        const problems = cpaTargetsProblems(request);
        if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidCpaTargets');
        if (state.connection.disconnected) throw ApplicationFailure.nonRetryable('the ad account is disconnected', 'InvalidState');
      },
    },
  );
}
