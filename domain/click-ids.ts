// Pinterest click ids (`epik`) as the ingress takes them: one id, one spelling, whichever way Routy
// read it (the raw `&epik=` query value, percent-encoded, or the decoded `_epik` cookie).
import { z } from 'zod';
import { text } from './user-data';

/**
 * A click id percent-decoded, repeatedly, until decoding changes nothing more: `abc%3D%3D`,
 * `abc%253D%253D` and `abc==` are one id. Only `%XX` escapes are decoded (a `+` stays a `+`: click
 * ids are base64-like). When a round meets a malformed escape (a `%` without two hex digits, or
 * bytes that are not UTF-8) the value of that round is kept as it is, so nothing throws.
 * Idempotent: decoding a decoded id gives it back. Each round that changes the value shortens it,
 * so the loop ends.
 */
export function decodeClickId(value: string): string {
  let current = value;
  while (current.includes('%')) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * A click id at the ingress: a string, trimmed, percent-decoded ({@link decodeClickId}), trimmed
 * again; at most 512 characters once decoded (2048 as sent, room for escapes); empty, NUL or an
 * unpaired surrogate after decoding is refused under the field's name. Output: the decoded id,
 * stored and compared as is.
 */
export const clickIdSchema = text(2048)
  .pipe(z.string().trim().min(1, 'must not be empty'))
  .transform(decodeClickId)
  .pipe(text(512).pipe(z.string().trim().min(1, 'must not be empty after percent-decoding')));

/**
 * The raw value of the first `epik` parameter of a URL's query string (`?a=1&epik=...`), not yet
 * decoded: URLSearchParams would read a `+` as a space, which a click id must keep. Parameter names
 * are compared after decoding. `undefined` when there is none or it is empty.
 */
export function epikOfUrl(url: URL): string | undefined {
  for (const pair of url.search.replace(/^\?/, '').split('&')) {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    if (decodeClickId(name) !== 'epik') continue;
    const value = equals < 0 ? '' : pair.slice(equals + 1);
    return value === '' ? undefined : value;
  }
  return undefined;
}
