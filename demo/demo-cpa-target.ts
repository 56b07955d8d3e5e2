// The demo account's target cost per conversion: the demo sets it after its traffic, so the
// evaluation that follows shows what the alerts are for (a slow-burn pin that pays back within
// 30 days though a 7-day report says it does not).
import { cpaTargetsProblems } from '../domain/cpa-targets';

/** Target in USD (the demo account's currency) when `ROUTY_DEMO_CPA_TARGET` is unset. */
const DEMO_CPA_TARGET = '50.00';

/** `ROUTY_DEMO_CPA_TARGET`, or DEMO_CPA_TARGET. @throws Error naming the variable when it is not a positive decimal. */
export function demoCpaTarget(env: NodeJS.ProcessEnv): string {
  const value = env.ROUTY_DEMO_CPA_TARGET?.trim() || DEMO_CPA_TARGET;
  const problems = cpaTargetsProblems({ account: value });
  if (problems.length > 0) throw new Error(`ROUTY_DEMO_CPA_TARGET: ${problems.join('; ').replace(/^account: /, '')}`);
  return value;
}
