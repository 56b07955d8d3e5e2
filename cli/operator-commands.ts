// `npx routy-pinterest accounts | pause | resume | disconnect | settings`: operators steer the ad
// account workflows through the typed client (Temporal directly, payloads under the service's
// keys), never through the Temporal CLI. Flags are checked with the workflow's own schemas first,
// so a refusal names the flag.
import type { Command } from 'commander';
import { z } from 'zod';
import { conversionReportTimeSchema, settingsProblems, windowDaysSchema, type AttributionSettings } from '../domain/attribution-settings';
import { terminalSafe } from '../domain/terminal-text';
import { callOriginProblems } from '../workflows/call-guards';
import { pauseProblems } from '../workflows/ad-account-types';
import { connectOperator, defaultBy, refuseFlags, runCommand, type OperatorConnection } from './operator-env';
import { formatAccountsTable, formatMsot, formatStatus, settingsLine } from './operator-format';

/** The workflow's field behind each flag, so a refusal names the flag that was typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  reason: '--reason',
  'origin.by': '--by',
  click_window_days: '--click-window-days',
  engagement_window_days: '--engagement-window-days',
  view_window_days: '--view-window-days',
  conversion_report_time: '--conversion-report-time',
  opt_in: '--msot',
  start_date: '--from',
  end_date: '--to',
};

/** `field: message` problems (or a workflow's refusal, `; `-separated) as lines naming flags. */
export function asFlagLines(problems: string[] | string): string[] {
  const list = typeof problems === 'string' ? problems.split('; ') : problems;
  return list.map((line) => line.replace(/^([\w.]+):/, (whole, field: string) => (FLAG_OF_FIELD[field] ? `${FLAG_OF_FIELD[field]}:` : whole)));
}

/** Commander's own errors (unknown flag, missing value) exit 2 like every bad flag; `--help` exits 0. */
export function badFlagsExit2(command: Command): Command {
  return command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
}

/**
 * Checks the flags (`check`: what they ask for, or a CommandFailure naming the flag), connects,
 * runs `use`, closes; a failure ends the process (runCommand).
 */
export async function withClient<P = undefined>(
  options: { json?: boolean; adAccount?: string; by?: string; database?: boolean },
  use: (connection: OperatorConnection, asked: P) => Promise<void>,
  check: () => P = () => undefined as P,
): Promise<void> {
  await runCommand(async () => {
    if (options.adAccount !== undefined && options.adAccount.trim() === '') refuseFlags(['--ad-account: must not be empty']);
    const by = options.by ?? defaultBy();
    refuseFlags(asFlagLines(callOriginProblems('resume', { call: 'resume', by })));
    const asked = check();
    const connection = await connectOperator(by, { database: options.database });
    try {
      await use(connection, asked);
    } catch (error) {
      // The workflow's validator names its fields; the operator typed flags.
      if (error instanceof Error && !(error.name === 'WorkflowNotFoundError')) error.message = asFlagLines(error.message).join('\n');
      throw error;
    } finally {
      await connection.close();
    }
  }, options);
}

/** A window flag's value: digits become a number; the window schema's message names what is allowed. */
function windowDays(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = windowDaysSchema.safeParse(/^\d+$/.test(text.trim()) ? Number(text) : text);
  if (!parsed.success) refuseFlags([`${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`]);
  return parsed.data;
}

interface SettingsFlags {
  adAccount: string;
  clickWindowDays?: string;
  engagementWindowDays?: string;
  viewWindowDays?: string;
  conversionReportTime?: string;
  msot?: string;
  json?: boolean;
}

/** The settings change the flags ask for (checked with the workflow's schemas). @throws CommandFailure naming the flag. */
function settingsChange(flags: SettingsFlags): { change: Partial<AttributionSettings>; msot?: boolean } {
  const change: Partial<AttributionSettings> = {};
  const click = windowDays('--click-window-days', flags.clickWindowDays);
  const engagement = windowDays('--engagement-window-days', flags.engagementWindowDays);
  const view = windowDays('--view-window-days', flags.viewWindowDays);
  if (click !== undefined) change.click_window_days = click;
  if (engagement !== undefined) change.engagement_window_days = engagement;
  if (view !== undefined) change.view_window_days = view;
  if (flags.conversionReportTime !== undefined) {
    const time = conversionReportTimeSchema.safeParse(flags.conversionReportTime.trim().toUpperCase());
    if (!time.success) refuseFlags([`--conversion-report-time: ${time.error.issues[0]?.message ?? 'invalid'}`]);
    change.conversion_report_time = time.data;
  }
  refuseFlags(asFlagLines(settingsProblems(change)));
  const msot = flags.msot === undefined ? undefined : z.enum(['on', 'off']).safeParse(flags.msot.trim().toLowerCase());
  if (msot && !msot.success) refuseFlags(['--msot: must be on or off']);
  return { change, ...(msot ? { msot: msot.data === 'on' } : {}) };
}

/** Adds `accounts`, `pause`, `resume`, `disconnect` and `settings` to the CLI. */
export function addOperatorCommands(program: Command): void {
  badFlagsExit2(program.command('accounts'))
    .description('List every ad account workflow (running, and ended ones marked): status, health, last and next pull, pending and unsent conversions, backfill pieces, rate limit. Talks to Temporal (TEMPORAL_ADDRESS, ROUTY_ENCRYPTION_KEYS); unsent counts need DATABASE_URL.')
    .option('--json', 'print one JSON array')
    .action((options: { json?: boolean }) =>
      withClient({ ...options, database: true }, async ({ client }) => {
        const rows = await client.listAdAccounts();
        console.log(options.json ? JSON.stringify(rows) : formatAccountsTable(rows));
      }),
    );

  const statusAnswer = (json: boolean | undefined, status: Parameters<typeof formatStatus>[0]) => console.log(json ? JSON.stringify(status) : formatStatus(status));

  badFlagsExit2(program.command('pause'))
    .description('Pause every Pinterest call of the account (pulls, backfills, Conversions API sends); Routy\'s records are still stored and matched. Prints the status.')
    .requiredOption('--ad-account <id>', 'the ad account')
    .option('--reason <text>', 'why (up to 200 characters; shown in status)')
    .option('--json', 'print the status as JSON')
    .action((options: { adAccount: string; reason?: string; json?: boolean }) =>
      withClient(
        options,
        async ({ client }) => statusAnswer(options.json, await client.pause(options.adAccount, options.reason)),
        () => refuseFlags(asFlagLines(pauseProblems(options.reason === undefined ? {} : { reason: options.reason }))),
      ),
    );

  badFlagsExit2(program.command('resume'))
    .description('End a pause: pulls at once (missed days included) and sends what waited. Prints the status.')
    .requiredOption('--ad-account <id>', 'the ad account')
    .option('--by <name>', 'who resumes it (logged by the workflow; default "cli: $USER")')
    .option('--json', 'print the status as JSON')
    .action((options: { adAccount: string; by?: string; json?: boolean }) => withClient(options, async ({ client }) => statusAnswer(options.json, await client.resume(options.adAccount))));

  badFlagsExit2(program.command('disconnect'))
    .description('Disconnect the account: its workflow stores what Routy already sent, then ends. Prints the last status.')
    .requiredOption('--ad-account <id>', 'the ad account')
    .option('--by <name>', 'who disconnects it (logged by the workflow; default "cli: $USER")')
    .option('--json', 'print the status as JSON')
    .action((options: { adAccount: string; by?: string; json?: boolean }) => withClient(options, async ({ client }) => statusAnswer(options.json, await client.disconnect(options.adAccount))));

  badFlagsExit2(program.command('settings'))
    .description('Print the account\'s attribution settings, or change them (validated by the workflow; the next pull re-reads the backfill under them) and opt in to or out of MSOT events.')
    .requiredOption('--ad-account <id>', 'the ad account')
    .option('--click-window-days <n>', 'click window: 0, 1, 7, 14, 30 or 60 days (0: off)')
    .option('--engagement-window-days <n>', 'engagement (save) window: 0, 1, 7, 14, 30 or 60 days')
    .option('--view-window-days <n>', 'view window: 0, 1, 7, 14, 30 or 60 days')
    .option('--conversion-report-time <t>', 'TIME_OF_AD_ACTION or TIME_OF_CONVERSION')
    .option('--msot <on|off>', 'Measurement Source of Truth events (setMsotOptIn)')
    .option('--json', 'print JSON: {settings, msot?}')
    .action((flags: SettingsFlags) =>
      withClient(flags, async ({ client }, { change, msot }) => {
        const changing = Object.keys(change).length > 0;
        const settings = changing ? await client.updateSettings(flags.adAccount, change) : (await client.status(flags.adAccount)).settings;
        const msotAnswer = msot === undefined ? undefined : await client.setMsotOptIn(flags.adAccount, { opt_in: msot });
        if (flags.json) return void console.log(JSON.stringify({ settings, ...(msotAnswer ? { msot: msotAnswer } : {}) }));
        console.log(terminalSafe(`ad account ${flags.adAccount}: ${settingsLine(settings)}${changing ? ' (saved; the next pull re-reads the backfill under them)' : ''}`));
        if (msotAnswer) console.log(formatMsot(msotAnswer));
      }, () => settingsChange(flags)),
    );
}
