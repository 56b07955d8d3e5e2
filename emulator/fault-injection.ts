import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './route-helpers';

/** A failure the emulator answers with instead of the real response. */
export type Fault =
  /** HTTP 429, Pinterest code 8, with the wait in `X-RateLimit-Reset` or in the message text. */
  | { kind: 'rate_limit'; hint: 'header' | 'message'; retry_after_seconds: number }
  | { kind: 'server_error' }
  /** HTTP 400 with Pinterest's code 12, "Something went wrong. Please try again later.": transient, no wait given. */
  | { kind: 'something_went_wrong' }
  /**
   * An error answer of any status and code asking for a retry after `retry_after_seconds`: in the
   * message ("... Retry after 6 seconds.") or in a `Retry-After` header. Pinterest's Error body.
   */
  | { kind: 'retry_hint'; status: number; code: number; hint: 'message' | 'retry-after'; retry_after_seconds: number }
  /** HTTP 200 with a body that is not Pinterest's (a proxy's page): the outcome cannot be read. */
  | { kind: 'garbled' }
  /** The request is handled (and recorded), then the answer is held back: a slow or lost response. */
  | { kind: 'slow'; delay_ms: number }
  /** The connection is closed without an answer, before the request is handled. */
  | { kind: 'reset' };

/** Options of {@link FaultQueue.inject}. */
export interface FaultOptions {
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Only requests whose path contains this string (default: every /v5 API path but OAuth). */
  pathContains?: string;
  /** Only requests that arrive within this many milliseconds from now. */
  forMs?: number;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
  /** Only requests whose path contains this string (default: every /v5 API path but OAuth). */
  pathContains?: string;
  /** Epoch milliseconds after which the fault no longer applies, even with `remaining` left. */
  endsAt?: number;
}

/** Set on a request that drew a `slow` fault: how long its answer is held back, in milliseconds. */
type SlowRequest = FastifyRequest & { slowBy?: number };

/** The faults queued for the next API requests, applied in the order they were queued. */
export class FaultQueue {
  private readonly queued: QueuedFault[] = [];

  /**
   * Answers the next `times` matching API requests with `fault` instead of the real response;
   * with `forMs`, only those that arrive within that many milliseconds (a storm that passes).
   */
  inject(fault: Fault, options: FaultOptions = {}): void {
    this.queued.push({
      fault,
      remaining: options.times ?? 1,
      pathContains: options.pathContains,
      ...(options.forMs === undefined ? {} : { endsAt: Date.now() + options.forMs }),
    });
  }

  /** Drops every queued fault: answers are normal again. */
  clear(): void {
    this.queued.length = 0;
  }

  /**
   * Applies the first queued fault that matches an API request before it is handled: sends the
   * fault's answer, closes the connection, or marks the request to be held back.
   * @param route the Fastify route, e.g. `/v5/ad_accounts/:ad_account_id/ads`.
   * @returns the reply when the fault answered, so a preHandler hook can return it; else undefined.
   */
  answer(request: FastifyRequest, reply: FastifyReply, route: string): FastifyReply | undefined {
    const queued = this.queued.find((f) =>
      f.remaining > 0 && (f.endsAt === undefined || Date.now() < f.endsAt) && (f.pathContains ? request.url.includes(f.pathContains) : route !== '/v5/oauth/token'),
    );
    if (!queued) return undefined;
    queued.remaining -= 1;
    const fault = queued.fault;
    if (fault.kind === 'slow') {
      (request as SlowRequest).slowBy = fault.delay_ms;
      return undefined;
    }
    if (fault.kind === 'reset') {
      reply.hijack();
      request.raw.socket.destroy();
      return undefined;
    }
    if (fault.kind === 'server_error') return sendError(reply, 503, 503, 'Service Unavailable. Please try again later.');
    if (fault.kind === 'something_went_wrong') return sendError(reply, 400, 12, 'Something went wrong. Please try again later.');
    if (fault.kind === 'retry_hint') {
      if (fault.hint === 'retry-after') reply.header('Retry-After', String(fault.retry_after_seconds));
      const hint = fault.hint === 'message' ? ` Retry after ${fault.retry_after_seconds} seconds.` : '';
      return sendError(reply, fault.status, fault.code, `The request could not be served right now.${hint}`);
    }
    if (fault.kind === 'garbled') return reply.code(200).type('text/html').send('<html><body>upstream gateway</body></html>');
    if (fault.hint === 'header') reply.header('X-RateLimit-Reset', String(fault.retry_after_seconds));
    const hint = fault.hint === 'message' ? ` Please retry after ${fault.retry_after_seconds} seconds.` : '';
    return sendError(reply, 429, 8, `You have exceeded your rate limit. Try again later.${hint}`);
  }

  /** Waits as long as a `slow` fault holds this request's answer back (not at all for others). */
  async holdBack(request: FastifyRequest): Promise<void> {
    const slowBy = (request as SlowRequest).slowBy;
    if (slowBy) await new Promise((resolve) => setTimeout(resolve, slowBy));
  }
}
