// ESLint (flat config) with typescript-eslint. The import rules hold the layering README's Layout
// describes: domain <- adapters <- activities <- workflows <- edges, no import running back up.
// Workflow code runs in Temporal's deterministic sandbox, so it may not reach Node or any I/O.
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const anyOf = (names) => names.map(escape).join('|');

/** Every Node built-in, as `node:x` or as a bare name (`fs`, `fs/promises`, `child_process`, ...). */
const nodeBuiltins = {
  regex: `^(node:.*|(${anyOf(builtinModules)})(/.*)?)$`,
  message: 'Workflow code runs in the deterministic sandbox: no Node built-ins; do I/O in an activity.',
};

/** Packages that do I/O (database, HTTP, logs, metrics) or belong outside the workflow sandbox. */
const ioPackages = {
  regex: `^(${anyOf([
    'pg', 'kysely', 'kysely-pglite', '@electric-sql/pglite', 'fastify', 'pino', 'prom-client', 'limiter',
    '@temporalio/activity', '@temporalio/worker', '@temporalio/client', '@temporalio/testing',
  ])})(/.*)?$`,
  message: 'Workflow code runs in the deterministic sandbox: no I/O modules; do I/O in an activity.',
};

/** A relative import of one of our top-level folders, from a file one or more folders below the root. */
const ourFolders = (folders) => `^(\\.\\./)+(${anyOf(folders)})(/.*)?$`;

const workflowImports = [
  nodeBuiltins,
  ioPackages,
  {
    regex: ourFolders(['activities']),
    allowTypeImports: true,
    message: 'Activities enter workflows as types only: `import type`.',
  },
  {
    // These domain modules hash with node:crypto, which the workflow bundle cannot hold.
    regex: '^(\\.\\./)+domain/(user-data|routy-records)$',
    allowTypeImports: true,
    message: 'Hashing (node:crypto) stays out of the workflow sandbox: import its types only.',
  },
  {
    regex: ourFolders([
      'store', 'pinterest', 'secrets', 'observability', 'http', 'service', 'temporal', 'worker',
      'client', 'emulator', 'reports', 'cli', 'demo',
    ]),
    message: 'Workflow code imports only the domain, the workflow contract and activity types.',
  },
];

const domainImports = [
  {
    regex: '^\\.\\./',
    message: 'The domain core imports nothing outside domain/.',
  },
  {
    regex: '^(?!\\.{1,2}/|zod$|libphonenumber-js(/.*)?$|node:crypto$)',
    message: 'The domain core imports only domain/, zod, libphonenumber-js and node:crypto (no I/O, no Temporal).',
  },
];

const adapterImports = [
  {
    regex: ourFolders(['activities', 'workflows', 'http', 'cli', 'demo', 'service', 'reports', 'client', 'worker', 'temporal', 'emulator']),
    message: 'Adapters (pinterest, store, secrets) import only the domain, each other and observability, never a role or an edge.',
  },
];

/**
 * Activities use the adapters and the workflow contract (failure types), never an edge or the
 * workflow code. The read models are allowed: the CPA alerts evaluate the performance report.
 */
const activityImports = [
  {
    regex: ourFolders(['http', 'cli', 'demo', 'service', 'client', 'worker', 'temporal', 'emulator']),
    message: 'Activities import the domain, the adapters and observability, never an edge.',
  },
  {
    regex: '^(\\.\\./)+workflows/(?!shared$)',
    message: 'Activities import only the workflow contract (workflows/shared): failure types, never workflow code.',
  },
];

/** Report read models query the store's tables; they know nothing of Temporal or the edges. */
const readModelImports = [
  {
    regex: ourFolders(['activities', 'workflows', 'http', 'cli', 'demo', 'service', 'client', 'worker', 'temporal', 'emulator', 'pinterest']),
    message: 'Read models import only the domain and the store.',
  },
  { regex: '^@temporalio/', message: 'Read models know nothing of Temporal.' },
];

export default defineConfig([
  globalIgnores(['node_modules/', '.data/', 'test/output/', 'bench/results/', 'dist/']),
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test() and describe() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', {
        args: 'after-used',
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
      }],
      'no-unused-expressions': 'off',
      '@typescript-eslint/no-unused-expressions': 'error',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { ...globals.node } },
    // Plain JavaScript has no type checker behind it, so undefined names are caught here.
    rules: {
      'no-undef': 'error',
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-unused-expressions': 'error',
    },
  },
  {
    // A browser script served to the report page; Chart.js is loaded beside it as a global.
    files: ['http/report-page/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, Chart: 'readonly' } },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: workflowImports }] },
  },
  {
    files: ['domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: domainImports }] },
  },
  {
    files: ['pinterest/**/*.ts', 'store/**/*.ts', 'secrets/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: adapterImports }] },
  },
  {
    files: ['activities/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: activityImports }] },
  },
  {
    files: ['reports/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: readModelImports }] },
  },
]);
