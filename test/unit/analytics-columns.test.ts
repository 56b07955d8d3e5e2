// The spec's sync analytics column list kept in the project, the validation of an account's extra
// columns, which columns a report may sum, and the emulator's answers for columns it does not model.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyticsColumnsProblems, isAdditiveColumn, isSyncAnalyticsColumn, SYNC_ANALYTICS_COLUMNS } from '../../domain/analytics-columns';
import { answerColumns, withExtraCounts } from '../../emulator/analytics-columns';
import { METRIC_COLUMNS, requestedColumns } from '../../pinterest/analytics';
import { sharedFile } from '../support/shared-files';

const columnsFile = sharedFile('pinterest/analytics-columns.txt');

describe('the sync analytics column list', () => {
  it('agrees with ../shared/pinterest/analytics-columns.txt, name for name and in order', { skip: columnsFile.skip }, () => {
    const fromSpec = readFileSync(columnsFile.path!, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
    assert.equal(fromSpec.length, 175);
    assert.deepEqual([...SYNC_ANALYTICS_COLUMNS], fromSpec);
  });

  it('the fixed columns include the 3-second view splits, the video quartiles and click add-to-cart, all in the list', () => {
    for (const column of ['VIDEO_3SEC_VIEWS_1', 'VIDEO_3SEC_VIEWS_2', 'TOTAL_VIDEO_P25_COMBINED', 'TOTAL_VIDEO_P50_COMBINED', 'TOTAL_VIDEO_P75_COMBINED', 'TOTAL_VIDEO_P95_COMBINED', 'TOTAL_CLICK_ADD_TO_CART']) {
      assert.ok((METRIC_COLUMNS as readonly string[]).includes(column), column);
    }
    assert.deepEqual(METRIC_COLUMNS.filter((c) => !isSyncAnalyticsColumn(c)), []);
    assert.equal(METRIC_COLUMNS.length, 46);
  });

  it('a call asks for the fixed columns and then the extra ones not among them, each once', () => {
    const asked = requestedColumns(['CTR', 'SPEND_IN_MICRO_DOLLAR', 'CTR', 'AD_NAME']);
    assert.deepEqual(asked.slice(METRIC_COLUMNS.length), ['CTR', 'AD_NAME']);
    assert.equal(asked.length, METRIC_COLUMNS.length + 2);
  });
});

describe('setAnalyticsColumns validation', () => {
  it('takes spec names at the three levels, and an empty list (clears the level)', () => {
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: ['TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND', 'CTR'] }), []);
    assert.deepEqual(analyticsColumnsProblems({ level: 'campaign', columns: [] }), []);
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad_group', columns: ['CAMPAIGN_NAME'] }), []);
  });

  it('refuses unknown names by name and position, and a wrong level or shape by field', () => {
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: ['CTR', 'TOTAL_CHECKOUT', 'FOO'] }), ['columns.2: "FOO" is not a Pinterest analytics column']);
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: ['ctr'] }), ['columns.0: "ctr" is not a Pinterest analytics column'], 'names are case-sensitive, as the spec spells them');
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: [7] }), ['columns.0: must be a column name (a string)']);
    assert.deepEqual(analyticsColumnsProblems({ level: 'pin', columns: ['CTR'] }), ['level: must be one of campaign, ad_group, ad']);
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: 'CTR' }), ['columns: must be an array of column names']);
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: ['CTR'], extra: 1 }), ['extra: is not a known field']);
    assert.deepEqual(analyticsColumnsProblems(undefined), ['(request): must be an object like {"level": "ad", "columns": ["TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND"]}']);
    assert.deepEqual(analyticsColumnsProblems({ level: 'ad', columns: Array(176).fill('CTR') }), ['columns: must hold at most 175 names']);
  });
});

describe('additive columns', () => {
  it('sums counts and micro-currency amounts, never rates, costs per action, unique users, ids or names', () => {
    for (const column of ['TOTAL_CLICK_ADD_TO_CART', 'VIDEO_3SEC_VIEWS_1', 'TOTAL_VIDEO_P95_COMBINED', 'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'SHOWCASE_SUBPIN_REPIN', 'LEADS']) assert.ok(isAdditiveColumn(column), column);
    for (const column of ['CTR', 'ECTR', 'CPM_IN_MICRO_DOLLAR', 'CHECKOUT_ROAS', 'COST_PER_LEAD', 'TOTAL_IMPRESSION_USER', 'TOTAL_VIDEO_15SEC_UNIQUE_VIEWS', 'TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND', 'CAMPAIGN_NAME', 'PIN_ID', 'TOTAL_CHECKOUT_CONVERSION_RATE', 'SPEND_IN_DOLLAR']) {
      assert.equal(isAdditiveColumn(column), false, column);
    }
  });
});

describe('the emulator on columns it does not model', () => {
  const metrics = { SPEND_IN_MICRO_DOLLAR: 12_000_000, IMPRESSION_1: 4000, CLICKTHROUGH_1: 40 };
  it('adds a deterministic count per ad and day for additive columns, leaving modelled ones as they are', () => {
    const row = withExtraCounts(metrics, '687195905901', '2026-11-30', ['TOTAL_VIEW_ADD_TO_CART', 'SPEND_IN_MICRO_DOLLAR', 'CTR']);
    assert.equal(row.SPEND_IN_MICRO_DOLLAR, 12_000_000);
    assert.ok(Number.isInteger(row.TOTAL_VIEW_ADD_TO_CART) && row.TOTAL_VIEW_ADD_TO_CART! >= 0 && row.TOTAL_VIEW_ADD_TO_CART! < 50);
    assert.equal(withExtraCounts(metrics, '687195905901', '2026-11-30', ['TOTAL_VIEW_ADD_TO_CART']).TOTAL_VIEW_ADD_TO_CART, row.TOTAL_VIEW_ADD_TO_CART);
    assert.equal('CTR' in row, false);
  });
  it('derives ratios from the row, names the entity, and leaves out what it cannot fill', () => {
    const row = answerColumns(['CTR', 'CPM_IN_MICRO_DOLLAR', 'AD_NAME', 'PIN_ID', 'TOTAL_VIDEO_AVG_WATCHTIME_IN_SECOND'], metrics, { AD_NAME: 'Patio: chairs', PIN_ID: '987654321012345601' });
    assert.deepEqual(row, { CTR: 0.01, CPM_IN_MICRO_DOLLAR: 3_000_000, AD_NAME: 'Patio: chairs', PIN_ID: '987654321012345601' });
  });
});
