/**
 * Prints the combined billing-run table from every bench/results/billing-run*.json (for BENCHMARKS.md). Cases measured
 * in several series (the same engine, latency, N, concurrency and batch in more than one file) are merged: their runs
 * pooled, so the median is over every run, the warm-ups kept apart, the peak RSS the highest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './billing-run';
import { ROOT } from './lib/proc';

const dir = join(ROOT, 'bench', 'results');
const cases = readdirSync(dir)
  .filter((f) => /^billing-run.*\.json$/.test(f))
  .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Parameters<typeof report>[0])
  .sort((a, b) => a.engine.localeCompare(b.engine) || a.latencyMs - b.latencyMs || a.n - b.n);
const merged = new Map<string, (typeof cases)[number]>();
for (const c of cases) {
  const key = [c.engine, c.latencyMs, c.n, c.concurrency, c.batch].join('|');
  const m = merged.get(key);
  if (!m) merged.set(key, { ...c, runs: [...c.runs], warmup: [...(c.warmup ?? [])] });
  else {
    m.runs.push(...c.runs);
    m.warmup!.push(...(c.warmup ?? []));
    m.peakRssBytes = Math.max(m.peakRssBytes, c.peakRssBytes);
  }
}
process.stdout.write(`${report([...merged.values()])}\n`);
