// The helper test/integration/dashboard-metrics.test.ts checks the Grafana dashboard with: it must
// find every metric a query reads (and nothing else), and a misspelt or wrongly suffixed name must
// come out as not served.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { dashboardMetrics, metricNamesIn, parseExposition, servedBy } from '../support/promql-metrics';

it('finds the metrics of a query, not its functions, labels, keywords, ranges, numbers or variables', () => {
  assert.deepEqual(metricNamesIn('histogram_quantile(0.95, sum by (le, job) (rate(routy_x_seconds_bucket{outcome="sent", job=~"a|b"}[$__rate_interval])))'), ['routy_x_seconds_bucket']);
  assert.deepEqual(metricNamesIn('sum(rate(a_total[5m] offset 1h)) / on (instance) group_left (pod) sum without (le) (b_count) > bool 1e3 and c unless d'), ['a_total', 'b_count', 'c', 'd']);
  assert.deepEqual(metricNamesIn('max by (attribution_state, capi_state) (routy_pinterest_conversions{capi_state!="sent"}) * ${factor}'), ['routy_pinterest_conversions']);
  assert.deepEqual(metricNamesIn('sum(rate(x_total[1m:10s]))'), ['x_total']);
});

const EXPOSITION = `# HELP routy_done_total Done
# TYPE routy_done_total counter
routy_done_total{outcome="ok"} 3
# HELP routy_quiet_total Nothing yet
# TYPE routy_quiet_total counter
# HELP routy_lag_seconds Lag
# TYPE routy_lag_seconds histogram
routy_lag_seconds_bucket{le="1"} 1
routy_lag_seconds_sum 0.5
routy_lag_seconds_count 1
# TYPE temporal_request counter
temporal_request{namespace="default"} 7
`;

it('takes sampled and announced names and the histogram suffixes, and refuses misspellings and wrong suffixes', () => {
  const exposition = parseExposition(EXPOSITION);
  for (const name of ['routy_done_total', 'routy_quiet_total', 'routy_lag_seconds_bucket', 'routy_lag_seconds_sum', 'routy_lag_seconds_count', 'temporal_request']) assert.ok(servedBy(exposition, name), name);
  for (const name of ['routy_done', 'routy_dne_total', 'routy_lag_seconds', 'routy_done_total_bucket', 'routy_quiet_total_count', 'temporal_request_total', 'temporal_requests']) assert.ok(!servedBy(exposition, name), name);
});

it("names the misspelt metric of a dashboard's panel", async () => {
  const dashboard = JSON.parse(await readFile(new URL('../../observability/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  const panel = dashboard.panels.find((p) => p.title === 'Pulls by outcome')!;
  panel.targets![0]!.expr = panel.targets![0]!.expr.replace('routy_pinterest_pulls_total', 'routy_pinterest_pull_total');
  const read = dashboardMetrics(dashboard).find((p) => p.panel === 'Pulls by outcome')!;
  assert.deepEqual(read.metrics, ['routy_pinterest_pull_total']);
  const served = parseExposition('# TYPE routy_pinterest_pulls_total counter\nrouty_pinterest_pulls_total{outcome="succeeded"} 1\n');
  assert.deepEqual(read.metrics.filter((m) => !servedBy(served, m)), ['routy_pinterest_pull_total']);
});
