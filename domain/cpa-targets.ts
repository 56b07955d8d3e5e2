// Target cost per conversion of an ad account, with optional per-campaign and per-pin (ad)
// targets overriding it: the `setCpaTargets` update's request, its validation and the stored
// answer. Pure; validated in the workflow's validator (no I/O, no node:crypto).
import { z } from 'zod';
import { problemLines } from './field-issues';
import { decimalToMicro } from './money';

/** Largest target taken, in currency units (12 digits before the point, as conversion values). */
const MAX_TARGET_UNITS = 999_999_999_999;

const targetText = 'must be a positive decimal in the account currency with at most 6 decimals (e.g. 12.50), or null to clear it';

/**
 * One target in currency units of the ad account's currency: a positive number or decimal string
 * (`12.5`, `"12.50"`) with at most 12 digits before the point and 6 after; `null` clears it.
 */
const targetValue = z.union([z.number(), z.string(), z.null()], { error: targetText }).superRefine((value, ctx) => {
  if (value === null) return;
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (!/^\d{1,12}(\.\d{1,6})?$/.test(text) || Number(text) <= 0 || Number(text) > MAX_TARGET_UNITS) ctx.addIssue({ code: 'custom', message: targetText });
});

/** A campaign or ad id as Pinterest writes it: digits only. */
const entityId = z.string().regex(/^\d{1,19}$/, 'must be 1 to 19 digits');

const requestSchema = z.strictObject({
  account: targetValue.optional(),
  campaigns: z.record(entityId, targetValue).optional(),
  pins: z.record(entityId, targetValue).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').optional(),
}, { error: 'must be an object like {"account": 12.5, "campaigns": {"<id>": 20}, "pins": {"<ad id>": null}}' });

/**
 * The `setCpaTargets` update's request. Targets are in units of the ad account's currency
 * (`currency`, when given, must be it: the activity refuses another). `account` is the account's
 * target; `campaigns` and `pins` map a campaign id, or an ad id (the `id` of the pin report's rows),
 * to a target overriding the account's (a pin also takes its campaign's). `null` clears a target;
 * keys left out keep theirs. `{}` changes nothing and answers the targets in force.
 */
export interface CpaTargetsRequest {
  account?: number | string | null;
  campaigns?: Record<string, number | string | null>;
  pins?: Record<string, number | string | null>;
  currency?: string;
}

/** The targets in force (the answer of `setCpaTargets`), in currency units of `currency`; ids as strings. */
export interface CpaTargets {
  ad_account_id: string;
  currency: string;
  account: number | null;
  campaigns: Record<string, number>;
  pins: Record<string, number>;
}

/** The levels a target is set at: the account (`entity_id` ''), a campaign, a pin (ad). */
export type CpaTargetLevel = 'account' | 'campaign' | 'pin';

/** One target change, in micro-currency (null: clear it), as the store writes it. */
export interface CpaTargetChange {
  level: CpaTargetLevel;
  entity_id: string;
  target_micro: string | null;
}

/** What is wrong with a `setCpaTargets` request, one `field: message` line per field (e.g. `campaigns.626736533506: must be a positive decimal ...`); empty when valid. */
export function cpaTargetsProblems(request: unknown): string[] {
  return problemLines(requestSchema.safeParse(request));
}

/** A valid request's changes, in micro-currency. @throws Error when the request has problems (see cpaTargetsProblems). */
export function cpaTargetChanges(request: CpaTargetsRequest): CpaTargetChange[] {
  const problems = cpaTargetsProblems(request);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const micro = (value: number | string | null) => (value === null ? null : decimalToMicro(String(value)));
  const changes: CpaTargetChange[] = [];
  if (request.account !== undefined) changes.push({ level: 'account', entity_id: '', target_micro: micro(request.account) });
  for (const [id, value] of Object.entries(request.campaigns ?? {})) changes.push({ level: 'campaign', entity_id: id, target_micro: micro(value) });
  for (const [id, value] of Object.entries(request.pins ?? {})) changes.push({ level: 'pin', entity_id: id, target_micro: micro(value) });
  return changes;
}

/**
 * The target that applies to a row (currency units; undefined: none): at pin level the pin's (ad's)
 * own, else its campaign's, else the account's; at campaign level the campaign's, else the account's.
 */
export function targetFor(targets: CpaTargets, level: 'campaign' | 'pin', id: string, campaignId: string | undefined): number | undefined {
  const own = level === 'pin' ? targets.pins[id] : targets.campaigns[id];
  const campaign = level === 'pin' && campaignId !== undefined ? targets.campaigns[campaignId] : undefined;
  return own ?? campaign ?? targets.account ?? undefined;
}
