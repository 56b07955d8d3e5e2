import type { z } from 'zod';
import { fieldIssues } from '../../domain/field-issues';

/** Every error answer has this shape: `{ error, issues? }`, issues naming the field at fault under `root`. */
export const invalid = (error: string, zodError: z.ZodError, root: string) => ({ error, issues: fieldIssues(zodError, root) });
