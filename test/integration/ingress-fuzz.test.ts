// The ingress under generated bad input (fast-check): never a 5xx, every refusal names its field,
// an over-size body is a 413, and every conversion it accepted is stored. `npm run chaos` runs
// the same with 10,000+ cases; here a few hundred keep CI short.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fuzzIngress } from '../../bench/chaos/ingress-fuzz';
import { connectThroughOAuth } from '../../service/oauth-connect';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const ACCOUNT = '549764105221';
const TOKEN = 'fuzz-test-token';
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
let testApp: TestApp;

before(async () => {
  testApp = await startTestApp({ ROUTY_INGRESS_TOKEN: TOKEN });
  await connectThroughOAuth(testApp.app);
});
after(() => testApp?.stop());

describe('ingress fuzzing', { timeout: 600_000 }, () => {
  it(`answers ${RUNS} generated batches with 202 or 400 naming fields, and loses no accepted conversion`, async () => {
    const outcome = await fuzzIngress({ ingressUrl: testApp.app.ingressUrl, token: TOKEN, adAccountId: ACCOUNT, runs: RUNS, seed: 20261129 });
    assert.deepEqual(outcome.failures, []);
    assert.equal(outcome.cases, RUNS + 1 + outcome.adversarial.length);
    // The fixed hostile shapes (bench/chaos/adversarial-bodies.ts) were all sent and answered within bounds (failures above).
    assert.deepEqual(outcome.adversarial.map((a) => [a.case, a.status]), [
      ['many-keys', 400],
      ['many-keys-in-user', 400],
      ['many-keys-touchpoint', 400],
      ['many-envelope-keys', 400],
      ['long-keys', 400],
      ['deep-nesting', 400],
      ['deep-nesting-objects', 400],
      ['many-records', 400],
      ['too-many-records', 400],
      ['long-strings', 400],
      ['made-up-signature', 401],
    ]);
    assert.ok(outcome.adversarial.every((a) => a.most_issues_per_record <= 101 && a.answer_bytes < 10 * 1024 * 1024), JSON.stringify(outcome.adversarial));
    assert.ok(outcome.slowest_answer_case !== '', 'the slowest answer is named');
    assert.ok((outcome.answers['202'] ?? 0) > RUNS / 10 && (outcome.answers['400'] ?? 0) > RUNS / 10, JSON.stringify(outcome.answers));
    assert.equal((outcome.answers['413'] ?? 0) + (outcome.answers.reset ?? 0), 1, 'the 11 MB body is refused');
    assert.ok(outcome.accepted_conversions.length > 0 && outcome.rejections > RUNS / 2);
    const accepted = [...new Set(outcome.accepted_conversions)];
    await waitFor('every accepted conversion stored', async () => {
      let stored = 0;
      for (let i = 0; i < accepted.length; i += 1000) {
        const rows = await testApp.app.db.selectFrom('conversions').select('event_id').where('event_id', 'in', accepted.slice(i, i + 1000)).execute();
        stored += rows.length;
      }
      return stored === accepted.length ? true : undefined;
    }, 120_000);
  });

  it('refuses a body that is not UTF-8, naming the body, rather than storing its bytes changed', async () => {
    const good = Buffer.from(JSON.stringify({ conversions: [{ event_id: 'utf8-X', event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: ACCOUNT }] }));
    const cases: Array<[string, Buffer]> = [
      ['0xff 0xfe', Buffer.from([0xff, 0xfe])],
      ['a lone continuation byte', Buffer.from([0x80])],
      ['an overlong "/"', Buffer.from([0xc0, 0xaf])],
      ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
      ['a cut sequence', Buffer.from([0xe2, 0x82])],
    ];
    for (const [name, bytes] of cases) {
      const at = good.indexOf('X');
      const body = Buffer.concat([good.subarray(0, at), bytes, good.subarray(at + 1)]);
      const response = await fetch(`${testApp.app.ingressUrl}/v1/conversions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body,
      });
      assert.equal(response.status, 400, name);
      assert.deepEqual(((await response.json()) as { issues: unknown }).issues, [{ field: '(body)', message: 'is not valid UTF-8' }], name);
    }
    const stored = await testApp.app.db.selectFrom('conversions').select('event_id').where('event_id', 'like', 'utf8-%').execute();
    assert.deepEqual(stored, []);
  });

  it('refuses a body that is not JSON with 415, naming the body', async () => {
    const body = JSON.stringify({ conversions: [{ event_id: 'media-type-1', event_name: 'checkout', event_time: new Date().toISOString(), ad_account_id: ACCOUNT }] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await fetch(`${testApp.app.ingressUrl}/v1/conversions`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${TOKEN}` }, body });
      assert.equal(response.status, 415, type);
      const answer = (await response.json()) as { error: string; issues: Array<{ field: string; message: string }> };
      assert.equal(answer.issues[0]?.field, '(body)', type);
      assert.equal(answer.error, `must be sent as application/json, not ${type}`);
    }
    const stored = await testApp.app.db.selectFrom('conversions').select('event_id').where('event_id', '=', 'media-type-1').execute();
    assert.deepEqual(stored, []);
  });
});
