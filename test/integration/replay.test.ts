// Replays recorded ad account workflow histories against today's workflow code, so a change that
// breaks determinism for running workflows fails CI. The first was recorded by continue-as-new.test.ts;
// the second, by record-updates-history.test.ts, adds the updates (pause, resume, settings,
// backfill), a refused grant and a reconnect, and every `patched` branch. Refresh one with
// `RECORD_HISTORY=1` only when the change is meant to be incompatible (and then version the
// workflow instead). The replayer bundles the workflows with the worker's interceptors (Temporal's
// OpenTelemetry ones): they add headers and spans, never a command.
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { replayWorkerOptions } from '../../worker/create-worker';

Runtime.install({ logger: new DefaultLogger('WARN') });

it('replays the recorded ad account workflow history without non-determinism', async () => {
  const json = JSON.parse(await readFile(new URL('../fixtures/ad-account-workflow-history.json', import.meta.url), 'utf8'));
  await Worker.runReplayHistory(replayWorkerOptions(), historyFromJSON(json), 'recorded-ad-account');
});

it('replays the recorded history of updates, a refused grant and a continue-as-new without non-determinism', async () => {
  const json = JSON.parse(await readFile(new URL('../fixtures/ad-account-workflow-history-updates.json', import.meta.url), 'utf8'));
  await Worker.runReplayHistory(replayWorkerOptions(), historyFromJSON(json), 'recorded-ad-account-updates');
});
