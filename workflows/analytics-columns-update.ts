// The `setAnalyticsColumns` update of the ad account workflow: validated in its validator (the
// spec's sync `columns` enum, domain/analytics-columns.ts), then stored by an activity run from the
// handler itself, so the main loop is untouched and runs that never get this update replay as
// before. Workflow code: deterministic, activities enter as types only.
import { ApplicationFailure, log, setHandler } from '@temporalio/workflow';
import { analyticsColumnsProblems, type AnalyticsColumnsRequest } from '../domain/analytics-columns';
import { records } from './ad-account-calls';
import type { AdAccountState } from './ad-account-state';
import type { CallGuard } from './call-guards';
import { setAnalyticsColumnsUpdate } from './shared';

/**
 * Registers `setAnalyticsColumns` on the account's workflow. Refused (nothing written to history)
 * when the caller's payload is refused (`guard`), when a field is wrong (`InvalidAnalyticsColumns`,
 * e.g. `columns.2: "FOO" is not a Pinterest analytics column`) or when the account is disconnected.
 */
export function registerAnalyticsColumnsUpdate(state: AdAccountState, guard: CallGuard): void {
  setHandler(
    setAnalyticsColumnsUpdate,
    async (request: AnalyticsColumnsRequest) => {
      log.info('analytics columns', { level: request.level, columns: request.columns });
      return records.saveAnalyticsColumns({ ad_account_id: state.input.ad_account_id, level: request.level, columns: request.columns });
    },
    {
      validator: (request: AnalyticsColumnsRequest) => {
        guard.check('setAnalyticsColumns', [request], 'payload');
        const problems = analyticsColumnsProblems(request);
        if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidAnalyticsColumns');
        if (state.connection.disconnected) throw ApplicationFailure.nonRetryable('the ad account is disconnected', 'InvalidState');
      },
    },
  );
}
