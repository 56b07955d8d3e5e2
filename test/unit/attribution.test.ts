import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseAttribution, type TouchpointCandidate } from '../../domain/attribution-rules';
import { DEFAULT_ATTRIBUTION_SETTINGS } from '../../domain/attribution-settings';

const DAY = 86_400_000;
const T = Date.UTC(2026, 10, 29, 12);
const conversion = { event_time_ms: T, click_id: 'epik-a', identifiers: { em: 'e'.repeat(64) } };
const touch = (id: string, type: TouchpointCandidate['type'], daysBefore: number, match: 'click' | 'em' | 'none'): TouchpointCandidate => ({
  touchpoint_id: id,
  type,
  occurred_at_ms: T - daysBefore * DAY,
  click_id: match === 'click' ? 'epik-a' : 'epik-other',
  identifiers: match === 'em' ? { em: 'e'.repeat(64) } : {},
});

describe('chooseAttribution', () => {
  it('attributes a click 21 days back and not one 31 days back under the 30-day click window', () => {
    const inside = chooseAttribution(conversion, [touch('1', 'click', 21, 'click')], DEFAULT_ATTRIBUTION_SETTINGS);
    assert.deepEqual(inside, { touchpoint_id: '1', touch_type: 'click', match_key: 'click_id', lag_seconds: 21 * 86_400 });
    assert.equal(chooseAttribution(conversion, [touch('2', 'click', 31, 'click')], DEFAULT_ATTRIBUTION_SETTINGS), undefined);
  });

  it('prefers a click-id match over an identifier match, even an older one', () => {
    const winner = chooseAttribution(conversion, [touch('em', 'click', 1, 'em'), touch('cid', 'click', 10, 'click')], DEFAULT_ATTRIBUTION_SETTINGS);
    assert.equal(winner?.touchpoint_id, 'cid');
  });

  it('prefers click over engagement over view, then the latest', () => {
    const settings = { ...DEFAULT_ATTRIBUTION_SETTINGS, view_window_days: 7 };
    const pick = (candidates: TouchpointCandidate[]) => chooseAttribution(conversion, candidates, settings)?.touchpoint_id;
    assert.equal(pick([touch('v', 'view', 0.5, 'em'), touch('e', 'engagement', 3, 'em'), touch('c', 'click', 20, 'em')]), 'c');
    assert.equal(pick([touch('v', 'view', 0.5, 'em'), touch('e', 'engagement', 3, 'em')]), 'e');
    assert.equal(pick([touch('old', 'click', 9, 'em'), touch('new', 'click', 2, 'em')]), 'new');
  });

  it('keeps each type inside its own window; 0 turns a type off; later touchpoints never count', () => {
    assert.equal(chooseAttribution(conversion, [touch('v', 'view', 2, 'em')], DEFAULT_ATTRIBUTION_SETTINGS), undefined, '1-day view');
    const noEngagement = { ...DEFAULT_ATTRIBUTION_SETTINGS, engagement_window_days: 0 };
    assert.equal(chooseAttribution(conversion, [touch('e', 'engagement', 0.1, 'em')], noEngagement), undefined);
    assert.equal(chooseAttribution(conversion, [touch('after', 'click', -0.1, 'click')], DEFAULT_ATTRIBUTION_SETTINGS), undefined);
    assert.equal(chooseAttribution(conversion, [touch('x', 'click', 1, 'none')], DEFAULT_ATTRIBUTION_SETTINGS), undefined, 'no shared key');
  });

  it('matches a click without a click id by identifier; absent click ids on both sides are no click-id match', () => {
    const noClickId = (t: TouchpointCandidate): TouchpointCandidate => ({ ...t, click_id: null });
    const plain = { ...conversion, click_id: null };
    const byEmail = chooseAttribution(plain, [noClickId(touch('c', 'click', 2, 'em'))], DEFAULT_ATTRIBUTION_SETTINGS);
    assert.deepEqual(byEmail, { touchpoint_id: 'c', touch_type: 'click', match_key: 'em', lag_seconds: 2 * 86_400 });
    assert.equal(chooseAttribution(plain, [noClickId(touch('x', 'click', 2, 'none'))], DEFAULT_ATTRIBUTION_SETTINGS), undefined);
    const withClickId = chooseAttribution(conversion, [noClickId(touch('em', 'click', 1, 'em')), touch('cid', 'click', 5, 'click')], DEFAULT_ATTRIBUTION_SETTINGS);
    assert.equal(withClickId?.match_key, 'click_id', 'the click-id match still wins');
    assert.equal(withClickId?.touchpoint_id, 'cid');
  });
});
