import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared beside the repo: CI always has it; a user's clone may not. */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared', import.meta.url));

/** Path of a file under ../shared, or undefined (the test then skips with this reason). */
export function sharedFile(relative: string): { path?: string; skip?: string } {
  const path = `${SHARED_DIR}/${relative}`;
  return existsSync(path) ? { path } : { skip: `../shared/${relative} is not present beside this clone` };
}
