import type { z } from 'zod';
import { boundedFieldIssues } from '../../domain/field-issues';

/** Most issues one error answer lists; the rest are summed up in one more (`and N more problems`). */
const MAX_ISSUES_PER_ANSWER = 100;

/**
 * Every error answer has this shape: `{ error, issues? }`, issues naming the field at fault under
 * `root`, at most MAX_ISSUES_PER_ANSWER of them plus one summing up the rest.
 */
export const invalid = (error: string, zodError: z.ZodError, root: string) => ({ error, issues: boundedFieldIssues(zodError, root, MAX_ISSUES_PER_ANSWER) });
