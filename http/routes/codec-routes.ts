import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalid } from './invalid-answer';

/** Temporal's remote codec body: payloads with base64 metadata values and data. */
const codecBody = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }))
    .max(10_000)
    // Protobuf JSON leaves an empty list out: the Temporal CLI sends `{}` when it has nothing to encode.
    .default([]),
});

const fromJson = (p: z.infer<typeof codecBody>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * Temporal's remote codec protocol at `POST /codec/decode` and `POST /codec/encode`, so the
 * Temporal CLI (`--codec-endpoint http://<ingress>/codec --codec-auth "Bearer <token>"`) and the
 * Temporal UI (`--ui-codec-endpoint`) show the encrypted payloads decoded. Guarded like the other
 * read routes: whoever can call it reads what the codec protects. CORS answers only the Temporal UI's origins.
 * A payload the codec refuses (unencrypted, not decryptable) is shown as its refused value,
 * `{"routy_refused_payload": "<reason>"}`, so one such payload does not hide a whole history.
 */
export function codecRoutes(app: FastifyInstance, deps: { codec: PayloadCodec; guard: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>; uiOrigins: string[] }): void {
  const cors = (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (!origin || !deps.uiOrigins.includes(origin)) return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'origin');
    reply.header('access-control-allow-headers', 'content-type, authorization, x-namespace');
    reply.header('access-control-allow-methods', 'POST, OPTIONS');
    reply.header('access-control-allow-credentials', 'true');
  };
  for (const action of ['decode', 'encode'] as const) {
    app.options(`/codec/${action}`, async (request, reply) => {
      cors(request, reply);
      return reply.code(204).send();
    });
    app.post(`/codec/${action}`, {
      onRequest: async (request, reply) => {
        cors(request, reply);
        return deps.guard(request, reply);
      },
      handler: async (request, reply) => {
        const body = codecBody.safeParse(request.body);
        if (!body.success) return reply.code(400).send(invalid('invalid body', body.error, '(body)'));
        const payloads = body.data.payloads.map(fromJson);
        try {
          const done = action === 'decode' ? await deps.codec.decode(payloads) : await deps.codec.encode(payloads);
          return { payloads: done.map(toJson) };
        } catch (error) {
          return reply.code(400).send({ error: error instanceof Error ? error.message : String(error) });
        }
      },
    });
  }
}
