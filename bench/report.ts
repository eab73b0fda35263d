/** Prints the combined billing-run table from every bench/results/billing-run*.json (for BENCHMARKS.md). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './billing-run';
import { ROOT } from './lib/proc';

const dir = join(ROOT, 'bench', 'results');
const cases = readdirSync(dir)
  .filter((f) => /^billing-run.*\.json$/.test(f))
  .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Parameters<typeof report>[0])
  .sort((a, b) => a.engine.localeCompare(b.engine) || a.latencyMs - b.latencyMs || a.n - b.n);
process.stdout.write(`${report(cases)}\n`);
