/**
 * `npm run bench`: every benchmark, one after another, each in its own process, with the full matrix of the issue
 * (billing run at 1 K, 10 K and 100 K on SQLite and PostgreSQL at 0 and 100 ms; REST hot paths; reconcile lag; the CPU
 * cost of one outbound PG call by client).
 * Results go to bench/results/*.json and the tables to stdout; BENCHMARKS.md holds the figures and what limits them.
 * Takes well over an hour on the 2-core machine: run the scripts one by one (npm run bench:billing -- --sizes 1000…)
 * for a quicker look.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/proc';

const results = join(ROOT, 'bench', 'results');
mkdirSync(results, { recursive: true });
const runs: Array<[string, string[]]> = [
  ['billing-run.ts', ['--out', join(results, 'billing-run.json')]],
  ['rest-hot-paths.ts', ['--out', join(results, 'rest-hot-paths.json')]],
  ['reconcile-lag.ts', ['--out', join(results, 'reconcile-lag.json')]],
  ['outbound-client.ts', []],
];
for (const [script, args] of runs) {
  process.stdout.write(`\n## ${script}\n\n`);
  const r = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', script), ...args, ...process.argv.slice(2)],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0) process.exit(r.status ?? 1);
}
