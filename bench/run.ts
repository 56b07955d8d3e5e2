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
import { runScaleBench } from './scale';

/** Options some benchmarks read (`--accounts`: scale). */
interface BenchOptions {
  accounts?: string;
}

const benches: Record<string, (options: BenchOptions) => Promise<Record<string, unknown>>> = {
  conversions: runConversionsBench,
  holds: runHoldsBench,
  ingest: runIngestBench,
  'ingress-adversarial': runIngressAdversarialBench,
  pull: runPullBench,
  reports: runReportsBench,
  scale: runScaleBench,
};

const program = new Command()
  .name('npm run bench --')
  .argument('<name>', `one of: ${Object.keys(benches).join(', ')}`)
  .option('--accounts <count>', 'scale: ad accounts under 100 Pinterest users (a multiple of 100; default 1000)')
  .action(async (name: string, options: BenchOptions) => {
    const bench = benches[name];
    if (!bench) program.error(`unknown benchmark "${name}"; one of: ${Object.keys(benches).join(', ')}`);
    const figures = await bench!(options);
    const result = { benchmark: name, at: new Date().toISOString(), machine: { cpus: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version }, ...figures };
    console.log(JSON.stringify(result, null, 2));
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  });

await program.parseAsync();
