// A batch's trace across the inbox: the ingress stores the active span's W3C `traceparent` with the
// batch's rows; the record pump's drain continues that trace (a `drain batch` span per batch), and
// the Pinterest requests carrying the batch's events join it (one batch: as its child; several:
// linked). Only trace id, span id and flags travel: never baggage, trace state or anything personal.
import { context, createContextKey, isSpanContextValid, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Link, type Span, type SpanContext } from '@opentelemetry/api';
import { z } from 'zod';

const tracer = trace.getTracer('routy-pinterest/records');

/** The most batches a Pinterest request span links to (the others are counted in `routy.batches`). */
const MAX_BATCH_LINKS = 32;

/** A W3C `traceparent` of version 00: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. */
const traceparentSchema = z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

/** What a Pinterest request span adds from its context (see `withBatchTraces`). */
interface BatchSpanOptions {
  links: Link[];
  attributes: Record<string, number>;
}

const BATCH_OPTIONS = createContextKey('routy-pinterest batch span options');

/** The active span's context as a `traceparent` string; undefined without a valid active span (tracing off). */
export function currentTraceparent(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span || !isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The remote span context of a stored `traceparent`; undefined for null, a malformed value or all-zero ids. */
function spanContextOf(traceparent: string | null | undefined): SpanContext | undefined {
  if (!traceparentSchema.safeParse(traceparent).success) return undefined;
  const [, traceId, spanId, flags] = traceparent!.split('-') as [string, string, string, string];
  const parsed: SpanContext = { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(parsed) ? parsed : undefined;
}

/** The active span's context as a link (the activity's span, from a span started in a batch's trace), if any. */
function activeLink(): Link[] {
  const active = trace.getActiveSpan()?.spanContext();
  return active && isSpanContextValid(active) ? [{ context: active }] : [];
}

/** One batch's records as the drain took them: its conversions' event ids, and how many touchpoints. */
export interface DrainedBatchRecords {
  conversion_event_ids: string[];
  touchpoints: number;
}

/** The `drain batch` spans of one drain transaction (see `startDrainSpans`). */
export interface DrainSpans {
  /** Per conversion event id: its batch's `drain batch` span as a `traceparent`, stored with the conversion. */
  conversionTraceparents: Map<string, string>;
  /** Ends every span: `ok` after the commit, an error status after a rollback (the batch stays in the inbox). */
  end(ok: boolean): void;
}

/**
 * Starts a `drain batch` span (internal) per batch taken from the inbox (keyed by its stored
 * `traceparent`), each the child of its batch's ingress span and linked to the active span (the
 * pump's `RunActivity:pumpRecords`), with `routy.batch.conversions` and `routy.batch.touchpoints`.
 * Batches without a valid stored context get no span. A no-op without a tracer provider.
 */
export function startDrainSpans(batches: ReadonlyMap<string, DrainedBatchRecords>): DrainSpans {
  const links = activeLink();
  const spans: Span[] = [];
  const conversionTraceparents = new Map<string, string>();
  for (const [traceparent, records] of batches) {
    const parent = spanContextOf(traceparent);
    if (!parent) continue;
    const attributes = { 'routy.batch.conversions': records.conversion_event_ids.length, 'routy.batch.touchpoints': records.touchpoints };
    const span = tracer.startSpan('drain batch', { links, attributes }, trace.setSpanContext(ROOT_CONTEXT, parent));
    spans.push(span);
    const stored = context.with(trace.setSpan(ROOT_CONTEXT, span), currentTraceparent);
    if (stored) for (const eventId of records.conversion_event_ids) conversionTraceparents.set(eventId, stored);
  }
  return {
    conversionTraceparents,
    end(ok) {
      for (const span of spans) {
        if (!ok) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    },
  };
}

/**
 * Runs `fn` (which makes Pinterest requests) in the trace of the batches whose stored
 * `traceparent`s its events carry: all from one batch, `fn` runs as that batch's child (its
 * requests join the batch's trace, linked to the active span); from several, `fn` runs under a
 * `shared request` span in the active trace, its request spans link to up to 32 of the batches,
 * and each of those batches' traces gets an `in a shared request` span linked to the shared one;
 * `routy.batches` counts the distinct batches. Without any stored context, `fn` runs as it is.
 */
export function withBatchTraces<T>(traceparents: Iterable<string | null | undefined>, fn: () => T): T {
  const distinct = new Map<string, SpanContext>();
  for (const traceparent of traceparents) {
    const parsed = traceparent ? spanContextOf(traceparent) : undefined;
    if (parsed) distinct.set(traceparent!, parsed);
  }
  if (distinct.size === 0) return fn();
  const batches = [...distinct.values()];
  const attributes = { 'routy.batches': batches.length };
  if (batches.length === 1) {
    const options: BatchSpanOptions = { links: activeLink(), attributes };
    return context.with(trace.setSpanContext(ROOT_CONTEXT, batches[0]!).setValue(BATCH_OPTIONS, options), fn);
  }
  // Several batches: a `shared request` span in the active trace holds the requests (each linked to
  // up to 32 batches), and each of those batches' traces gets an `in a shared request` span linked
  // to it, so every batch's trace reaches the request that carried it.
  const linked = batches.slice(0, MAX_BATCH_LINKS);
  return tracer.startActiveSpan('shared request', { attributes }, (shared) => {
    const end = () => {
      const toShared = [{ context: shared.spanContext() }];
      for (const batch of linked) tracer.startSpan('in a shared request', { links: toShared, attributes }, trace.setSpanContext(ROOT_CONTEXT, batch)).end();
      shared.end();
    };
    const options: BatchSpanOptions = { links: linked.map((c) => ({ context: c })), attributes };
    let result: T;
    try {
      result = context.with(context.active().setValue(BATCH_OPTIONS, options), fn);
    } catch (error) {
      end();
      throw error;
    }
    if (result instanceof Promise) return result.finally(end) as T;
    end();
    return result;
  });
}

/** The links and attributes a Pinterest request span started now takes from `withBatchTraces` (none outside it). */
export function batchSpanOptions(): BatchSpanOptions {
  return (context.active().getValue(BATCH_OPTIONS) as BatchSpanOptions | undefined) ?? { links: [], attributes: {} };
}
