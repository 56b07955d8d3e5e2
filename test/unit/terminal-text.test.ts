// Operator output is safe: advertiser-controlled text (campaign names, pin titles, event_ids) is
// printed with its control characters escaped in every table and CSV the CLI shows.
import { NO_RECONCILIATION_INPUTS, reconcile } from '../../domain/conversion-reconciliation';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { terminalSafe } from '../../domain/terminal-text';
import { formatExplanation, type ConversionExplanation } from '../../reports/conversion-explainer';
import { reportToCsv, safeText } from '../../reports/performance-csv';
import type { ReportRow } from '../../reports/performance-report';
import { formatReportTable, formatSlowBurnTable } from '../../reports/report-table';
import { slowBurnToCsv, type SlowBurnRow } from '../../reports/slow-burn-report';

const TITLE = '\x1b]0;owned\x07Spring';
const OVERWRITE = 'Real name\rFake name';
const COLOUR = '\x1b[31mRed\x1b[0m';
const BIDI = 'abc\u202Etxt.exe\u2066x\u2069';
const C1 = 'csi\x9b31m del\x7f nul\x00 tab\t nl\n';
const hostile = [TITLE, OVERWRITE, COLOUR, BIDI, C1];

/** No character a terminal would act on: C0, DEL, C1, bidi overrides and isolates, line separators. */
const UNSAFE = new RegExp('[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]');
const assertShownNotRun = (output: string) => assert.doesNotMatch(output, UNSAFE, JSON.stringify(output));

it('terminalSafe writes control characters, DEL, C1 and bidi controls out as visible escapes', () => {
  assert.equal(terminalSafe(TITLE), '\\x1B]0;owned\\x07Spring');
  assert.equal(terminalSafe(OVERWRITE), 'Real name\\x0DFake name');
  assert.equal(terminalSafe(COLOUR), '\\x1B[31mRed\\x1B[0m');
  assert.equal(terminalSafe(BIDI), 'abc\\u202Etxt.exe\\u2066x\\u2069');
  assert.equal(terminalSafe(C1), 'csi\\x9B31m del\\x7F nul\\x00 tab\\x09 nl\\x0A');
  assert.equal(terminalSafe('Café – 50% off \\ “quotes” 日本 🎉'), 'Café – 50% off \\ “quotes” 日本 🎉');
  for (const text of hostile) assert.doesNotMatch(terminalSafe(text), UNSAFE);
});

it('the CSV cells keep their formula defusing after escaping', () => {
  assert.equal(safeText('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
  assert.equal(safeText('\tcmd'), '\\x09cmd');
  assert.equal(safeText(`-${COLOUR}`), `'-\\x1B[31mRed\\x1B[0m`);
});

const figures = { window_days: 30, conversions: 1, revenue: 10, cost_per_conversion: 5, roas: 2, converted: [], unconverted: [] };
const reportRows: ReportRow[] = hostile.map((name, i) => ({
  ad_account_id: '549764105221',
  currency: 'USD',
  level: 'pin',
  id: `${i}\x1b[2J`,
  name,
  pin_id: `pin${i}\r`,
  objective_type: name,
  is_performance_plus: true,
  synced: true,
  spend: 5,
  impressions: 100,
  saves: 1,
  pin_clicks: 2,
  outbound_clicks: 3,
  routy: figures,
  pinterest: { conversions: 1, checkout_value: 10, difference: 0 },
  reconciliation: reconcile(0, NO_RECONCILIATION_INPUTS),
}));
const slowRows: SlowBurnRow[] = hostile.map((name, i) => ({
  ad_account_id: '549764105221',
  level: 'campaign',
  id: `c${i}\x1b[2J`,
  name,
  synced: true,
  conversions: 2,
  cumulative_share: [0, 0.5, 1],
  share_after_day_7: 0,
}));

it('report and slow-burn tables show hostile names and ids escaped', () => {
  const table = formatReportTable(reportRows);
  assertShownNotRun(table);
  assert.match(table, /\\x1B\]0;owned\\x07Spring/);
  assert.match(table, /Real name\\x0DFake name/);
  assert.match(table, /pin1\\x0D/);
  const slow = formatSlowBurnTable(slowRows);
  assertShownNotRun(slow);
  assert.match(slow, /c2\\x1B\[2J\s+\\x1B\[31mRed\\x1B\[0m/);
});

it('report and slow-burn CSV show hostile names and ids escaped', () => {
  for (const csv of [reportToCsv(reportRows), slowBurnToCsv(slowRows, 2)]) {
    // The CSV's own line ends are the only newlines; nothing else a terminal would act on.
    for (const line of csv.split('\n')) assertShownNotRun(line);
    assert.equal(csv.trimEnd().split('\n').length, hostile.length + 1);
    assert.match(csv, /\\x1B\]0;owned\\x07Spring/);
    assert.match(csv, /Real name\\x0DFake name/);
    assert.match(csv, /abc\\u202Etxt\.exe/);
  }
});

it('a conversion explanation shows a hostile event_id, field and Pinterest message escaped', () => {
  const stored: ConversionExplanation = {
    ad_account_id: '549764105221',
    event_id: `ord-${TITLE}`,
    event_name: 'checkout',
    event_time: '2026-11-01T00:00:00.000Z',
    received_at: '2026-11-01T00:00:01.000Z',
    state: 'matched',
    duplicate_of: null,
    hold_until: '2026-12-01T00:00:00.000Z',
    attribution: null,
    conversions_api: { state: 'failed', detail: { error_message: COLOUR }, attempted_at: null, attempts: [] },
  };
  const text = formatExplanation(stored);
  for (const line of text.split('\n')) assertShownNotRun(line);
  assert.match(text, /^conversion ord-\\x1B\]0;owned\\x07Spring \(checkout\)/);
  assert.match(text, /Conversions API {2}failed: \\x1B\[31mRed/);
  const rejected = formatExplanation({ event_id: `a\nb${OVERWRITE}`, ad_account_id: null, state: 'rejected', rejected_at: '2026-11-01T00:00:00.000Z', problems: [{ field: `x\x1b[8m`, message: 'is unknown' }] });
  assert.equal(rejected.split('\n').length, 3);
  for (const line of rejected.split('\n')) assertShownNotRun(line);
  assert.match(rejected, /^conversion a\\x0Ab/);
});
