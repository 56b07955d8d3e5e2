// Routy's records waiting in the workflow to be stored, as plain code: no Temporal imports.
import type { ConversionRecord, TouchpointRecord } from '../domain/routy-records';

/** Largest batch handed to one activity call: by count, and by JSON size far below Temporal's 2 MB payload limit. */
const CONVERSION_BATCH = 1000;
const TOUCHPOINT_BATCH = 1000;
const BATCH_MAX_BYTES = 512 * 1024;
/** Batches of each kind one round of the loop takes at most: the rest waits for the next round. */
const ROUND_BATCHES = 4;
/** Buffers up to this JSON size may ride along a continue-as-new (far below the 2 MB payload limit). */
const CARRY_MAX_BYTES = 512 * 1024;

/** Removes and returns the head of `items`: at most `count` records and about `maxBytes` of JSON (always at least one). */
function takeBatch<T>(items: T[], count: number, maxBytes: number): T[] {
  let bytes = 0;
  let n = 0;
  while (n < items.length && n < count) {
    bytes += JSON.stringify(items[n]).length;
    if (n > 0 && bytes > maxBytes) break;
    n += 1;
  }
  return items.splice(0, n);
}

/** Conversions and touchpoints received by signal and not yet stored, oldest first; JSON-plain arrays. */
export class RecordBuffers {
  constructor(
    readonly conversions: ConversionRecord[],
    readonly touchpoints: TouchpointRecord[],
  ) {}

  hasRecords(): boolean {
    return this.conversions.length > 0 || this.touchpoints.length > 0;
  }

  /** The next batch of conversions for one activity call, removed from the buffer. */
  takeConversions(): ConversionRecord[] {
    return takeBatch(this.conversions, CONVERSION_BATCH, BATCH_MAX_BYTES);
  }

  /** The next batch of touchpoints for one activity call, removed from the buffer. */
  takeTouchpoints(): TouchpointRecord[] {
    return takeBatch(this.touchpoints, TOUCHPOINT_BATCH, BATCH_MAX_BYTES);
  }

  /**
   * The work of one round, removed from the buffers: at most `ROUND_BATCHES` (4) batches of
   * touchpoints and 4 of conversions, each as `takeTouchpoints` / `takeConversions` cut it (1,000
   * records, 512 KB). What arrives or stays behind waits for the next round, so no stream of
   * signals keeps a round from reaching the continue-as-new check.
   */
  takeRound(): { touchpoints: TouchpointRecord[][]; conversions: ConversionRecord[][] } {
    const touchpoints: TouchpointRecord[][] = [];
    const conversions: ConversionRecord[][] = [];
    while (touchpoints.length < ROUND_BATCHES && this.touchpoints.length > 0) touchpoints.push(this.takeTouchpoints());
    while (conversions.length < ROUND_BATCHES && this.conversions.length > 0) conversions.push(this.takeConversions());
    return { touchpoints, conversions };
  }

  /** JSON size of the buffered records, which continue-as-new would carry into the next run's input. */
  bytes(): number {
    return JSON.stringify(this.conversions).length + JSON.stringify(this.touchpoints).length;
  }

  /** The buffers are small enough (512 KB of JSON) to ride along a continue-as-new. */
  fitCarry(): boolean {
    return this.bytes() <= CARRY_MAX_BYTES;
  }
}
