// A short chaos run in CI (the benchmark run takes 100 cycles): one round of every fault, under
// load, then nothing lost, nothing undelivered or counted twice, metrics equal to a fault-free pull.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const CYCLES = Number(process.env.CHAOS_CYCLES ?? 10);

describe('chaos', { timeout: 900_000 }, () => {
  it(`survives ${CYCLES} fault cycles: lost 0, undelivered 0, double_counted 0, metrics_equal`, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/chaos/run.ts', '--cycles', String(CYCLES), '--cycle-seconds', '3', '--fuzz-runs', '200', '--no-write'],
      { maxBuffer: 64 * 1024 * 1024, timeout: 840_000 },
    );
    // The result is the pretty-printed object between a line "{" and the next line "}" (the dev
    // server may log around it).
    const json = /^\{$[\s\S]*?^\}$/m.exec(stdout)?.[0];
    assert.ok(json, `no result in: ${stdout.slice(-2000)}`);
    const result = JSON.parse(json) as {
      cycles: number;
      accepted: number;
      lost: number;
      undelivered: number;
      double_counted: number;
      metrics_equal: boolean;
      history: { largest_run_history_events: number; largest_run_history_bytes: number };
      terminal_states: Record<string, number>;
      faults_applied: Record<string, number>;
      fuzz: { cases: number; failures: number; slowest_answer_ms: number; slowest_answer_case: string };
    };
    assert.equal(result.cycles, CYCLES);
    assert.ok(result.accepted > 100, `${result.accepted} accepted`);
    assert.equal(result.lost, 0);
    assert.equal(result.undelivered, 0);
    assert.equal(result.double_counted, 0);
    assert.equal(result.metrics_equal, true);
    // The largest run stays under a quarter of Temporal's limits (51,200 events, 50 MiB).
    assert.ok(result.history.largest_run_history_events < 12_800, `${result.history.largest_run_history_events} events`);
    assert.ok(result.history.largest_run_history_bytes < 13_107_200, `${result.history.largest_run_history_bytes} bytes`);
    assert.equal(result.fuzz.failures, 0);
    // The fuzz figures name the slowest answer, hostile shapes included (its time belongs in the results, not in an assertion).
    assert.ok(result.fuzz.slowest_answer_ms > 0 && result.fuzz.slowest_answer_case !== '', JSON.stringify(result.fuzz));
    assert.equal(result.faults_applied.worker_kills, 2);
    // Each kill landed while Pinterest was answering: one pull, one Conversions API request.
    assert.equal(result.faults_applied.kills_mid_pull_request, 1);
    assert.equal(result.faults_applied.kills_mid_send_request, 1);
    // The SIGTERM (a deploy) landed while a Conversions API request was in flight.
    assert.equal(result.faults_applied.stops_mid_send_request, 1);
    const stored = Object.values(result.terminal_states).reduce((a, b) => a + b, 0);
    assert.ok(stored >= result.accepted, 'every accepted conversion has a state');
  });
});
