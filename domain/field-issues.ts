import type { z } from 'zod';

/**
 * A zod error as `{ field, message }` pairs, naming the field at fault: its dotted path, `root`
 * for the value itself, and each unknown key by name (zod reports those on their parent). No
 * other imports, so workflow code can use it too.
 */
export function fieldIssues(error: z.ZodError, root = '(record)'): Array<{ field: string; message: string }> {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      // An empty key still needs a visible name.
      return issue.keys.map((key) => ({ field: [...path, key === '' ? '""' : key].join('.'), message: 'is not a known field' }));
    }
    return [{ field: path.length ? path.join('.') : root, message: issue.message }];
  });
}

/** Most issues listed for one record; the rest are summed up in one more issue. */
export const MAX_ISSUES_PER_RECORD = 10;

/** An unknown key as a field name: an empty key still needs a visible name; a long one is cut (the answer stays small). */
const keyName = (key: string) => (key === '' ? '""' : key.length > 100 ? `${key.slice(0, 100)}…` : key);

/** An object with more own keys than this is more than any input shape has (conversions have 16 fields). */
const MANY_KEYS = 100;

/**
 * For an object (at `path`, '' for the record itself) with more than MANY_KEYS own keys: its
 * first MAX_ISSUES_PER_RECORD keys that are not in `known`, each "is not a known field", and one
 * issue summing up the rest, found from its keys alone (one pass), so zod never builds and joins
 * an issue per key. Undefined for anything else (zod checks it as usual).
 */
export function keyFloodIssues(value: unknown, known: ReadonlySet<string>, path: string, root = '(record)'): Array<{ field: string; message: string }> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length <= MANY_KEYS) return undefined;
  const listed: Array<{ field: string; message: string }> = [];
  let unknown = 0;
  for (const key of keys) {
    if (known.has(key)) continue;
    unknown += 1;
    if (listed.length < MAX_ISSUES_PER_RECORD) listed.push({ field: path ? `${path}.${keyName(key)}` : keyName(key), message: 'is not a known field' });
  }
  const more = unknown - listed.length;
  if (more > 0) listed.push({ field: root, message: `and ${more.toLocaleString('en-US')} more ${more === 1 ? 'problem' : 'problems'}` });
  return listed;
}

/**
 * Like {@link fieldIssues}, but at most `limit` issues, plus, when there were more, one issue
 * `{field: root, message: 'and 199,990 more problems'}` summing up the rest. Linear in the number
 * of zod issues and stops building issues at the limit, so a record with 200,000 unknown keys
 * costs no more than counting them.
 */
export function boundedFieldIssues(error: z.ZodError, root = '(record)', limit = MAX_ISSUES_PER_RECORD): Array<{ field: string; message: string }> {
  const listed: Array<{ field: string; message: string }> = [];
  let more = 0;
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code !== 'unrecognized_keys') {
      if (listed.length < limit) listed.push({ field: path.length ? path.join('.') : root, message: issue.message });
      else more += 1;
      continue;
    }
    const room = Math.max(0, Math.min(limit - listed.length, issue.keys.length));
    for (let k = 0; k < room; k += 1) listed.push({ field: [...path, keyName(issue.keys[k]!)].join('.'), message: 'is not a known field' });
    more += issue.keys.length - room;
  }
  if (more > 0) listed.push({ field: root, message: `and ${more.toLocaleString('en-US')} more ${more === 1 ? 'problem' : 'problems'}` });
  return listed;
}

/**
 * A zod parse result's problems as `field: message` lines, `(request)` naming the argument
 * itself; empty when it parsed. For update validators, whose refusals are one message.
 */
export function problemLines(result: { success: boolean; error?: z.ZodError }): string[] {
  return result.success || !result.error ? [] : fieldIssues(result.error, '(request)').map((issue) => `${issue.field}: ${issue.message}`);
}
