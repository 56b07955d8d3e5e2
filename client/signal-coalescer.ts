// Many small ingress requests to one ad account become few signals: each signal costs workflow
// history (its event, and often a workflow task of its own), so records that arrive close together
// travel as one signal of their concatenated records. Plain code: no Temporal imports.

/** Records per signal, by count and by JSON size: each signal payload stays far below Temporal's 2 MB limit. */
const SIGNAL_CHUNK = 250;
const SIGNAL_MAX_BYTES = 512 * 1024;

/** What sending one signal did: its records are durable in the workflow, or the workflow does not exist. */
export type SignalOutcome = 'sent' | 'not-found';

/**
 * Sends one signal of `records` (at most 250, about 512 KB of JSON) to the ad account's workflow.
 * @returns `not-found` when the workflow does not exist. @throws any other failure.
 */
export type SendSignal<T> = (adAccountId: string, records: T[]) => Promise<SignalOutcome>;

/** One caller's records waiting for their signals; settles once every record's signal has answered. */
interface Submission {
  /** Per record: true once durable, false when the account's workflow does not exist. */
  delivered: boolean[];
  open: number;
  error?: unknown;
  settle: () => void;
}

interface Item<T> {
  record: T;
  submission: Submission;
  index: number;
}

/** An account's records waiting for the window, and the signals in flight before them. */
interface AccountQueue<T> {
  pending: Array<Item<T>>;
  timer?: ReturnType<typeof setTimeout>;
  /** A flush is chained behind the signals in flight and will take everything pending. */
  chained: boolean;
  inFlight: Promise<void>;
}

/** Splits items into chunks of at most 250 records and about 512 KB of JSON. */
function chunkForSignals<T>(items: Array<Item<T>>): Array<Array<Item<T>>> {
  const chunks: Array<Array<Item<T>>> = [];
  let current: Array<Item<T>> = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(item.record).length;
    if (current.length > 0 && (current.length >= SIGNAL_CHUNK || bytes + size > SIGNAL_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Coalesces records bound for one kind of signal, per ad account: records submitted within
 * `windowMs` of the first one waiting go out together, as signals of at most 250 records / 512 KB,
 * one account's signals one at a time and in arrival order (what arrives while a signal is in
 * flight waits for it, and joins the next). A full chunk goes without waiting for the window.
 * `windowMs` 0 waits for no timer, only for the signal in flight.
 */
export class SignalCoalescer<T> {
  private readonly queues = new Map<string, AccountQueue<T>>();

  constructor(
    private readonly windowMs: number,
    private readonly send: SendSignal<T>,
  ) {}

  /**
   * Hands the account's workflow `records` in the next signals. @returns per record, true once
   * its signal succeeded (durable in Temporal), false when the workflow does not exist.
   * @throws the failure of any signal that carried one of these records (it fails every caller
   * whose records it carried).
   */
  submit(adAccountId: string, records: T[]): Promise<boolean[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise<boolean[]>((resolve, reject) => {
      const submission: Submission = {
        delivered: records.map(() => false),
        open: records.length,
        settle: () => (submission.error === undefined ? resolve(submission.delivered) : reject(submission.error)),
      };
      const queue = this.queueOf(adAccountId);
      for (const [index, record] of records.entries()) queue.pending.push({ record, submission, index });
      if (queue.chained) return;
      if (queue.pending.length >= SIGNAL_CHUNK) this.chainFlush(adAccountId, queue);
      else queue.timer ??= setTimeout(() => this.chainFlush(adAccountId, queue), this.windowMs);
    });
  }

  private queueOf(adAccountId: string): AccountQueue<T> {
    let queue = this.queues.get(adAccountId);
    if (!queue) {
      queue = { pending: [], chained: false, inFlight: Promise.resolve() };
      this.queues.set(adAccountId, queue);
    }
    return queue;
  }

  private chainFlush(adAccountId: string, queue: AccountQueue<T>): void {
    clearTimeout(queue.timer);
    queue.timer = undefined;
    queue.chained = true;
    queue.inFlight = queue.inFlight.then(() => this.flush(adAccountId, queue));
  }

  /** Sends everything pending as few signals; never throws (each failure settles its callers). */
  private async flush(adAccountId: string, queue: AccountQueue<T>): Promise<void> {
    const items = queue.pending;
    queue.pending = [];
    queue.chained = false;
    let notFound = false;
    for (const chunk of chunkForSignals(items)) {
      let outcome: SignalOutcome | { error: unknown } = 'not-found';
      if (!notFound) {
        try {
          outcome = await this.send(adAccountId, chunk.map((item) => item.record));
        } catch (error) {
          outcome = { error };
        }
      }
      if (outcome === 'not-found') notFound = true;
      for (const { submission, index } of chunk) {
        if (outcome === 'sent') submission.delivered[index] = true;
        else if (outcome !== 'not-found') submission.error ??= outcome.error;
        submission.open -= 1;
        if (submission.open === 0) submission.settle();
      }
    }
    if (queue.pending.length === 0 && !queue.chained && queue.timer === undefined) this.queues.delete(adAccountId);
  }
}
