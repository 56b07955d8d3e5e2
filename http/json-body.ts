// The ingress's one JSON body parser. For each body, in this order, each step linear in its bytes:
// a signed request's HMAC over the raw bytes (a wrong one answers 401 and nothing is decoded or
// parsed), the UTF-8 check, the nesting limit, then Fastify's prototype-safe JSON parse.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { checkSignedBody } from './auth-hooks';

/** Deepest nesting of arrays and objects a body may have (the envelope and a record take 4). */
const MAX_JSON_DEPTH = 64;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the JSON text in `bytes` opens more than `limit` arrays or objects inside one another
 * (brackets inside strings do not count). One pass, no parse, no recursion; for text that is not
 * JSON the answer is only a bound, and the parse that follows refuses it.
 */
export function nestsDeeperThan(bytes: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth -= 1;
  }
  return false;
}

/** An error the ingress's error handler answers with `statusCode`, naming the body when `bodyError`. */
const bodyRefusal = (message: string, statusCode: number, bodyError: boolean) => Object.assign(new Error(message), { statusCode, bodyError });

/**
 * Replaces Fastify's JSON parsers on `app` with ours: `application/json` only (no text/plain: the
 * schemas would get a string where the caller's mistake is the media type, 415). Refusals: 401 for a body that does not match its
 * request's signature, 400 naming `(body)` for bytes that are not UTF-8 (decoded, they would turn
 * into U+FFFD and two event_ids could become one), nesting deeper than MAX_JSON_DEPTH, or broken JSON.
 */
export function addJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('remove', 'remove');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (checkSignedBody(request, bytes) === 'refused') return done(bodyRefusal('unauthorized: bad or expired X-Routy-Signature', 401, false), undefined);
    if (!isUtf8(bytes)) return done(bodyRefusal('is not valid UTF-8', 400, true), undefined);
    if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) return done(bodyRefusal(`nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, 400, true), undefined);
    void parseJson(request, bytes.toString('utf8'), done);
  });
}
