// The `setMsotOptIn` update of the ad account workflow: validated in its validator, then stored by
// an activity run from the handler itself (behind the `msot-opt-in` patch), so the main loop is
// untouched and runs that never get this update replay as before. Workflow code: deterministic.
import { ApplicationFailure, log, patched, setHandler } from '@temporalio/workflow';
import { msotOptInProblems, type MsotOptInRequest } from '../domain/msot-opt-in';
import { records } from './ad-account-calls';
import type { AdAccountState } from './ad-account-state';
import type { CallGuard } from './call-guards';
import { setMsotOptInUpdate } from './shared';

/** The patch the handler records before its activity. */
const MSOT_OPT_IN_PATCH = 'msot-opt-in';

/**
 * Registers `setMsotOptIn` on the account's workflow. Refused (nothing written to history) when the
 * caller's payload is refused (`guard`), when the request is wrong (`InvalidMsotOptIn`, e.g.
 * `opt_in: Invalid input: expected boolean, received string`) or when the account is disconnected.
 */
export function registerMsotOptInUpdate(state: AdAccountState, guard: CallGuard): void {
  setHandler(
    setMsotOptInUpdate,
    async (request: MsotOptInRequest) => {
      patched(MSOT_OPT_IN_PATCH);
      log.info('msot opt-in', { opt_in: request.opt_in });
      return records.saveMsotOptIn({ ad_account_id: state.input.ad_account_id, opt_in: request.opt_in });
    },
    {
      validator: (request: MsotOptInRequest) => {
        guard.check('setMsotOptIn', [request], 'payload');
        const problems = msotOptInProblems(request);
        if (problems.length > 0) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidMsotOptIn');
        if (state.connection.disconnected) throw ApplicationFailure.nonRetryable('the ad account is disconnected', 'InvalidState');
      },
    },
  );
}
