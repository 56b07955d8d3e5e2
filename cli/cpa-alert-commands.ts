// `npx routy-pinterest cpa-target | alerts`: an account's target cost per conversion (the
// workflow's validated `setCpaTargets` update, over the typed client) and its CPA alerts (from
// DATABASE_URL, else the newest few of `status`). Flags are checked with the workflow's schema first.
import type { Command } from 'commander';
import { cpaTargetsProblems, type CpaTargets, type CpaTargetsRequest } from '../domain/cpa-targets';
import { terminalSafe } from '../domain/terminal-text';
import { formatAlertTable } from '../reports/cpa-alert-table';
import { badFlagsExit2, withClient } from './operator-commands';
import { refuseFlags } from './operator-env';

interface TargetFlags {
  adAccount: string;
  target?: string;
  clear?: boolean;
  campaign?: string;
  pin?: string;
  currency?: string;
  json?: boolean;
}

/** The request the flags ask for (`{}`: print the targets). @throws CommandFailure naming the flag. */
function targetRequest(flags: TargetFlags): CpaTargetsRequest {
  if (flags.campaign !== undefined && flags.pin !== undefined) refuseFlags(['--campaign, --pin: give one of them (or neither, for the account\'s target)']);
  if (flags.clear && flags.target !== undefined) refuseFlags(['--clear: not with --target']);
  if ((flags.campaign !== undefined || flags.pin !== undefined || flags.currency !== undefined) && !flags.clear && flags.target === undefined) refuseFlags(['--target: required with --campaign, --pin or --currency (or --clear)']);
  if (!flags.clear && flags.target === undefined) return {};
  const value = flags.clear ? null : flags.target!.trim();
  const request: CpaTargetsRequest = flags.campaign !== undefined ? { campaigns: { [flags.campaign.trim()]: value } } : flags.pin !== undefined ? { pins: { [flags.pin.trim()]: value } } : { account: value };
  if (flags.currency !== undefined) request.currency = flags.currency.trim().toUpperCase();
  const flagOf = (field: string) => (field === 'account' ? '--target' : field.startsWith('campaigns.') ? '--campaign' : field.startsWith('pins.') ? '--pin' : `--${field}`);
  refuseFlags(cpaTargetsProblems(request).map((line) => line.replace(/^([\w.]+):/, (_whole, field: string) => `${flagOf(field)}:`)));
  return request;
}

/** The targets in force, a line each: account, then campaigns, then pins (ad ids). */
function formatTargets(targets: CpaTargets): string {
  const lines = [`ad account ${targets.ad_account_id}: target cost per conversion ${targets.account === null ? 'not set' : `${targets.account} ${targets.currency}`}`];
  for (const [id, value] of Object.entries(targets.campaigns)) lines.push(`  campaign ${id}: ${value} ${targets.currency}`);
  for (const [id, value] of Object.entries(targets.pins)) lines.push(`  pin (ad) ${id}: ${value} ${targets.currency}`);
  return lines.map(terminalSafe).join('\n');
}

/** Adds `cpa-target` and `alerts` to the CLI. */
export function addCpaAlertCommands(program: Command): void {
  badFlagsExit2(program.command('cpa-target'))
    .description('Print or set the account\'s target cost per conversion (account currency), or a campaign\'s or pin\'s (ad id) overriding it (setCpaTargets update; alerts are evaluated right after).')
    .requiredOption('--ad-account <id>', 'the ad account')
    .option('--target <amount>', 'a positive decimal in the account currency, e.g. 12.50')
    .option('--clear', 'remove the target')
    .option('--campaign <id>', 'set the target of this campaign')
    .option('--pin <ad id>', 'set the target of this pin (its ad id, the pin report\'s id)')
    .option('--currency <code>', 'refuse unless the account\'s currency is this one')
    .option('--json', 'print the targets as JSON')
    .action((flags: TargetFlags) =>
      withClient(flags, async ({ client }, request) => {
        const targets = await client.setCpaTargets(flags.adAccount, request);
        console.log(flags.json ? JSON.stringify(targets) : formatTargets(targets));
      }, () => targetRequest(flags)),
    );

  badFlagsExit2(program.command('alerts'))
    .description('The account\'s CPA alerts: pins and campaigns whose 30-day and 7-day costs per conversion lie on different sides of the target. From DATABASE_URL (PostgreSQL); without it, the newest open ones the status query knows.')
    .requiredOption('--ad-account <id>', 'the ad account')
    .option('--all', 'include cleared alerts')
    .option('--json', 'print one JSON array')
    .action((flags: { adAccount: string; all?: boolean; json?: boolean }) =>
      withClient({ ...flags, database: true }, async ({ client }) => {
        const stored = await client.cpaAlerts(flags.adAccount, { include_cleared: flags.all });
        if (stored) return void console.log(flags.json ? JSON.stringify(stored) : formatAlertTable(stored));
        const summary = (await client.status(flags.adAccount)).cpa_alerts;
        const latest = summary?.latest ?? [];
        if (flags.json) return void console.log(JSON.stringify(latest));
        console.log(formatAlertTable(latest));
        console.log(summary ? `DATABASE_URL is unset: the newest ${latest.length} of ${summary.open} open alerts, as of ${summary.evaluated_at}` : 'DATABASE_URL is unset, and the account has not evaluated its alerts yet');
      }),
    );
}
