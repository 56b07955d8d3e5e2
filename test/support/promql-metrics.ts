// The metric names a Grafana dashboard's PromQL queries read, and whether a Prometheus exposition
// serves each: what test/integration/dashboard-metrics.test.ts checks the dashboard with.

/** PromQL words that are neither metrics nor followed by `(`. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);

/**
 * The metric names `expr` reads: every identifier that is not a function or aggregation (followed
 * by `(`), a keyword, a label (inside `{...}` matchers or `by (...)`-style lists), a string, a
 * range or a dashboard variable (`$__rate_interval`, `${datasource}`). Histogram suffixes are kept
 * (`x_bucket` stays `x_bucket`; servedBy resolves it).
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = bare[match.index - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // the exponent or unit of a number: 1e3, 5m
    if (/^\s*\(/.test(bare.slice(match.index + match[0].length))) continue;
    if (KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** A Prometheus text exposition's metric families (`# TYPE` lines) and sample names. */
export interface Exposition {
  types: Map<string, string>;
  samples: Set<string>;
}

/** Reads the `# TYPE` lines and the sample names of a Prometheus text exposition. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    else if (/^[a-zA-Z_:]/.test(line)) samples.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
  }
  return { types, samples };
}

/**
 * Whether `name` is served: a sample of that name, or a family of that name that is not a
 * histogram or summary (a counter or gauge announced without a sample yet), or `_bucket` / `_sum`
 * / `_count` of a histogram family (`_sum` / `_count` of a summary). A counter's name is its
 * family's as exposed: prom-client's end in `_total`, the Temporal SDK's do not.
 */
export function servedBy(exposition: Exposition, name: string): boolean {
  if (exposition.samples.has(name)) return true;
  const type = exposition.types.get(name);
  if (type !== undefined) return type !== 'histogram' && type !== 'summary';
  const suffix = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!suffix) return false;
  const baseType = exposition.types.get(suffix[1]!);
  if (suffix[2] === 'bucket') return baseType === 'histogram';
  return baseType === 'histogram' || baseType === 'summary';
}

/** A Grafana dashboard's panels with their queries (`panels[].targets[].expr`, rows' nested panels too). */
interface DashboardPanel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: DashboardPanel[];
}

/** Every panel title with the metric names its queries read. */
export function dashboardMetrics(dashboard: { panels?: DashboardPanel[] }): Array<{ panel: string; metrics: string[] }> {
  const out: Array<{ panel: string; metrics: string[] }> = [];
  const walk = (panels: DashboardPanel[]) => {
    for (const panel of panels) {
      const exprs = (panel.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : []));
      if (exprs.length > 0) out.push({ panel: panel.title ?? '(untitled)', metrics: [...new Set(exprs.flatMap(metricNamesIn))] });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels ?? []);
  return out;
}
