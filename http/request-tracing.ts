// One server span per ingress request, active while its handler runs, so the Temporal calls the
// handler makes (signals, updates, starts) carry it to the workflows (see observability/tracing.ts).
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const tracer = trace.getTracer('routy-pinterest/ingress');
const spans = new WeakMap<FastifyRequest, Span>();

/**
 * Traces each request as a server span `<method> <route>` (the route's template, e.g. `POST
 * /v1/conversions`, `(unmatched)` for a 404) with `http.request.method`, `http.route` and
 * `http.response.status_code`: never the URL's values, its query, a header or the body. A W3C
 * `traceparent` sent by the caller makes the span its child. Started at `onRequest`, made active
 * from `preHandler` (after the body is read) so the handler's calls are its children, ended at
 * `onResponse`. A no-op without an installed tracer provider.
 */
export function addRequestTracing(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } }, parent);
    spans.set(request, span);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    // The handler runs from `done`, inside the span's context.
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
}
