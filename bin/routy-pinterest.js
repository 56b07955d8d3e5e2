#!/usr/bin/env node
// `npx routy-pinterest <command>`: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../cli/cli.ts');
