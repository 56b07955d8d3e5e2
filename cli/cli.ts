// `npx routy-pinterest`: the command-line side (dry runs and explanations for operators).
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { parseEncryptionKeys, TokenCipher } from '../secrets/token-cipher';
import { reencryptSecrets } from '../store/connections-store';
import { openDatabase } from '../store/database';
import { loadConfig } from '../service/config';
import { previewLine } from './capi-preview';
import type { ReportRow } from '../reports/performance-report';
import { formatProductTable, formatReportTable, formatSlowBurnTable } from '../reports/report-table';
import type { SlowBurnRow } from '../reports/slow-burn-report';
import { formatExplanation, type ConversionExplanation, type RejectedExplanation } from '../reports/conversion-explainer';
import { addExchangeRateCommands } from './exchange-rates-cli';
import { addOperatorCommands } from './operator-commands';
import { addBackfillCommand } from './backfill-command';
import { addCpaAlertCommands } from './cpa-alert-commands';
import { terminalSafe } from '../domain/terminal-text';

/** The running service, its default report range (the last 30 days, UTC). */
const serviceUrl = process.env.ROUTY_URL ?? `http://127.0.0.1:${process.env.ROUTY_HTTP_PORT || 8080}`;
const defaultFrom = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
const defaultTo = new Date().toISOString().slice(0, 10);

const program = new Command().name('routy-pinterest').description('Routy Pinterest Ads integration: operator commands.');

program
  .command('capi-preview')
  .description('Read conversions (the ingress JSON shape, one per line) on stdin; print the Conversions API event each would produce, or its validation error. No network, no database.')
  .action(async () => {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n += 1;
      if (line.trim() === '') continue;
      process.stdout.write(`${previewLine(line, n, new Date())}\n`);
    }
  });

program
  .command('conversion')
  .argument('<event_id>', 'the conversion event_id as Routy sent it')
  .description('Explain one conversion: its state, the pin it was credited to and why, and its Conversions API outcome.')
  .option('--json', 'print the explanation as JSON')
  .option('--url <url>', 'the running service', serviceUrl)
  .action(async (eventId: string, options: { json?: boolean; url: string }) => {
    const body = (await askService(options.url, `/v1/conversions/${encodeURIComponent(eventId)}`, new URLSearchParams(), {
      expect: 'json',
      errorsAsJson: options.json,
    })) as { conversions: Array<ConversionExplanation | RejectedExplanation> };
    console.log(options.json ? JSON.stringify(body.conversions, null, 2) : body.conversions.map(formatExplanation).join('\n\n'));
  });

/** The service's query field behind each report flag, so a refusal names the flag that was typed. */
const reportFlagOfField: Record<string, string> = {
  level: '--level',
  window: '--window',
  compare: '--compare',
  start_date: '--from',
  end_date: '--to',
  ad_account_id: '--ad-account',
};

/** The service's 4xx body: `{ error, issues: [{ field, message }] }` (http/ingress-server.ts). */
const refusalSchema = z.object({
  error: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/**
 * GET `route` from the running service with ROUTY_INGRESS_TOKEN (or, with `method: 'PUT'`, send
 * `body` as JSON) and return its body: parsed JSON, or the CSV text with `expect: 'csv'`. Exits 2
 * when the service cannot be reached. Exits 1 on an error answer, printed with each refused field
 * named by its flag (`flags`, default the report flags: `start_date` as `--from`), or on an answer
 * of another type (a `--url` that is not this service); with `errorsAsJson` the error goes to
 * stdout as `{"error": ...}`.
 */
async function askService(
  url: string,
  route: string,
  query: URLSearchParams,
  options: { expect: 'json' | 'csv'; errorsAsJson?: boolean; method?: 'GET' | 'PUT'; body?: unknown; flags?: Record<string, string> },
): Promise<unknown> {
  const flagOfField = options.flags ?? reportFlagOfField;
  const fail = (message: string): never => {
    if (options.errorsAsJson) console.log(JSON.stringify({ error: message }));
    // The service's refusal can quote what was asked (a hostile event_id): shown, never run.
    else console.error(message.split('\n').map(terminalSafe).join('\n'));
    process.exit(1);
  };
  const token = process.env.ROUTY_INGRESS_TOKEN;
  const target = `${url.replace(/\/$/, '')}${route}${query.size ? `?${query}` : ''}`;
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) };
  const request = { method: options.method ?? 'GET', headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) };
  const response = await fetch(target, request).catch((error: unknown) => {
    console.error(`cannot reach ${url} (is the service running? set --url or ROUTY_URL): ${String(error)}`);
    process.exit(2);
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? 'no content type';
  let json: unknown;
  try {
    json = type.startsWith('application/json') ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const refusal = refusalSchema.safeParse(json).data;
    if (refusal?.issues?.length) {
      // The service names its query fields; the user typed flags.
      const asFlags = (words: string) => words.replace(new RegExp(`\\b(${Object.keys(flagOfField).join('|')})\\b`, 'g'), (field) => flagOfField[field]!);
      return fail(refusal.issues.map((issue) => `${flagOfField[issue.field] ?? issue.field}: ${asFlags(issue.message)}`).join('\n'));
    }
    return fail(refusal?.error ?? `${url} answered HTTP ${response.status}`);
  }
  const expected = options.expect === 'csv' ? 'text/csv' : 'application/json';
  if (!type.startsWith(expected) || (options.expect === 'json' && json === undefined)) {
    return fail(`${url} answered ${type} where ${expected} was expected: is --url (or ROUTY_URL) this service?`);
  }
  return options.expect === 'csv' ? text : json;
}

/** The flags both report commands take (see reportCommand). */
interface ReportFlags {
  level: string;
  window: string;
  compare?: string;
  performancePlus?: string;
  from: string;
  to: string;
  adAccount?: string;
  json?: boolean;
  csv?: boolean;
  url: string;
}

/**
 * A command that asks the running service for a report at `route` and prints it as a table, JSON
 * (`--json`, the service's `{ request, rows }`) or CSV (`--csv`). Dates are account-timezone days.
 */
function reportCommand<Row>(spec: {
  name: string;
  description: string;
  levels: string;
  windows: string;
  /** Whether `--compare` (a second window beside the first) is offered. */
  compare: boolean;
  /** Whether `--performance-plus true|false` (only rows of Performance+ campaigns, or only others) is offered. */
  performancePlus: boolean;
  /** What `--from`/`--to` bound: "day" or "conversion day". */
  day: string;
  route: string;
  table: (rows: Row[]) => string;
  /** Levels answered by another route (its query has no `level`) and printed by another table. */
  otherLevels?: Record<string, { route: string; table: (rows: never[]) => string }>;
}): void {
  const command = program
    .command(spec.name)
    .description(spec.description)
    .option('--level <level>', spec.levels, 'campaign')
    .option('--window <days>', spec.windows, '30');
  if (spec.compare) command.option('--compare <days>', 'a second window shown beside the first (1, 7, 14, 30 or 60)');
  if (spec.performancePlus) command.option('--performance-plus <true|false>', 'only rows of Performance+ campaigns (true) or of the others (false)');
  command
    .option('--from <date>', `first ${spec.day} (YYYY-MM-DD)`, defaultFrom)
    .option('--to <date>', `last ${spec.day} (YYYY-MM-DD)`, defaultTo)
    .option('--ad-account <id>', 'one ad account (default: all connected)')
    .addOption(new Option('--json', 'print JSON').conflicts('csv'))
    .option('--csv', 'print CSV')
    .option('--url <url>', 'the running service', serviceUrl)
    .action(async (options: ReportFlags) => {
      const other = spec.otherLevels?.[options.level];
      const route = other?.route ?? spec.route;
      const query = new URLSearchParams({ ...(other ? {} : { level: options.level }), window: options.window, start_date: options.from, end_date: options.to });
      // An empty value typed (`--ad-account ""`) goes to the service to be refused, not dropped.
      if (options.compare !== undefined) query.set('compare', options.compare);
      if (options.adAccount !== undefined) query.set('ad_account_id', options.adAccount);
      if (options.performancePlus !== undefined) query.set('performance_plus', options.performancePlus);
      if (options.csv) query.set('format', 'csv');
      if (options.csv) return void process.stdout.write((await askService(options.url, route, query, { expect: 'csv' })) as string);
      const body = (await askService(options.url, route, query, { expect: 'json' })) as { rows: never[] };
      if (options.json) return void console.log(JSON.stringify(body));
      console.log((other?.table ?? spec.table)(body.rows));
    });
}

reportCommand<ReportRow>({
  name: 'report',
  description: 'Cost per conversion by campaign, ad group or pin, or per product (SKU: conversions, units, revenue, cost share, pins; beside 7 days unless --compare), under a window and side by side with another (asks the running service).',
  levels: 'campaign, ad_group, pin or product',
  windows: '1, 7, 14, 30, 60 or account',
  compare: true,
  performancePlus: true,
  day: 'day',
  route: '/v1/reports/performance',
  table: formatReportTable,
  otherLevels: { product: { route: '/v1/reports/products', table: formatProductTable } },
});

reportCommand<SlowBurnRow>({
  name: 'slow-burn',
  description: 'For each campaign or pin, the cumulative share of attributed conversions by days from the click or save, and the share after day 7.',
  levels: 'campaign or pin',
  windows: "the curve's length: 1, 7, 14, 30 or 60",
  compare: false,
  performancePlus: false,
  day: 'conversion day',
  route: '/v1/reports/slow-burn',
  table: formatSlowBurnTable,
});

addExchangeRateCommands(program, askService, serviceUrl);
// Operators steer the account workflows through the typed client (Temporal, the service's keys).
addOperatorCommands(program);
addBackfillCommand(program);
addCpaAlertCommands(program);

// The production roles, one per process (README "Past one machine"); `npm start` runs both at once.
program
  .command('worker')
  .description('Run the worker alone: ad account workflows and their activities, on DATABASE_URL (PostgreSQL) and TEMPORAL_ADDRESS. Run as many copies as needed.')
  .action(async () => {
    await import('../service/start-worker');
  });

program
  .command('ingress')
  .description('Run the HTTP ingress alone, on DATABASE_URL (PostgreSQL) and TEMPORAL_ADDRESS, with ROUTY_INGRESS_TOKEN. Run as many copies as needed behind a load balancer.')
  .action(async () => {
    await import('../service/start-ingress');
  });

program
  .command('rotate-keys')
  .description(
    'Re-encrypt every stored OAuth and conversion token under the first key of ROUTY_ENCRYPTION_KEYS (prepend the new key, restart the workers, run this; see README, "Rotate keys"). Uses DATABASE_URL, or the PGlite folder under ROUTY_DATA_DIR.',
  )
  .action(async () => {
    try {
      const config = loadConfig(process.env);
      if (!config.ROUTY_ENCRYPTION_KEYS) throw new Error('ROUTY_ENCRYPTION_KEYS must be set: the new key first, then the ones still in use');
      const keys = parseEncryptionKeys(config.ROUTY_ENCRYPTION_KEYS);
      const duplicate = keys.find((k, i) => keys.findIndex((other) => other.id === k.id) !== i);
      if (duplicate) throw new Error(`ROUTY_ENCRYPTION_KEYS lists the key id "${duplicate.id}" twice`);
      if (!config.DATABASE_URL && (await serviceRunning(config.ROUTY_DATA_DIR))) {
        throw new Error(`the service is running on the embedded database in ${config.ROUTY_DATA_DIR}: stop it first (PGlite takes one process at a time)`);
      }
      const cipher = new TokenCipher(keys);
      const db = await openDatabase(config.DATABASE_URL ? { kind: 'postgres', url: config.DATABASE_URL } : { kind: 'pglite', dataDir: path.join(config.ROUTY_DATA_DIR, 'pglite') });
      try {
        const rewritten = await reencryptSecrets(db, cipher);
        console.log(JSON.stringify({ key_id: cipher.currentKeyId, rewritten }));
      } finally {
        await db.destroy();
      }
    } catch (error) {
      program.error(`rotate-keys: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

/** Whether a service process holds the data folder (service/app.ts writes its pid to `<dir>/service.pid`). */
async function serviceRunning(dataDir: string): Promise<boolean> {
  const pid = Number((await readFile(path.join(dataDir, 'service.pid'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

await program.parseAsync();
