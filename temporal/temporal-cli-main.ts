// `npm run temporal:cli`: prints the Temporal CLI's path, building it first when missing.
import { ensureTemporalCli } from './temporal-cli';

const cli = await ensureTemporalCli();
if (!cli) {
  console.error('No temporal CLI and no Go toolchain: the SDK will download its dev server at start.');
  process.exit(1);
}
console.log(cli);
