// The report page: reads GET /v1/alerts, GET /v1/reports/performance, GET /v1/reports/products and GET /v1/reports/slow-burn with the API
// token kept in this tab (sessionStorage), and draws them with Chart.js. Names from Pinterest are
// set as text, never as HTML.
'use strict';

const TOKEN_KEY = 'routy-pinterest-token';
const controls = document.getElementById('controls');
const tokenForm = document.getElementById('token-form');
const message = document.getElementById('message');
const charts = [];

const say = (text, isError = false) => {
  message.textContent = text;
  message.classList.toggle('error', isError);
};

// A token handed over in the fragment (#token=...) is moved to this tab's storage and removed from the address.
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get('token')) {
  sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
  history.replaceState(null, '', location.pathname + location.search);
}

// Controls start from the address (?level=pin&window=30...) or from the last 30 days.
const isoDate = (d) => d.toISOString().slice(0, 10);
const params = new URLSearchParams(location.search);
const today = new Date();
const defaults = { start_date: isoDate(new Date(today.getTime() - 29 * 86400000)), end_date: isoDate(today), level: 'campaign', window: '30', compare: '7', curve_level: 'campaign', ad_account_id: '', performance_plus: '' };
for (const [name, value] of Object.entries(defaults)) controls.elements[name].value = params.get(name) ?? value;

class Unauthorized extends Error {}

async function getJson(path, query) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(`${path}?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) throw new Unauthorized();
  const body = await response.json();
  if (!response.ok) {
    const issues = (body.issues ?? []).map((i) => `${i.field}: ${i.message}`).join('; ');
    throw new Error(issues ? `${body.error}: ${issues}` : body.error);
  }
  return body;
}

const money = (n) => (n === null || n === undefined ? '–' : n.toFixed(2));
const percent = (n) => `${Math.round(n * 1000) / 10}%`;

function fillTable(table, header, rows) {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const title of header) {
    const th = document.createElement('th');
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const cells of rows) {
    const tr = body.insertRow();
    cells.forEach((cell, i) => {
      const td = tr.insertCell();
      td.textContent = typeof cell === 'object' && cell !== null ? cell.text : String(cell);
      if (cell && cell.className) td.className = cell.className;
      if (i === 1) td.className = 'name';
    });
  }
}

function label(row) {
  const name = row.name || row.pin_id || row.id;
  return name.length > 28 ? `${name.slice(0, 27)}…` : name;
}

function drawCostCharts(rows, windowDays, compareDays) {
  const holder = document.getElementById('cost-charts');
  holder.replaceChildren();
  // One chart per currency: amounts in different currencies never share an axis.
  for (const currency of [...new Set(rows.map((r) => r.currency))]) {
    const top = rows.filter((r) => r.currency === currency && r.spend > 0).sort((a, b) => b.spend - a.spend).slice(0, 15);
    const box = document.createElement('div');
    box.className = 'chart-box';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('aria-label', `Cost per conversion in ${currency}, ${compareDays}-day against ${windowDays}-day window`);
    box.append(canvas);
    holder.append(box);
    charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: {
          labels: top.map(label),
          datasets: [
            { label: `${compareDays}-day window`, data: top.map((r) => r.compare?.cost_per_conversion ?? null), backgroundColor: '#9aa4ae' },
            { label: `${windowDays}-day window`, data: top.map((r) => r.routy.cost_per_conversion), backgroundColor: '#e60023' },
          ],
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          plugins: { title: { display: true, text: `Cost per conversion (${currency}), top ${top.length} by spend; a missing bar: no conversion` } },
          scales: { y: { beginAtZero: true, title: { display: true, text: currency } } },
        },
      }),
    );
  }
}

// Converted values name their rate and its date; unconverted ones stay out of revenue and ROAS.
function currencyNote(row) {
  const converted = (row.routy.converted ?? []).map((p) => `${money(p.revenue)} ${p.currency} at ${p.rate} (rate of ${p.rate_date}) = ${money(p.converted_revenue)} ${row.currency}`);
  const unconverted = (row.routy.unconverted ?? []).map((p) => `${money(p.revenue)} ${p.currency ?? 'without currency'} not converted (no rate)`);
  return [...converted, ...unconverted].join('; ');
}

// The difference between Routy's and Pinterest's conversions by cause (README "Reconciliation").
const ROUTY_ONLY = { engagement: 'credited to saves', not_sendable: 'not sendable', stale: 'stale', not_yet_sent: 'not yet sent' };
const PINTEREST_ONLY = { held_pending: 'held pending', expired: 'expired', view_through: "view-through outside Routy's touchpoints" };
function reconciliationNote(row) {
  const r = row.reconciliation;
  const parts = (counts, words) => Object.keys(words).filter((k) => counts[k] > 0).map((k) => `${words[k]} ${counts[k]}`);
  const routy = parts(r.routy_only, ROUTY_ONLY);
  const pinterest = parts(r.pinterest_only, PINTEREST_ONLY);
  return [
    routy.length ? `Routy only: ${routy.join(', ')}` : '',
    pinterest.length ? `Pinterest only: ${pinterest.join(', ')}` : '',
    r.unexplained ? `unexplained ${r.unexplained}` : '',
    r.engagement_note ?? '',
  ].filter(Boolean).join('; ');
}

function drawPerformanceTable(rows, windowDays, compareDays) {
  const header = ['Id', 'Name', 'Currency', 'Spend', 'Impressions', 'Saves', 'Pin clicks', 'Outbound clicks', `Conv ${windowDays}d`, `Revenue ${windowDays}d`, `Cost/conv ${windowDays}d`, `ROAS ${windowDays}d`, `Conv ${compareDays}d`, `Cost/conv ${compareDays}d`, 'Pinterest conv', 'Difference', 'Why they differ', 'Other currencies', 'Objective', 'Performance+'];
  fillTable(
    document.getElementById('performance-table'),
    header,
    rows.map((r) => {
      const cheaper = r.routy.cost_per_conversion !== null && (r.compare?.cost_per_conversion === null || r.routy.cost_per_conversion < r.compare?.cost_per_conversion);
      return [
        r.pin_id ?? r.id, r.name, r.currency, money(r.spend), r.impressions, r.saves, r.pin_clicks, r.outbound_clicks,
        r.routy.conversions, money(r.routy.revenue), { text: money(r.routy.cost_per_conversion), className: cheaper ? 'better' : '' }, r.routy.roas === null ? '–' : r.routy.roas.toFixed(2),
        r.compare?.conversions ?? '–', money(r.compare?.cost_per_conversion), r.pinterest.conversions, r.pinterest.difference, reconciliationNote(r), currencyNote(r),
        r.objective_type ?? '–', r.is_performance_plus === null ? '–' : r.is_performance_plus ? 'yes' : 'no',
      ];
    }),
  );
}

// Per SKU and currency: Routy's figures under both windows, the pins that drove them, Pinterest's figures ('–' until pulled).
function drawProductsTable(rows, windowDays, compareDays) {
  fillTable(
    document.getElementById('products-table'),
    ['SKU', 'Pins', 'Currency', `Conv ${windowDays}d`, `Units ${windowDays}d`, `Revenue ${windowDays}d`, `Cost share ${windowDays}d`, `Conv ${compareDays}d`, `Revenue ${compareDays}d`, `Cost share ${compareDays}d`, 'Pinterest conv', 'Pinterest value'],
    rows.map((r) => [
      r.sku, r.pins.map((p) => `${p.pin_id ?? p.id} (${p.conversions})`).join(', '), r.currency ?? 'none',
      r.routy.conversions, r.routy.units, money(r.routy.revenue), r.routy.cost_share === null ? '–' : `${money(r.routy.cost_share)} ${r.account_currency}`,
      r.compare.conversions, money(r.compare.revenue), r.compare.cost_share === null ? '–' : `${money(r.compare.cost_share)} ${r.account_currency}`,
      r.pinterest_conversions ?? '–', r.pinterest_conversion_value_micro === null ? '–' : `${money(r.pinterest_conversion_value_micro / 1e6)} ${r.account_currency}`,
    ]),
  );
}

// Open CPA alerts, newest first: what a 7-day report would decide wrongly about each pin or campaign.
const DIRECTION = { pays_back_long: 'pays back within 30 days, not 7', misses_long: 'pays back within 7 days, not 30' };
function drawAlerts(alerts) {
  document.getElementById('alerts-empty').hidden = alerts.length > 0;
  fillTable(
    document.getElementById('alerts-table'),
    ['Id', 'Name', 'Alert', 'Level', 'Cost/conv 30d', 'Cost/conv 7d', 'Target', 'Spend', 'Conv 30d', 'Conv 7d', 'First seen'],
    alerts.map((a) => [
      a.pin_id ?? a.entity_id, a.name, { text: DIRECTION[a.direction] ?? a.direction, className: a.direction === 'pays_back_long' ? 'better' : 'worse' }, a.level,
      money(a.cpa_30d), money(a.cpa_7d), `${money(a.target)} ${a.currency}`, `${money(a.spend)} ${a.currency}`, a.conversions_30d, a.conversions_7d, a.first_seen_at.slice(0, 16).replace('T', ' '),
    ]),
  );
}

function drawCurve(curves) {
  const top = [...curves].sort((a, b) => b.conversions - a.conversions).slice(0, 8);
  const days = top[0] ? top[0].cumulative_share.map((_, d) => d) : [];
  const palette = ['#e60023', '#0074e8', '#1a7f37', '#8250df', '#bf8700', '#cf222e', '#0a3069', '#57606a'];
  charts.push(
    new Chart(document.getElementById('curve-chart'), {
      type: 'line',
      data: {
        labels: days,
        datasets: top.map((c, i) => ({
          label: label(c),
          data: c.cumulative_share.map((s) => Math.round(s * 1000) / 10),
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          pointRadius: 0,
          tension: 0.2,
        })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { title: { display: true, text: 'Cumulative % of attributed conversions with a lag of at most N days; right of day 7 is what a 7-day window misses' } },
        scales: { x: { title: { display: true, text: 'days from click or save to conversion' } }, y: { min: 0, max: 100, title: { display: true, text: '%' } } },
      },
    }),
  );
  // Marks up to the curve's own length (its window).
  const windowDays = (curves[0]?.cumulative_share.length ?? 1) - 1;
  const marks = [1, 7, 14, 30, 60].filter((d) => d <= windowDays);
  fillTable(
    document.getElementById('curve-table'),
    ['Id', 'Name', 'Conversions', ...marks.map((d) => `By day ${d}`), 'After day 7'],
    [...curves]
      .sort((a, b) => b.conversions - a.conversions)
      .map((c) => [c.id, c.name, c.conversions, ...marks.map((d) => percent(c.cumulative_share[d])), percent(c.share_after_day_7)]),
  );
}

/** Removes the charts and tables of an earlier answer (after an error nothing stale stays on screen). */
function clear() {
  while (charts.length) charts.pop().destroy();
  document.getElementById('cost-charts').replaceChildren();
  for (const id of ['alerts-table', 'performance-table', 'products-table', 'curve-table']) document.getElementById(id).replaceChildren();
  for (const span of document.querySelectorAll('.window-label')) span.textContent = '';
}

async function show() {
  const form = Object.fromEntries(new FormData(controls));
  const query = new URLSearchParams({ level: form.level, start_date: form.start_date, end_date: form.end_date, window: form.window, compare: form.compare });
  if (form.ad_account_id) query.set('ad_account_id', form.ad_account_id);
  if (form.performance_plus) query.set('performance_plus', form.performance_plus);
  // The curve runs over the chosen window (the account's setting shows 30 days).
  const curveQuery = new URLSearchParams({ level: form.curve_level, start_date: form.start_date, end_date: form.end_date, window: form.window === 'account' ? '30' : form.window });
  if (form.ad_account_id) curveQuery.set('ad_account_id', form.ad_account_id);
  const productQuery = new URLSearchParams({ start_date: form.start_date, end_date: form.end_date, window: form.window, compare: form.compare });
  if (form.ad_account_id) productQuery.set('ad_account_id', form.ad_account_id);
  const alertQuery = new URLSearchParams(form.ad_account_id ? { ad_account_id: form.ad_account_id } : {});
  history.replaceState(null, '', `?${new URLSearchParams({ ...form }).toString()}`);
  say('Loading…');
  try {
    const [performance, curve, products, alerts] = await Promise.all([getJson('/v1/reports/performance', query), getJson('/v1/reports/slow-burn', curveQuery), getJson('/v1/reports/products', productQuery), getJson('/v1/alerts', alertQuery)]);
    tokenForm.hidden = true;
    clear();
    const rows = performance.rows;
    const windowDays = rows[0]?.routy.window_days ?? form.window;
    const compareDays = Number(form.compare);
    for (const span of document.querySelectorAll('.window-label')) span.textContent = `${windowDays}-day against ${compareDays}-day window`;
    drawAlerts(alerts.alerts);
    drawCostCharts(rows, windowDays, compareDays);
    drawPerformanceTable(rows, windowDays, compareDays);
    drawProductsTable(products.rows, windowDays, compareDays);
    drawCurve(curve.rows);
    if (rows.length === 0) {
      say(`No spend or attributed conversions${form.ad_account_id ? ` for ad account ${form.ad_account_id}` : ''} from ${form.start_date} to ${form.end_date}.`);
      document.body.dataset.loaded = 'true';
      return;
    }
    say(`${rows.length} rows, ${form.start_date} to ${form.end_date}.`);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    clear();
    if (error instanceof Unauthorized) {
      tokenForm.hidden = false;
      say('The API token is missing or wrong.', true);
    } else {
      say(`Could not load the report: ${error.message}`, true);
    }
    document.body.dataset.loaded = 'error';
  }
}

controls.addEventListener('submit', (event) => {
  event.preventDefault();
  void show();
});
tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, tokenForm.elements.token.value.trim());
  tokenForm.reset();
  void show();
});
void show();
