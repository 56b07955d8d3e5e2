// A batch's stored traceparent: the drain spans continue it, and a request carrying events of
// several batches links to at most 32 of them, which link back to it (one batch: the request is its child).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { batchSpanOptions, currentTraceparent, startDrainSpans, withBatchTraces } from '../../observability/batch-tracing';
import { installTracingOnce } from '../../observability/tracing';

const exporter = new InMemorySpanExporter();
installTracingOnce('worker', {}, new SimpleSpanProcessor(exporter));
const tracer = trace.getTracer('test');

/** A batch's traceparent as the ingress stores it: its request span's, the span ended. */
function batchTraceparent(): string {
  const span = tracer.startSpan('POST /v1/conversions');
  const traceparent = context.with(trace.setSpan(context.active(), span), currentTraceparent)!;
  span.end();
  return traceparent;
}

/** Runs `fn` under a `RunActivity` span (the pump's), returning the span as exported. */
function inActivity(fn: () => void): ReadableSpan {
  tracer.startActiveSpan('RunActivity:pumpRecords', (span) => {
    fn();
    span.end();
  });
  return exporter.getFinishedSpans().at(-1)!;
}

/** A request span as pinterest/http.ts starts it, with what withBatchTraces gives. */
function request(): void {
  const options = batchSpanOptions();
  tracer.startSpan('POST /ad_accounts/{ad_account_id}/events', { links: options.links, attributes: options.attributes }).end();
}

const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

it('stores only version, trace id, span id and flags, and nothing outside a span', () => {
  assert.match(batchTraceparent(), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(currentTraceparent(), undefined);
});

it('starts a drain span per batch as the child of its stored context, linked to the activity, and stores it with the conversions', () => {
  exporter.reset();
  const [a, b] = [batchTraceparent(), batchTraceparent()];
  let stored = new Map<string, string>();
  const activity = inActivity(() => {
    const spans = startDrainSpans(new Map([
      [a, { conversion_event_ids: ['e1', 'e2'], touchpoints: 1 }],
      [b, { conversion_event_ids: [], touchpoints: 3 }],
      ['00-00000000000000000000000000000000-0000000000000000-01', { conversion_event_ids: ['e3'], touchpoints: 0 }],
    ]));
    stored = spans.conversionTraceparents;
    spans.end(false);
  });
  const drains = named('drain batch');
  assert.equal(drains.length, 2, 'an invalid stored context gets no span');
  assert.deepEqual(drains.map((d) => `00-${d.spanContext().traceId}-${d.parentSpanId}-01`), [a, b]);
  assert.deepEqual(drains.map((d) => [d.attributes['routy.batch.conversions'], d.attributes['routy.batch.touchpoints'], d.status.code]), [[2, 1, 2], [0, 3, 2]]);
  for (const drain of drains) assert.deepEqual(drain.links.map((l) => l.context.spanId), [activity.spanContext().spanId]);
  const first = drains[0]!.spanContext();
  assert.deepEqual([...stored], [['e1', `00-${first.traceId}-${first.spanId}-01`], ['e2', `00-${first.traceId}-${first.spanId}-01`]]);
});

it('makes a one-batch request the batch\'s child, and links a many-batch one to 32 of its batches', () => {
  exporter.reset();
  const one = batchTraceparent();
  const many = Array.from({ length: 40 }, batchTraceparent);
  const activity = inActivity(() => {
    withBatchTraces([one, one, null, 'not-a-traceparent'], request);
    withBatchTraces([...many, ...many], request);
    withBatchTraces([null, undefined], request);
  });
  const [single, linked, plain] = named('POST /ad_accounts/{ad_account_id}/events') as [ReadableSpan, ReadableSpan, ReadableSpan];
  assert.equal(`00-${single.spanContext().traceId}-${single.parentSpanId}-01`, one);
  assert.deepEqual([single.links.map((l) => l.context.spanId), single.attributes['routy.batches']], [[activity.spanContext().spanId], 1]);
  // Several batches: the request sits under a shared span in the activity's trace, linked to 32 of
  // them, and each of those batches' traces links back to the shared span.
  const [shared] = named('shared request') as [ReadableSpan];
  assert.equal(shared.parentSpanId, activity.spanContext().spanId);
  assert.equal(linked.parentSpanId, shared.spanContext().spanId);
  assert.equal(linked.attributes['routy.batches'], 40);
  assert.deepEqual(linked.links.map((l) => `00-${l.context.traceId}-${l.context.spanId}-01`), many.slice(0, 32));
  const inShared = named('in a shared request');
  assert.deepEqual(inShared.map((s) => `00-${s.spanContext().traceId}-${s.parentSpanId}-01`), many.slice(0, 32));
  assert.ok(inShared.every((s) => s.links.length === 1 && s.links[0]!.context.spanId === shared.spanContext().spanId));
  assert.deepEqual([plain.parentSpanId, plain.links.length, plain.attributes['routy.batches']], [activity.spanContext().spanId, 0, undefined]);
});
