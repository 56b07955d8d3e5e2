// The CPA alert rule (domain/cpa-alerts.ts) and the targets it reads (domain/cpa-targets.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpaCrossing, cpaCrossings, type CpaRowFigures } from '../../domain/cpa-alerts';
import { cpaTargetChanges, cpaTargetsProblems, targetFor, type CpaTargets } from '../../domain/cpa-targets';

const targets = (over: Partial<CpaTargets> = {}): CpaTargets => ({ ad_account_id: '1', currency: 'USD', account: 40, campaigns: {}, pins: {}, ...over });

const row = (over: Partial<CpaRowFigures>): CpaRowFigures => ({
  level: 'pin',
  entity_id: '100',
  name: 'pin',
  pin_id: '9',
  campaign_id: '7',
  currency: 'USD',
  spend: 120,
  conversions_30d: 4,
  conversions_7d: 1,
  cpa_30d: 30,
  cpa_7d: 120,
  ...over,
});

describe('cpaCrossing', () => {
  it('pays_back_long: 30 days at or under the target, 7 days over it or without conversions', () => {
    assert.equal(cpaCrossing(30, 120, 40), 'pays_back_long');
    assert.equal(cpaCrossing(40, 40.01, 40), 'pays_back_long', 'at the target counts as paying back');
    assert.equal(cpaCrossing(30, null, 40), 'pays_back_long', 'no 7-day conversions');
  });

  it('misses_long: the reverse', () => {
    assert.equal(cpaCrossing(50, 30, 40), 'misses_long');
    assert.equal(cpaCrossing(null, 40, 40), 'misses_long');
  });

  it('no alert on the same side, or without any cost', () => {
    assert.equal(cpaCrossing(30, 35, 40), undefined);
    assert.equal(cpaCrossing(40, 40, 40), undefined);
    assert.equal(cpaCrossing(50, 60, 40), undefined);
    assert.equal(cpaCrossing(50, null, 40), undefined);
    assert.equal(cpaCrossing(null, null, 40), undefined);
  });
});

describe('cpaCrossings', () => {
  it('uses the pin target, else its campaign target, else the account target', () => {
    const rows = [row({ entity_id: 'a' }), row({ entity_id: 'b' }), row({ entity_id: 'c', campaign_id: '8' }), row({ level: 'campaign', entity_id: '7', campaign_id: undefined, cpa_30d: 24 })];
    const found = cpaCrossings(rows, targets({ pins: { a: 20 }, campaigns: { '7': 25 } }));
    assert.deepEqual(
      found.map((c) => [c.level, c.entity_id, c.direction, c.target]),
      [['pin', 'c', 'pays_back_long', 40], ['campaign', '7', 'pays_back_long', 25]],
      'pin a (target 20: over on both) and pin b (its campaign 7: 25, over on both) raise none; pin c takes the account target',
    );
  });

  it('leaves out rows without spend, without a target or in another currency, and keeps the figures', () => {
    const rows = [row({ entity_id: 'x', spend: null, cpa_30d: null, cpa_7d: null }), row({ entity_id: 'y', currency: 'EUR' }), row({ entity_id: 'z' })];
    assert.deepEqual(cpaCrossings(rows, targets({ account: null })), []);
    const [only, ...rest] = cpaCrossings(rows, targets());
    assert.deepEqual(rest, []);
    assert.deepEqual(only, { ...row({ entity_id: 'z' }), direction: 'pays_back_long', target: 40 });
  });
});

describe('CPA targets', () => {
  it('takes positive decimals in currency units (numbers or strings) and null, refusing the rest by field', () => {
    assert.deepEqual(cpaTargetsProblems({ account: 12.5, campaigns: { '626736533506': '20.00' }, pins: { '687195905901': null }, currency: 'USD' }), []);
    assert.deepEqual(cpaTargetsProblems({}), []);
    const text = 'must be a positive decimal in the account currency with at most 6 decimals (e.g. 12.50), or null to clear it';
    assert.deepEqual(cpaTargetsProblems({ account: 0 }), [`account: ${text}`]);
    assert.deepEqual(cpaTargetsProblems({ account: '-3' }), [`account: ${text}`]);
    assert.deepEqual(cpaTargetsProblems({ account: '1.1234567' }), [`account: ${text}`]);
    assert.deepEqual(cpaTargetsProblems({ campaigns: { '626736533506': 'ten' } }), [`campaigns.626736533506: ${text}`]);
    assert.deepEqual(cpaTargetsProblems({ currency: 'usd' }), ['currency: must be an ISO 4217 code such as USD']);
    assert.deepEqual(cpaTargetsProblems({ acount: 3 }), ['acount: is not a known field']);
    assert.ok(cpaTargetsProblems({ pins: { 'not-an-id': 3 } }).length === 1, 'an id that is not digits is refused');
  });

  it('turns a request into micro-currency changes, exactly', () => {
    assert.deepEqual(cpaTargetChanges({ account: '12.50', campaigns: { '7': 0.1 }, pins: { '9': null } }), [
      { level: 'account', entity_id: '', target_micro: '12500000' },
      { level: 'campaign', entity_id: '7', target_micro: '100000' },
      { level: 'pin', entity_id: '9', target_micro: null },
    ]);
    assert.throws(() => cpaTargetChanges({ account: -1 }), /account: must be a positive decimal/);
  });

  it('targetFor falls back from pin to campaign to account', () => {
    const t = targets({ pins: { '9': 10 }, campaigns: { '7': 20 } });
    assert.deepEqual([targetFor(t, 'pin', '9', '7'), targetFor(t, 'pin', '8', '7'), targetFor(t, 'pin', '8', undefined), targetFor(t, 'campaign', '7', undefined), targetFor(targets({ account: null }), 'campaign', '6', undefined)], [10, 20, 40, 20, undefined]);
  });
});
