// `npm run build`, last step (`node dist/worker/write-workflow-bundle.js`): bundles the compiled
// workflows once into dist/workflow-bundle.js, which compiled workers load instead of running
// webpack at every start.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createDataConverter } from '../temporal/data-converter';
import { bundleWorkflows, workflowsPath } from './create-worker';

if (!workflowsPath.endsWith('.js')) throw new Error('run the compiled file (npm run build): node dist/worker/write-workflow-bundle.js');
// The failure converter's module path is the same whatever the keys: a throwaway key names it.
const { failureConverterPath } = createDataConverter([{ id: 'build', key: Buffer.alloc(32) }], { allowPlaintext: false });
const { code } = await bundleWorkflows(failureConverterPath);
const target = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
await writeFile(target, code);
console.error(`wrote ${target} (${Math.round(code.length / 1024)} KiB)`);
