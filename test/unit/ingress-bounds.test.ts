// The ingress's bounds on hostile input: the JSON nesting scan and the per-record issue limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ISSUES_PER_RECORD } from '../../domain/field-issues';
import { prepareConversions } from '../../domain/routy-records';
import { nestsDeeperThan } from '../../http/json-body';

const nested = (depth: number, open = '[', close = ']') => Buffer.from(`${open.repeat(depth)}${close.repeat(depth)}`);

describe('nestsDeeperThan', () => {
  it('counts arrays and objects inside one another, not brackets in strings', () => {
    assert.equal(nestsDeeperThan(nested(64), 64), false);
    assert.equal(nestsDeeperThan(nested(65), 64), true);
    assert.equal(nestsDeeperThan(Buffer.from(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`), 64), true);
    assert.equal(nestsDeeperThan(Buffer.from(`["${'['.repeat(100)}", "\\"${'{'.repeat(100)}"]`), 64), false);
    // Siblings do not add up.
    assert.equal(nestsDeeperThan(Buffer.from(`[${'[[]],'.repeat(1000)}[]]`), 3), false);
    assert.equal(nestsDeeperThan(nested(1_000_000), 64), true);
  });
});

describe('a record with many problems', () => {
  const base = { event_id: 'e1', event_name: 'lead', event_time: 1_790_000_000, ad_account_id: '1' };

  it('lists at most MAX_ISSUES_PER_RECORD of them and sums up the rest in one more', () => {
    const record: Record<string, unknown> = { ...base };
    for (let i = 0; i < 200_000; i += 1) record[`k${i}`] = i;
    const { accepted, rejected } = prepareConversions([record, base]);
    assert.equal(accepted.length, 1);
    assert.equal(rejected.length, MAX_ISSUES_PER_RECORD + 1);
    assert.deepEqual(rejected[0], { index: 0, field: 'k0', message: 'is not a known field' });
    assert.deepEqual(rejected.at(-1), { index: 0, field: '(record)', message: 'and 199,990 more problems' });
  });

  it('refuses a user with a flood of keys the same way, naming them under user', () => {
    const user: Record<string, unknown> = { email: 'a@b.c' };
    for (let i = 0; i < 1000; i += 1) user[`u${i}`] = i;
    const { rejected } = prepareConversions([{ ...base, user }]);
    assert.equal(rejected.length, MAX_ISSUES_PER_RECORD + 1);
    assert.deepEqual(rejected[0], { index: 0, field: 'user.u0', message: 'is not a known field' });
    assert.deepEqual(rejected.at(-1), { index: 0, field: '(record)', message: 'and 990 more problems' });
  });

  it('cuts long unknown keys, and lists a record with few problems whole', () => {
    const { rejected } = prepareConversions([{ ...base, ['x'.repeat(100_000)]: 1, event_name: 'nope', event_time: 'never' }]);
    assert.deepEqual(rejected.map((r) => r.field), ['event_name', 'event_time', `${'x'.repeat(100)}…`]);
  });
});
