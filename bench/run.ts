// `npm run bench -- <name>`: runs one benchmark, prints its figures and writes bench/results/<name>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { Command } from 'commander';
import { runConversionsBench } from './conversions';
import { runHoldsBench } from './holds';
import { runIngestBench } from './ingest';
import { runIngressAdversarialBench } from './ingress-adversarial';
import { runPullBench } from './pull';
import { runReportsBench } from './reports';

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  conversions: runConversionsBench,
  holds: runHoldsBench,
  ingest: runIngestBench,
  'ingress-adversarial': runIngressAdversarialBench,
  pull: runPullBench,
  reports: runReportsBench,
};

const program = new Command()
  .name('npm run bench --')
  .argument('<name>', `one of: ${Object.keys(benches).join(', ')}`)
  .action(async (name: string) => {
    const bench = benches[name];
    if (!bench) program.error(`unknown benchmark "${name}"; one of: ${Object.keys(benches).join(', ')}`);
    const figures = await bench!();
    const result = { benchmark: name, at: new Date().toISOString(), machine: { cpus: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version }, ...figures };
    console.log(JSON.stringify(result, null, 2));
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  });

await program.parseAsync();
