// How the ingress's records become signals: close requests to one ad account share one signal,
// each caller hears back only once its records' signals answered. The window's timer is Node's
// mock clock, so nothing here depends on real time.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { SignalCoalescer, type SignalOutcome } from '../../client/signal-coalescer';

/** Lets every queued promise callback run (setImmediate is not mocked). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

interface Sent {
  account: string;
  records: number[];
}

/** A coalescer whose signals are recorded; `answer` decides each signal's outcome. */
function recording(windowMs: number, answer: (sent: Sent) => SignalOutcome | Promise<SignalOutcome> = () => 'sent') {
  const sent: Sent[] = [];
  const coalescer = new SignalCoalescer<number>(windowMs, async (account, records) => {
    const signal = { account, records: [...records] };
    sent.push(signal);
    return answer(signal);
  });
  return { sent, coalescer };
}

/** Tracks a promise's outcome without awaiting it. */
function track<T>(promise: Promise<T>): { value?: T; error?: unknown; done: boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, n) => from + n);

describe('SignalCoalescer', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('sends the records of requests within the window to one account as one signal, in arrival order', async () => {
    const { sent, coalescer } = recording(50);
    const first = track(coalescer.submit('a', [1, 2]));
    const second = track(coalescer.submit('a', [3]));
    const other = track(coalescer.submit('b', [9]));
    mock.timers.tick(49);
    await settle();
    assert.deepEqual(sent, [], 'nothing before the window ends');
    assert.equal(first.done, false, 'no answer before the records are durable');
    const third = track(coalescer.submit('a', [4]));
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(sent, [{ account: 'a', records: [1, 2, 3, 4] }, { account: 'b', records: [9] }]);
    assert.deepEqual([first.value, second.value, third.value, other.value], [[true, true], [true], [true], [true]]);
  });

  it('fails every request a failed signal carried, and no other', async () => {
    const { sent, coalescer } = recording(50, ({ account }) => {
      if (account === 'a') throw new Error('Temporal unavailable');
      return 'sent';
    });
    const first = track(coalescer.submit('a', [1]));
    const second = track(coalescer.submit('a', [2]));
    const other = track(coalescer.submit('b', [3]));
    mock.timers.tick(50);
    await settle();
    assert.equal(sent.length, 2);
    assert.match(String(first.error), /Temporal unavailable/);
    assert.match(String(second.error), /Temporal unavailable/);
    assert.deepEqual(other.value, [true]);
  });

  it('answers false for records to an account without a workflow', async () => {
    const { coalescer } = recording(0, () => 'not-found');
    const request = track(coalescer.submit('gone', [1, 2]));
    mock.timers.tick(0);
    await settle();
    assert.deepEqual(request.value, [false, false]);
  });

  it('cuts signals at 250 records, sends a full one without waiting, and joins what arrives in flight into the next', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { sent, coalescer } = recording(1_000, async ({ records }): Promise<SignalOutcome> => {
      if (records[0] === 0) await held;
      return 'sent';
    });
    const large = track(coalescer.submit('a', range(0, 600)));
    await settle();
    assert.deepEqual(sent.map((s) => s.records.length), [250], 'a full chunk goes at once; the first signal is in flight');
    const late = [track(coalescer.submit('a', [1000])), track(coalescer.submit('a', [1001]))];
    mock.timers.tick(1_000);
    release();
    await settle();
    assert.deepEqual(sent.map((s) => s.records.length), [250, 250, 100, 2]);
    assert.deepEqual(sent[3]!.records, [1000, 1001], 'requests that arrived in flight share the next signal');
    assert.equal(large.value?.length, 600);
    assert.ok(large.value?.every(Boolean));
    assert.deepEqual(late.map((r) => r.value), [[true], [true]]);
  });
});
