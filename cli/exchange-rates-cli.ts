// `npx routy-pinterest exchange-rates load|list`: the operator's exchange rates, through the running service.
import { readFile } from 'node:fs/promises';
import { terminalSafe } from '../domain/terminal-text';
import type { Command } from 'commander';
import { exchangeRatesBodySchema, type ExchangeRate } from '../domain/exchange-rates';
import { fieldIssues } from '../domain/field-issues';

/** The CLI's request to the running service (cli.ts `askService`): JSON in, parsed JSON out; exits on an error answer. */
export type AskService = (
  url: string,
  route: string,
  query: URLSearchParams,
  options: { expect: 'json'; errorsAsJson?: boolean; method?: 'GET' | 'PUT'; body?: unknown; flags?: Record<string, string> },
) => Promise<unknown>;

/**
 * The rates in a file's text: JSON (`{rates: [...]}` or a bare array) when it starts with `{` or
 * `[`, else CSV with the columns `date,from,to,rate` (a header line naming them is optional; blank
 * lines are skipped; fields may be double-quoted). `lines[i]` is the 1-based line of `rates[i]`
 * in a CSV file (undefined for JSON). Values are not checked here (exchangeRatesBodySchema does).
 * @throws Error naming the line of a CSV line without four fields, or the JSON parse error.
 */
export function parseRatesFile(text: string): { body: unknown; lines?: number[] } {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const parsed = JSON.parse(trimmed) as unknown;
    return { body: Array.isArray(parsed) ? { rates: parsed } : parsed };
  }
  const rates: Array<Record<string, string>> = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
    if (rates.length === 0 && lines.length === 0 && cells.join(',').toLowerCase() === 'date,from,to,rate') return;
    if (cells.length !== 4) throw new Error(`line ${i + 1}: must have 4 fields (date,from,to,rate), has ${cells.length}`);
    const [date, from, to, rate] = cells as [string, string, string, string];
    rates.push({ date, from, to, rate });
    lines.push(i + 1);
  });
  return { body: { rates }, lines };
}

/** `rates.<i>.<field>` as "line <n>: <field>" when the line of rate i is known. */
const atLine = (field: string, lines?: number[]) => {
  const match = /^rates\.(\d+)(?:\.(.+))?$/.exec(field);
  const line = match && lines ? lines[Number(match[1])] : undefined;
  return line === undefined ? field : `line ${line}${match![2] ? `: ${match![2]}` : ''}`;
};

/** Adds `exchange-rates load <file>` and `exchange-rates list` to the CLI. */
export function addExchangeRateCommands(program: Command, askService: AskService, serviceUrl: string): void {
  const rates = program.command('exchange-rates').description('Dated exchange rates the reports convert foreign-currency conversion values with (asks the running service).');
  rates
    .command('load')
    .argument('[file]', 'a CSV (date,from,to,rate) or JSON ({rates: [...]}) file; "-" or none: stdin')
    .description('Upsert rates: on date, 1 unit of from is worth rate units of to (ISO 4217 codes, positive decimal). All or none: a wrong line is named and nothing is stored.')
    .option('--url <url>', 'the running service', serviceUrl)
    .option('--json', 'print the answer as JSON')
    .action(async (file: string | undefined, options: { url: string; json?: boolean }) => {
      const text = file === undefined || file === '-' ? await readStdin() : await readFile(file, 'utf8').catch((error: unknown) => fail(`cannot read ${file}: ${String(error)}`));
      let parsed: ReturnType<typeof parseRatesFile>;
      try {
        parsed = parseRatesFile(text);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      // Checked here first, so a refusal names the file's line; the service checks again.
      const checked = exchangeRatesBodySchema.safeParse(parsed.body);
      if (!checked.success) return fail(fieldIssues(checked.error, '(file)').map((i) => `${atLine(i.field, parsed.lines)}: ${i.message}`).join('\n'));
      const answer = (await askService(options.url, '/v1/exchange-rates', new URLSearchParams(), { expect: 'json', method: 'PUT', body: checked.data, flags: {} })) as { stored: number };
      console.log(options.json ? JSON.stringify(answer) : `stored ${answer.stored} rate${answer.stored === 1 ? '' : 's'}`);
    });
  rates
    .command('list')
    .description('Print the stored rates (date, from, to, rate), ordered by from, to and date.')
    .option('--from <code>', 'only rates from this currency')
    .option('--to <code>', 'only rates into this currency')
    .option('--start-date <date>', 'first date (YYYY-MM-DD)')
    .option('--end-date <date>', 'last date (YYYY-MM-DD)')
    .option('--url <url>', 'the running service', serviceUrl)
    .option('--json', 'print JSON')
    .action(async (options: { from?: string; to?: string; startDate?: string; endDate?: string; url: string; json?: boolean }) => {
      const query = new URLSearchParams();
      for (const [name, value] of [['from', options.from], ['to', options.to], ['start_date', options.startDate], ['end_date', options.endDate]] as const) {
        if (value !== undefined) query.set(name, value);
      }
      const flags = { from: '--from', to: '--to', start_date: '--start-date', end_date: '--end-date' };
      const answer = (await askService(options.url, '/v1/exchange-rates', query, { expect: 'json', flags })) as { rates: ExchangeRate[] };
      if (options.json) return void console.log(JSON.stringify(answer));
      if (answer.rates.length === 0) return void console.log('no exchange rates stored');
      console.log(['date        from  to    rate', ...answer.rates.map((r) => terminalSafe(`${r.date}  ${r.from.padEnd(4)}  ${r.to.padEnd(4)}  ${r.rate}`))].join('\n'));
    });
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
