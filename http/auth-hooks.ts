import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateBatch, authenticateBearer, bodyMatchesClaim, type SignatureClaim } from './ingress-auth';

/** A Fastify request hook that answers 401 itself when the request is refused. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * Signed requests whose header passed (shape, time window) and whose body is still to be checked:
 * set by the batch routes' `onRequest`, checked by the JSON body parser (json-body.ts) on the raw
 * bytes before any parse. `matched` turns true once the body matched.
 */
const pendingSignatures = new WeakMap<object, { claim: SignatureClaim; secret: string; matched: boolean }>();

/**
 * The body parser's question: `unsigned` when the request carries no signature to check (bearer
 * token, open ingress, or not a batch route), `matches` when the raw bytes match its signature,
 * `refused` when they do not (answer 401 without parsing). One HMAC pass over `bytes`.
 */
export function checkSignedBody(request: object, bytes: Buffer): 'unsigned' | 'matches' | 'refused' {
  const pending = pendingSignatures.get(request);
  if (!pending) return 'unsigned';
  pending.matched = bodyMatchesClaim(pending.claim, bytes, pending.secret);
  return pending.matched ? 'matches' : 'refused';
}

/** The read routes' guard: the bearer token only, checked before anything else. `secret` unset: open. */
export function bearerGuard(secret: string | undefined): AuthHook {
  return async (request, reply) => {
    const verdict = authenticateBearer(request.headers.authorization, secret);
    if (verdict.kind === 'refused') return reply.code(401).send({ error: verdict.error });
  };
}

/**
 * The batch routes' hooks. `onRequest`, before the body is read: a bearer token is checked whole;
 * a signature header's shape and time window are checked, and a good-looking one is left for the
 * body parser, which checks its HMAC on the raw bytes before parsing. `preValidation` refuses a
 * signed request whose body was never checked (it brought no JSON body). `secret` unset: open.
 */
export function batchAuthHooks(secret: string | undefined): { onRequest: AuthHook; preValidation: AuthHook } {
  return {
    onRequest: async (request, reply) => {
      const verdict = authenticateBatch({ headers: request.headers, secret, now: new Date() });
      if (verdict.kind === 'refused') return reply.code(401).send({ error: verdict.error });
      if (verdict.kind === 'needs-body') pendingSignatures.set(request, { claim: verdict.claim, secret: secret!, matched: false });
    },
    preValidation: async (request, reply) => {
      const pending = pendingSignatures.get(request);
      if (pending && !pending.matched) return reply.code(401).send({ error: 'unauthorized: bad or expired X-Routy-Signature' });
    },
  };
}
