// Tracing is off unless an OTLP endpoint is configured; a malformed endpoint is refused naming its
// variable; on, the resource names the service and its role and the OpenTelemetry API records.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { installTracingOnce } from '../../observability/tracing';

it('stays off without an endpoint, or when the SDK is disabled, and installs nothing', () => {
  assert.equal(installTracingOnce('worker', {}).enabled, false);
  assert.equal(installTracingOnce('worker', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }).enabled, false);
  assert.equal(trace.getTracer('t').startSpan('s').isRecording(), false, 'the API is the no-op');
});

it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
  assert.throws(() => installTracingOnce('ingress', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /^Error: OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/);
  assert.throws(() => installTracingOnce('ingress', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }), /^Error: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http\(s\) URL/);
  assert.throws(() => installTracingOnce('ingress', { OTEL_SDK_DISABLED: 'yes' }), /^Error: OTEL_SDK_DISABLED: must be true or false/);
});

it('with an endpoint, names the service and its role and records spans (once per process)', async () => {
  const tracing = installTracingOnce('ingress', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
  assert.equal(tracing.enabled, true);
  assert.deepEqual([tracing.resource.attributes['service.name'], tracing.resource.attributes['routy.role']], ['routy-pinterest', 'ingress']);
  assert.equal(installTracingOnce('worker', {}), tracing, 'the first enabling call wins');
  assert.equal(trace.getTracer('t').startSpan('s').isRecording(), true);
  // Nothing was ended, so nothing is sent to the unreachable collector.
  await tracing.shutdown();
});
