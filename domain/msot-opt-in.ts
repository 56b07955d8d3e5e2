// The `setMsotOptIn` update's request: whether an ad account's conversions are also posted to
// Pinterest as Measurement Source of Truth events. Pure; validated in the workflow's validator.
import { z } from 'zod';

/** `{opt_in: true}` opts in, `{opt_in: false}` out; nothing else is taken. */
export interface MsotOptInRequest {
  opt_in: boolean;
}

/** What the account now has: since when it is opted in (ISO time; null: not) and whether its grant has scope `msot:write`. */
export interface MsotOptIn {
  opted_in_at: string | null;
  scope_granted: boolean;
}

const requestSchema = z.object({ opt_in: z.boolean() }).strict();

/** What is wrong with a `setMsotOptIn` request, one message per field (e.g. `opt_in: expected boolean, received string`); empty when none. */
export function msotOptInProblems(request: unknown): string[] {
  const parsed = requestSchema.safeParse(request);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
}
