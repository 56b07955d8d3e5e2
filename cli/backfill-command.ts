// `npx routy-pinterest backfill --ad-account ID --from D --to D [--no-wait]`: queues a backfill
// through the `backfill` update, then follows each piece in `status` until all are done: a
// progress bar per piece on a terminal, one plain line per change otherwise.
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { terminalSafe } from '../domain/terminal-text';
import { backfillProblems } from '../domain/pull-plan';
import type { QueuedBackfillRange } from '../workflows/backfill-queue';
import type { AdAccountStatus } from '../workflows/ad-account-types';
import { asFlagLines, badFlagsExit2, withClient } from './operator-commands';
import { CommandFailure, refuseFlags } from './operator-env';
import { backfillSummary, finished, pieceLine, pieceStates, stepValue, STEPS_TOTAL, type PieceState } from './backfill-pieces';
import type { RoutyPinterestClient } from '../client/routy-client';

/** How often `status` is asked while following, in milliseconds. */
const POLL_MS = 1000;

interface BackfillFlags {
  adAccount: string;
  from: string;
  to: string;
  wait: boolean;
  json?: boolean;
}

/** Why the account's backfill is not moving, if anything stops it: paused, needs_reauth, a daily cap. */
function blockerOf(status: AdAccountStatus): string | undefined {
  if (status.paused) return `waiting: the account is paused${status.paused_reason ? ` (${status.paused_reason})` : ''}; resume it to go on`;
  if (status.connection_status === 'needs_reauth') return 'waiting: Pinterest refused the grant (needs_reauth); reconnect the account to go on';
  if (status.rate_limited_until && Date.parse(status.rate_limited_until) > Date.now()) return `waiting: rate limited until ${status.rate_limited_until}`;
  return undefined;
}

/** How progress is shown: bars redrawn on a terminal, else a line per change. */
interface ProgressView {
  show(states: PieceState[]): void;
  note(line: string): void;
  stop(): void;
}

function barsView(first: PieceState[]): ProgressView {
  const multibar = new cliProgress.MultiBar(
    { format: '{range} [{bar}] {step}', stream: process.stdout, hideCursor: true, clearOnComplete: false, barsize: 20, autopadding: true },
    cliProgress.Presets.shades_classic,
  );
  // Ctrl-C ends the following (the workflow goes on), with the cursor shown again.
  const interrupted = () => {
    multibar.stop();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  const label = (state: PieceState) => terminalSafe(pieceLine(state)).split(': ');
  const bars = first.map((state) => {
    const [range, step] = label(state);
    return multibar.create(STEPS_TOTAL, stepValue(state.step), { range, step });
  });
  return {
    show: (states) => states.forEach((state, i) => {
      const [range, step] = label(state);
      bars[i]!.update(stepValue(state.step), { range, step });
    }),
    note: (line) => multibar.log(`${terminalSafe(line)}\n`),
    stop: () => {
      process.off('SIGINT', interrupted);
      multibar.stop();
    },
  };
}

function linesView(): ProgressView {
  const shown = new Map<number, string>();
  return {
    show: (states) => states.forEach((state, i) => {
      const line = pieceLine(state);
      if (shown.get(i) !== line) console.log(terminalSafe(line));
      shown.set(i, line);
    }),
    note: (line) => console.log(terminalSafe(line)),
    stop: () => {},
  };
}

/** Follows `pieces` in `status` until every one is stored or dropped. @throws CommandFailure when the account is disconnected meanwhile. */
async function follow(client: RoutyPinterestClient, adAccount: string, pieces: QueuedBackfillRange[], baseline: number, json: boolean): Promise<PieceState[]> {
  let view: ProgressView | undefined;
  let blocker: string | undefined;
  try {
    for (;;) {
      const status = await client.status(adAccount);
      const states = pieceStates(pieces, status, baseline);
      if (!json) {
        view ??= process.stdout.isTTY ? barsView(states) : linesView();
        view.show(states);
        const now = blockerOf(status);
        if (now && now !== blocker) view.note(now);
        blocker = now;
      }
      if (states.every(finished)) return states;
      if (status.connection_status === 'disconnected') {
        throw new CommandFailure(`--ad-account: ad account ${adAccount} was disconnected; ${states.filter((s) => !finished(s)).length} pieces not done`, 1);
      }
      await sleep(POLL_MS);
    }
  } finally {
    view?.stop();
  }
}

/** Adds `backfill` to the CLI. */
export function addBackfillCommand(program: Command): void {
  badFlagsExit2(program.command('backfill'))
    .description('Backfill a date range (account-timezone days) through async reports, in pieces of at most 186 days, clamped to the account\'s history; then follow each piece to the end (a progress bar each on a terminal, a line per change otherwise) and print rows, days and clamped ranges.')
    .requiredOption('--ad-account <id>', 'the ad account')
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last day (YYYY-MM-DD)')
    .option('--no-wait', 'print the pieces queued and exit')
    .option('--json', 'print JSON: the pieces queued (--no-wait), or {pieces, states, summary} at the end')
    .action((flags: BackfillFlags) =>
      withClient(
        flags,
        async ({ client }, range) => {
          const baseline = (await client.status(flags.adAccount)).backfill_progress?.finished_total ?? 0;
          const pieces = await client.backfill(flags.adAccount, range);
          if (!flags.wait) {
            if (flags.json) return void console.log(JSON.stringify(pieces));
            const queued = pieces.map((piece) => pieceLine({ piece, step: 'queued' }));
            const hint = `the workflow works through them; see their progress in: npx routy-pinterest accounts`;
            return void console.log([...queued, ...clampedLines(pieces), hint].map(terminalSafe).join('\n'));
          }
          if (!flags.json) console.log(`queued ${pieces.length} piece${pieces.length === 1 ? '' : 's'}`);
          const states = await follow(client, flags.adAccount, pieces, baseline, Boolean(flags.json));
          const summary = backfillSummary(states);
          if (flags.json) console.log(JSON.stringify({ pieces, states: states.map(({ piece: _piece, ...state }) => state), summary }));
          else console.log(summary.map(terminalSafe).join('\n'));
          if (states.some((s) => s.step === 'dropped')) {
            throw new CommandFailure(`${states.filter((s) => s.step === 'dropped').length} piece(s) dropped: see last_error in status`, 1);
          }
        },
        () => {
          const range = { start_date: flags.from, end_date: flags.to };
          // Today in UTC and no creation date: the workflow checks again with the account's.
          refuseFlags(asFlagLines(backfillProblems(range, new Date().toISOString().slice(0, 10))));
          return range;
        },
      ),
    );
}

/** The clamped piece's line of the summary, for `--no-wait`. */
const clampedLines = (pieces: QueuedBackfillRange[]) => backfillSummary(pieces.map((piece) => ({ piece, step: 'queued' as const }))).filter((line) => line.startsWith('clamped:'));
