// Property-based fuzzing of the HTTP ingress (fast-check): batches mixing valid conversions and
// touchpoints with broken ones (wrong types, missing fields, odd Unicode, SQL-looking text,
// millisecond / future / pre-2000 times, deep nesting, unknown fields) and hostile shapes (many
// keys, long keys, long strings, nesting past the limit), then the fixed adversarial cases of
// adversarial-bodies.ts. Used by the test suite (few runs) and by `npm run chaos` (10,000+).
import fc from 'fast-check';
import secureJson from 'secure-json-parse';
import { prepareConversions } from '../../domain/routy-records';
import { healthzOnce, postAdversarial, type AdversarialAnswer } from './adversarial-bodies';

/** What a fuzz run saw. Every accepted conversion's event_id is kept to check nothing is lost. */
export interface FuzzOutcome {
  cases: number;
  answers: Record<string, number>;
  accepted_conversions: string[];
  accepted_touchpoints: number;
  rejections: number;
  /** Problems found: an answer that was not 202/400, a rejection without a field, a crash, an unbounded issue list. */
  failures: string[];
  /** The slowest answer of the run (generated and adversarial requests), ms, and what it answered. */
  slowest_answer_ms: number;
  slowest_answer_case: string;
  /** The fixed adversarial cases' figures (adversarial-bodies.ts). */
  adversarial: AdversarialAnswer[];
}

const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    "'; DROP TABLE conversions; --",
    '1 OR 1=1',
    '\u0000',
    '\uD800',
    '\u202Eevil\u202C',
    '𝕏🧪👩🏽‍🚀',
    'Ｆｕｌｌｗｉｄｔｈ',
    '<script>alert(1)</script>',
    '${jndi:ldap://x}',
    '../../etc/passwd',
    ' ',
    '',
  ),
);
const badTime = fc.oneof(
  fc.constant(Date.now()), // milliseconds
  fc.integer({ min: 0, max: 946_684_799 }), // before 2000, in seconds
  fc.constant(Math.floor(Date.now() / 1000) + 7 * 86_400), // a week ahead
  fc.constant('2026-13-45T25:61:00Z'),
  fc.constant('yesterday'),
  fc.double(),
  oddText,
);
/** Nesting `depth` levels deep: [[[...]]] or {"a":{"a":...}}. */
const deep = fc.tuple(fc.integer({ min: 50, max: 3000 }), fc.boolean()).map(([depth, asArray]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = asArray ? [value] : { a: value };
  return value;
});
const anyValue = fc.oneof(oddText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 2 }), deep);

let serial = 0;
const validConversion = (adAccountId: string, runId: string) =>
  fc.record({
    value: fc.integer({ min: 0, max: 100_000 }).map((cents) => (cents / 100).toFixed(2)),
    email: fc.emailAddress(),
    minutesAgo: fc.integer({ min: 1, max: 60 * 24 * 6 }),
  }).map(({ value, email, minutesAgo }) => ({
    event_id: `fuzz-${runId}-${(serial += 1)}`,
    event_name: 'checkout',
    event_time: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    ad_account_id: adAccountId,
    value,
    currency: 'USD',
    user: { email, ip: '203.0.113.7', user_agent: 'fuzz' },
  }));

/** A valid conversion with one field broken, removed, or an unknown one added. */
const brokenConversion = (adAccountId: string, runId: string) =>
  fc
    .tuple(
      validConversion(adAccountId, runId),
      fc.constantFrom('event_id', 'event_name', 'event_time', 'ad_account_id', 'value', 'currency', 'user', 'user.email', 'click_id', 'action_source', 'surprise'),
      fc.oneof(anyValue, badTime, fc.constant(undefined)),
    )
    .map(([record, field, value]) => {
      const copy: Record<string, unknown> = structuredClone(record);
      if (field === 'user.email') (copy.user as Record<string, unknown>).email = value;
      else if (value === undefined && field !== 'surprise') delete copy[field];
      else copy[field] = value;
      return copy;
    });

const touchpoint = (adAccountId: string) =>
  fc.oneof(
    fc.record({ hoursAgo: fc.integer({ min: 1, max: 24 * 20 }), n: fc.integer({ min: 0, max: 1e9 }) }).map(({ hoursAgo, n }) => ({
      ad_account_id: adAccountId,
      type: 'click',
      occurred_at: new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
      click_id: `fuzz-click-${n}`,
      ad_id: '687195905901',
    })),
    fc.record({ type: fc.oneof(fc.constantFrom('click', 'save', 'view', 'CLICK'), anyValue), occurred_at: badTime, ad_account_id: fc.oneof(fc.constant(adAccountId), anyValue) }),
  );

/** One conversion made hostile: thousands of keys, long keys, a long string, or nesting past 64 levels. */
const hostileConversion = (adAccountId: string) =>
  fc.oneof(
    fc.integer({ min: 1000, max: 50_000 }).map((n) => ({ shape: `${n} unknown keys`, record: { ad_account_id: adAccountId, ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])) } })),
    fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 10_000, max: 200_000 })).map(([n, length]) => ({
      shape: `${n} keys of ${length} characters`,
      record: Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i}${'k'.repeat(length)}`, i])),
    })),
    fc.tuple(fc.constantFrom('event_id', 'order_id', 'click_id', 'event_source_url', 'currency'), fc.integer({ min: 1000, max: 1_000_000 })).map(([field, length]) => ({
      shape: `${field} of ${length} characters`,
      record: { event_id: 'long', event_name: 'lead', event_time: 1_790_000_000, ad_account_id: adAccountId, [field]: 'x'.repeat(length) },
    })),
    fc.integer({ min: 65, max: 3000 }).map((depth) => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i += 1) value = [value];
      return { shape: `nested ${depth} levels`, record: { event_id: 'deep', user: value } };
    }),
  );

/** A request body: mostly batches, sometimes not even an object, sometimes hostile. */
const body = (adAccountId: string, runId: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(fc.oneof(validConversion(adAccountId, runId), brokenConversion(adAccountId, runId), anyValue), { minLength: 1, maxLength: 8 }).map((conversions) => ({ route: '/v1/conversions', body: { conversions } })) },
    { weight: 2, arbitrary: fc.array(touchpoint(adAccountId), { minLength: 1, maxLength: 5 }).map((touchpoints) => ({ route: '/v1/touchpoints', body: { touchpoints } })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/v1/conversions', '/v1/touchpoints'), anyValue).map(([route, value]) => ({ route, body: value })) },
    { weight: 1, arbitrary: fc.array(hostileConversion(adAccountId), { minLength: 1, maxLength: 3 }).map((hostile) => ({ route: '/v1/conversions', body: { conversions: hostile.map((h) => h.record) }, shape: hostile.map((h) => h.shape).join(', ') })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/v1/conversions', '/v1/touchpoints'), fc.constantFrom('{"conversions": [', 'null', '[]', '{"__proto__": {"polluted": 1}, "conversions": []}', '{"constructor": {"prototype": {}}}', '\u0000')).map(([route, raw]) => ({ route, raw })) },
  );

/**
 * Posts `runs` generated bodies to the ingress and checks each answer: 202 or 400 (never 5xx or a
 * dropped connection); every rejection and issue names a field; every 202's accepted count matches
 * the conversions it took. Accepted conversions' event_ids are returned for a "nothing lost" check.
 */
export async function fuzzIngress(options: { ingressUrl: string; token: string; adAccountId: string; runs: number; seed?: number }): Promise<FuzzOutcome> {
  const runId = `${Date.now().toString(36)}`;
  const outcome: FuzzOutcome = { cases: 0, answers: {}, accepted_conversions: [], accepted_touchpoints: 0, rejections: 0, failures: [], slowest_answer_ms: 0, slowest_answer_case: '', adversarial: [] };
  const timed = (ms: number, what: string) => {
    if (ms <= outcome.slowest_answer_ms) return;
    outcome.slowest_answer_ms = Math.round(ms);
    outcome.slowest_answer_case = what;
  };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.token}` };
  await fc.assert(
    fc.asyncProperty(body(options.adAccountId, runId), async (request) => {
      outcome.cases += 1;
      const raw = 'raw' in request ? request.raw : JSON.stringify(request.body ?? null);
      let response: Response;
      const start = performance.now();
      try {
        response = await fetch(`${options.ingressUrl}${request.route}`, { method: 'POST', headers, body: raw });
      } catch (error) {
        outcome.failures.push(`no answer: ${String(error)}`);
        return;
      }
      outcome.answers[response.status] = (outcome.answers[response.status] ?? 0) + 1;
      const answer = (await response.json().catch(() => ({}))) as {
        accepted?: number;
        rejected?: Array<{ index: number; field?: string }>;
        duplicates?: Array<{ index: number }>;
        issues?: Array<{ field?: string }>;
      };
      timed(performance.now() - start, 'shape' in request ? `generated: ${request.shape}` : `generated ${request.route} (${raw.length} bytes)`);
      const perRecord = new Map<number, number>();
      for (const r of answer.rejected ?? []) perRecord.set(r.index, (perRecord.get(r.index) ?? 0) + 1);
      if (Math.max(0, ...perRecord.values()) > 11) outcome.failures.push(`more than 11 issues for one record: ${raw.slice(0, 200)}`);
      if (response.status !== 202 && response.status !== 400) outcome.failures.push(`HTTP ${response.status} for ${raw.slice(0, 200)}`);
      for (const r of [...(answer.rejected ?? []), ...(answer.issues ?? [])]) {
        outcome.rejections += 1;
        if (typeof r.field !== 'string' || r.field === '') outcome.failures.push(`a rejection without a field: ${JSON.stringify(r)}`);
      }
      if (response.status === 202 && 'body' in request && request.route === '/v1/conversions') {
        // The records as the server read them: JSON round trip, __proto__ / constructor keys removed.
        const records = (secureJson.parse(raw, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as { conversions: unknown[] }).conversions;
        // Repeats of an event_id taken before (a generated constant such as "1 OR 1=1" can come twice) are not taken again either.
        const refused = new Set([...(answer.rejected ?? []), ...(answer.duplicates ?? [])].map((r) => r.index));
        // The event_id as stored: the ingress trims it.
        const taken = records.flatMap((r, i) => (refused.has(i) ? [] : prepareConversions([r]).accepted.map((a) => a.record.event_id)));
        if (taken.length !== answer.accepted) outcome.failures.push(`accepted ${answer.accepted} but ${taken.length} not refused`);
        outcome.accepted_conversions.push(...taken);
      } else if (response.status === 202) {
        outcome.accepted_touchpoints += answer.accepted ?? 0;
      }
    }),
    { numRuns: options.runs, ...(options.seed === undefined ? {} : { seed: options.seed }), endOnFailure: true },
  );
  // Beyond the body limit: refused with 413 before it is read (the server may close the
  // connection before the client finished sending, which the client sees as a reset), and the
  // process still answers.
  const huge = await fetch(`${options.ingressUrl}/v1/conversions`, { method: 'POST', headers, body: `{"conversions":["${'x'.repeat(11 * 1024 * 1024)}"]}` })
    .then((r) => String(r.status))
    .catch(() => 'reset');
  outcome.cases += 1;
  outcome.answers[huge] = (outcome.answers[huge] ?? 0) + 1;
  if (huge !== '413' && huge !== 'reset') outcome.failures.push(`an 11 MB body answered ${huge}, not 413`);
  // The fixed hostile shapes, /healthz polled meanwhile.
  const adversarial = await postAdversarial({ ingressUrl: options.ingressUrl, headers, adAccountId: options.adAccountId });
  outcome.adversarial = adversarial.answers;
  outcome.failures.push(...adversarial.failures);
  for (const answer of adversarial.answers) {
    outcome.cases += 1;
    outcome.answers[answer.status] = (outcome.answers[answer.status] ?? 0) + 1;
    timed(answer.answer_ms, answer.case);
  }
  const health = await healthzOnce(options.ingressUrl);
  if (health !== 200) outcome.failures.push(`the ingress stopped answering (/healthz: ${health})`);
  return outcome;
}
