import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../workflows/shared';
import { ensureTemporalCli } from './temporal-cli';

export interface LocalTemporalOptions {
  /** Keep the server's state in this SQLite file; omitted: in memory. */
  dbFilename?: string;
  /** Frontend port; omitted: a free one. */
  port?: number;
  /** Serve the Temporal UI on this port. */
  uiPort?: number;
  namespace?: string;
  /** Extra `temporal server start-dev` flags, e.g. dynamic config for tests. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `temporal server start-dev` through `@temporalio/testing`, with the project's search
 * attributes registered. Uses the CLI found or built by {@link ensureTemporalCli}; without a
 * binary or Go it falls back to the SDK's own download (needs internet).
 */
export async function startLocalTemporal(options: LocalTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  const cli = await ensureTemporalCli(options.env);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      searchAttributes: SEARCH_ATTRIBUTES,
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
    },
  });
}
