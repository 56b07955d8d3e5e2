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

/**
 * A zod parse result's problems as `field: message` lines, `(request)` naming the argument
 * itself; empty when it parsed. For update validators, whose refusals are one message.
 */
export function problemLines(result: { success: boolean; error?: z.ZodError }): string[] {
  return result.success || !result.error ? [] : fieldIssues(result.error, '(request)').map((issue) => `${issue.field}: ${issue.message}`);
}
