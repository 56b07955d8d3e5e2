// Which signals and updates an ad account workflow takes. With ROUTY_ENCRYPTION_KEYS set, the
// codec decodes a payload it cannot take (unencrypted: a Temporal client without the keys; not
// decryptable; bound to another workflow) to a refused value (workflows/refused-payload.ts):
// refused here, in every signal and update. A call with no payload would carry nothing to refuse,
// so runs started with the `calls-carry-their-origin` patch take every call only with its
// argument: the payload-less ones (`resume`, `disconnect`, `pullNow`, `connected`,
// `recordsWaiting`) carry their origin, `{call, by}`, encrypted like any payload, whose `call`
// must name the call it comes with (a `resume` origin read from history is no `disconnect`).
// Workflow code: deterministic, no I/O.
import { ApplicationFailure, log } from '@temporalio/workflow';
import { z } from 'zod';
import { fieldIssues } from '../domain/field-issues';
import { refusalOf } from './refused-payload';
import type { AdAccountCounters } from './ad-account-types';

/** `type` of the ApplicationFailure a refused update or workflow start fails with. */
export const REFUSED_CALL = 'RefusedCall';

/** Patch of the runs that refuse calls without their argument (see CallGuard). */
export const ORIGIN_PATCH = 'calls-carry-their-origin';

/**
 * What a call argument is: `origin`, a CallOrigin (`{by}`, the calls that have nothing else to
 * carry); `payload`, the call's own argument (records, a pause request, settings, a range).
 */
export type CallArgument = 'origin' | 'payload';

const byText = 'must be a string of 1 to 200 characters';
const originSchema = (call: string) =>
  z.strictObject(
    {
      call: z.literal(call, { error: `must be "${call}", the call it comes with` }),
      by: z.string({ error: byText }).min(1, byText).max(200, byText),
    },
    { error: `must be an object like {"call": "${call}", "by": "ops: Ana"}: the call and who sends it` },
  );

/** What is wrong with the origin (`{call, by}`) of the call `call`, one `origin.field: message` line each; empty when valid. */
export function callOriginProblems(call: string, origin: unknown): string[] {
  const parsed = originSchema(call).safeParse(origin);
  if (parsed.success) return [];
  return fieldIssues(parsed.error, '').map(({ field, message }) => `${field ? `origin.${field}` : 'origin'}: ${message}`);
}

/**
 * Refuses a workflow input the codec refused (a start by a Temporal client without the keys) or
 * one that is missing: the run fails at once instead of failing its workflow task again and again.
 * @throws ApplicationFailure of type REFUSED_CALL (non-retryable).
 */
export function refuseUnusableInput(input: unknown): void {
  const refused = refusalOf(input);
  if (refused !== undefined) throw ApplicationFailure.nonRetryable(`workflow input: ${refused}`, REFUSED_CALL);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw ApplicationFailure.nonRetryable('workflow input: must be an object like {"ad_account_id": "...", "settings": {...}, "schedule": {...}}', REFUSED_CALL);
}

/**
 * Checks every signal and update of one run before it takes effect. `argumentsRequired`: the run
 * has the ORIGIN_PATCH (runs started before it take payload-less calls as they always did).
 * Refused signals are dropped, counted in `counters.signals_refused` and logged; refused updates
 * are rejected in their validator, before they are accepted (nothing is written to history).
 */
export class CallGuard {
  constructor(
    private readonly argumentsRequired: boolean,
    private readonly counters: AdAccountCounters,
  ) {}

  /** Why the call `name` with `args` is refused, or undefined when it is taken. */
  refusal(name: string, args: unknown[], takes: CallArgument): string | undefined {
    for (const arg of args) {
      const refused = refusalOf(arg);
      if (refused !== undefined) return `${name}: ${refused}`;
    }
    if (!this.argumentsRequired) return undefined;
    if (takes === 'origin') {
      const problems = callOriginProblems(name, args[0]);
      return problems.length > 0 ? `${name}: ${problems.join('; ')}` : undefined;
    }
    return args[0] === undefined || args[0] === null ? `${name}: its argument is missing` : undefined;
  }

  /** `handler`, run only for a signal that is taken. */
  signal<A extends unknown[]>(name: string, takes: CallArgument, handler: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      const refused = this.refusal(name, args, takes);
      if (refused === undefined) return handler(...args);
      this.counters.signals_refused = (this.counters.signals_refused ?? 0) + 1;
      log.warn('signal refused', { signal: name, reason: refused });
    };
  }

  /** For `setDefaultSignalHandler`: a signal no handler takes is dropped and counted (never left buffered). */
  unknownSignal(name: string): void {
    this.counters.signals_refused = (this.counters.signals_refused ?? 0) + 1;
    log.warn('signal refused', { signal: name.slice(0, 200), reason: 'no such signal' });
  }

  /**
   * For an update's validator: returns when the call is taken.
   * @throws ApplicationFailure of type REFUSED_CALL (non-retryable) naming the update and why.
   */
  check(name: string, args: unknown[], takes: CallArgument): void {
    const refused = this.refusal(name, args, takes);
    if (refused !== undefined) throw ApplicationFailure.nonRetryable(refused, REFUSED_CALL);
  }
}
