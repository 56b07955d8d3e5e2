// Hostile request shapes for the ingress (issue 14): many keys, long keys, deep nesting, many
// records, long strings, and a made-up signature on a large body. Each must be answered with a
// small, bounded refusal while `/healthz` keeps answering. Used by the fuzz suite
// (bench/chaos/ingress-fuzz.ts, so also `npm run chaos`) and by `npm run bench -- ingress-adversarial`.
import http from 'node:http';

/** One hostile request: the raw body, the route, and the statuses that are a correct answer. */
interface AdversarialCase {
  name: string;
  route: '/v1/conversions' | '/v1/touchpoints';
  body: string;
  /** Extra headers (a made-up signature); by default the caller's bearer token is sent. */
  headers?: Record<string, string>;
  expect: number[];
}

/** What one case got: status, answer time and size (ms, bytes), and the most issues listed for one record. */
export interface AdversarialAnswer {
  case: string;
  body_bytes: number;
  status: number | 'reset';
  answer_ms: number;
  answer_bytes: number;
  most_issues_per_record: number;
  /** The slowest `/healthz` answer while this case was in flight, ms. */
  healthz_worst_ms: number;
}

/** Largest number of `{index, field, message}` entries one record may get: 10 and a summary. */
const MOST_ISSUES_PER_RECORD = 11;
/** Largest number of issues a whole-body refusal may list: 100 and a summary. */
const MOST_ISSUES_PER_ANSWER = 101;

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const withKeys = (count: number, keyOf: (i: number) => string) => Object.fromEntries(Array.from({ length: count }, (_, i) => [keyOf(i), i]));

/** The hostile cases, each at most about 9 MB (under the 10 MB body limit). */
function adversarialCases(adAccountId: string): AdversarialCase[] {
  const conversion = { event_id: 'adversarial-1', event_name: 'lead', event_time: new Date().toISOString(), ad_account_id: adAccountId };
  const conversions = (records: unknown[]) => JSON.stringify({ conversions: records });
  return [
    { name: 'many-keys', route: '/v1/conversions', body: conversions([{ ...conversion, ...withKeys(200_000, (i) => `k${i}`) }]), expect: [400] },
    { name: 'many-keys-in-user', route: '/v1/conversions', body: conversions([{ ...conversion, user: withKeys(200_000, (i) => `u${i}`) }]), expect: [400] },
    { name: 'many-keys-touchpoint', route: '/v1/touchpoints', body: JSON.stringify({ touchpoints: [{ ad_account_id: adAccountId, ...withKeys(200_000, (i) => `k${i}`) }] }), expect: [400] },
    { name: 'many-envelope-keys', route: '/v1/conversions', body: JSON.stringify({ conversions: [conversion], ...withKeys(200_000, (i) => `e${i}`) }), expect: [400] },
    { name: 'long-keys', route: '/v1/conversions', body: conversions([{ ...conversion, ...withKeys(8, (i) => `${i}${'k'.repeat(1_000_000)}`) }]), expect: [400] },
    { name: 'deep-nesting', route: '/v1/conversions', body: `{"conversions":[{"user":${deepArray(1_000_000)}}]}`, expect: [400] },
    { name: 'deep-nesting-objects', route: '/v1/conversions', body: `{"conversions":[${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}]}`, expect: [400] },
    { name: 'many-records', route: '/v1/conversions', body: conversions(Array.from({ length: 5000 }, (_, i) => ({ event_id: `adversarial-many-${i}`, event_name: 'nope', ...withKeys(40, (k) => `unknown_field_${k}`) }))), expect: [400] },
    { name: 'too-many-records', route: '/v1/conversions', body: conversions(Array.from({ length: 1_000_000 }, () => 0)), expect: [400] },
    { name: 'long-strings', route: '/v1/conversions', body: conversions([{ ...conversion, event_id: 'x'.repeat(4_000_000), user: { email: 'y'.repeat(4_000_000) } }]), expect: [400] },
    {
      name: 'made-up-signature',
      route: '/v1/conversions',
      body: `{"conversions":${deepArray(4_000_000)}}`,
      headers: { 'x-routy-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      expect: [401],
    },
  ];
}

/**
 * One request on a connection of its own, as a health check or a new client makes it: the status
 * and body, or the socket error's text. Building the hostile bodies blocks this process for
 * seconds; a pooled keep-alive connection the server closed meanwhile (its keep-alive timeout)
 * would be reset as it is reused: the client's race, not an ingress that stopped answering.
 */
function requestOnce(url: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string } | string> {
  return new Promise((resolve) => {
    const request = http.request(new URL(url), { method: init.method, headers: init.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      response.on('error', (error) => resolve(String(error)));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(`${error.code ?? ''} ${error.message}`.trim()));
    request.end(init.body);
  });
}

/** `POST` of `body` on a connection of its own (see requestOnce). */
const postOnce = (url: string, headers: Record<string, string>, body: string) => requestOnce(url, { method: 'POST', headers, body });

/** One `GET /healthz` on a connection of its own: its status, or the socket error's text. */
export async function healthzOnce(ingressUrl: string): Promise<number | string> {
  const answer = await requestOnce(new URL('/healthz', ingressUrl).toString(), { method: 'GET' });
  return typeof answer === 'string' ? answer : answer.status;
}

/** Issues per record in an answer: `rejected` grouped by index, and the body-level `issues`. */
function mostIssues(answer: { rejected?: Array<{ index: number }>; issues?: unknown[] }): { perRecord: number; body: number } {
  const counts = new Map<number, number>();
  for (const r of answer.rejected ?? []) counts.set(r.index, (counts.get(r.index) ?? 0) + 1);
  return { perRecord: Math.max(0, ...counts.values()), body: answer.issues?.length ?? 0 };
}

/**
 * Posts each case (`repeats` times) with `/healthz` polled one request after another meanwhile,
 * and checks every answer: an expected status, at most MOST_ISSUES_PER_RECORD issues per record and
 * MOST_ISSUES_PER_ANSWER body issues, and a JSON answer. `headers` carry the bearer token.
 * @returns each answer's figures and the problems found (empty when all held).
 */
export async function postAdversarial(options: { ingressUrl: string; headers: Record<string, string>; adAccountId: string; repeats?: number }): Promise<{ answers: AdversarialAnswer[]; failures: string[] }> {
  const answers: AdversarialAnswer[] = [];
  const failures: string[] = [];
  for (const item of adversarialCases(options.adAccountId)) {
    for (let r = 0; r < (options.repeats ?? 1); r += 1) {
      let done = false;
      let healthzWorst = 0;
      const poll = (async () => {
        while (!done) {
          const start = performance.now();
          const health = await healthzOnce(options.ingressUrl);
          healthzWorst = Math.max(healthzWorst, performance.now() - start);
          if (health !== 200) failures.push(`${item.name}: /healthz answered ${typeof health === 'number' ? health : `nothing (${health}, after ${Math.round(performance.now() - start)} ms)`}`);
        }
      })();
      const start = performance.now();
      const headers = item.headers ? { 'content-type': 'application/json', ...item.headers } : options.headers;
      const response = await postOnce(`${options.ingressUrl}${item.route}`, headers, item.body);
      const text = typeof response === 'string' ? '' : response.text;
      const answerMs = performance.now() - start;
      done = true;
      await poll;
      const status = typeof response === 'string' ? 'reset' : response.status;
      let answer: { rejected?: Array<{ index: number }>; issues?: unknown[] } = {};
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        failures.push(`${item.name}: the answer is not JSON: ${text.slice(0, 100)}`);
      }
      const most = mostIssues(answer);
      if (typeof status !== 'number' || !item.expect.includes(status)) failures.push(`${item.name}: answered ${status}, not ${item.expect.join(' or ')}`);
      if (most.perRecord > MOST_ISSUES_PER_RECORD) failures.push(`${item.name}: ${most.perRecord} issues for one record`);
      if (most.body > MOST_ISSUES_PER_ANSWER) failures.push(`${item.name}: ${most.body} issues for the body`);
      answers.push({
        case: item.name,
        body_bytes: Buffer.byteLength(item.body),
        status,
        answer_ms: Math.round(answerMs),
        answer_bytes: Buffer.byteLength(text),
        most_issues_per_record: Math.max(most.perRecord, most.body),
        healthz_worst_ms: Math.round(healthzWorst),
      });
    }
  }
  return { answers, failures };
}
