import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateBatch, authenticateBearer } from './ingress-auth';

/** A Fastify request hook that answers 401 itself when the request is refused. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The raw body the JSON parser keeps on the request, for signatures. */
const rawBodyOf = (request: FastifyRequest) => (request as { rawBody?: string }).rawBody;

/** The read routes' guard: the bearer token only, checked before anything else. `secret` unset: open. */
export function bearerGuard(secret: string | undefined): AuthHook {
  return async (request, reply) => {
    const verdict = authenticateBearer(request.headers.authorization, secret);
    if (verdict.kind === 'refused') return reply.code(401).send({ error: verdict.error });
  };
}

/**
 * The batch routes' hooks: `onRequest` checks a bearer token before the body is read; a signature
 * needs the body, so `preValidation` checks it once parsed. `secret` unset: open.
 */
export function batchAuthHooks(secret: string | undefined): { onRequest: AuthHook; preValidation: AuthHook } {
  return {
    onRequest: async (request, reply) => {
      const verdict = authenticateBatch({ headers: request.headers, secret, now: new Date() });
      if (verdict.kind === 'refused') return reply.code(401).send({ error: verdict.error });
    },
    preValidation: async (request, reply) => {
      const verdict = authenticateBatch({ headers: request.headers, secret, now: new Date(), body: { raw: rawBodyOf(request) } });
      if (verdict.kind === 'refused') return reply.code(401).send({ error: verdict.error });
    },
  };
}
