/**
 * Benchmark 1: a billing run over N due subscriptions, on SQLite and PostgreSQL, with the PG sandbox in its own
 * process at 0 ms and 100 ms of injected latency. Each run bills the next daily cycle of every subscription through
 * `POST /v1/billing/runs` (the same passes the scheduler runs), after moving the test clock one day.
 *
 *   node dist/bench/billing-run.js [--engines sqlite,postgres] [--latencies 0,100] [--sizes 1000,10000,100000]
 *                                  [--runs 5] [--warmup K] [--concurrency 64] [--batch 64] [--keys 20] [--no-pin]
 *                                  [--bare auto|on|off] [--out file.json]
 *
 * --warmup K: K runs after the app boots, before the measured ones. The default is counted in charges, not runs: as many
 * runs as bill 10,000 charges (one at 10 K, ten at 1 K, none at 100 K, where the JIT's warm-up is a small part of one
 * run). One 1 K run does not warm the app: its CPU per run kept falling over the next three (3.3, 2.2, 1.7, 1.4 s), so
 * a single warm-up made the 1 K rows measure the JIT. Warm-ups are never in the medians; the first is reported apart
 * ("first run after boot").
 *
 * --bare: after the app's runs, the same number of runs by a bare client (bench/bare-billing.client.ts) against the same
 * sandbox on the app's core: the same calls and webhooks with nothing else, the run's limit as measured on this machine
 * beside the one computed from the latency. `auto` (the default) runs it up to 10 K charges.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ADMIN_KEY, api, type BenchApp, type Engine, startApp, withPg } from './lib/app';
import { cpuSeconds, postgresCpuSeconds } from './lib/cpu';
import { postLong } from './lib/http';
import { DIST, ROOT, startNode, startSandbox } from './lib/proc';
import { cloneSubscriptions, seedMerchant } from './lib/seed';
import { fmt, median, mib, spread, table } from './lib/stats';
import { arg, list } from './lib/args';

interface RunFigure {
  wallS: number;
  chargesPerS: number;
  succeeded: number;
  appCpuS: number;
  sandboxCpuS: number;
  postgresCpuS: number;
  /** Mean `again` round trip as the app saw it (charge_pg_call_seconds): the latency plus every delay on our side. */
  meanCallMs: number;
  /** Mean time a PG call spent inside the sandbox (injected latency included): the sandbox's share of meanCallMs. */
  sandboxServiceMs: number;
}
interface CaseFigure {
  engine: Engine;
  latencyMs: number;
  n: number;
  concurrency: number;
  batch: number;
  runs: RunFigure[];
  /** The runs right after boot (JIT warm-up), reported apart from the medians. */
  warmup?: RunFigure[];
  peakRssBytes: number;
  /** The bare client's runs against the same sandbox (see --bare), when measured. */
  bare?: BareFigure[];
}
interface BareFigure {
  warmup: boolean;
  wallS: number;
  cpuS: number;
  webhooksDuringRun: number;
}

async function billOne(
  engine: Engine,
  latencyMs: number,
  n: number,
  runs: number,
  concurrency: number,
  batch: number,
  keys: number,
  warmups: number,
  bare: boolean,
): Promise<CaseFigure> {
  // The app on core 0, the sandbox on core 1 (PostgreSQL and this process float), as the REST benchmark does: the
  // app's core is its own, as in production, where the PG and the database are other machines. --no-pin: all float.
  const pin = !process.argv.includes('--no-pin');
  const sandbox = await startSandbox(latencyMs, pin ? { cpu: 1 } : {});
  const app = await startApp({
    engine,
    sandboxUrl: sandbox.url,
    cpu: pin ? 0 : undefined,
    onFail: () => sandbox.stop(),
    env: { BILLING_CONCURRENCY: String(concurrency), BILLING_BATCH_SIZE: String(batch) },
  });
  try {
    const seeded = await seedMerchant(app, sandbox.url, Math.min(keys, n));
    // BENCH_DROP_WEBHOOKS=1: the sandbox sends no webhook for these charges (to see what the webhooks cost).
    if (process.env.BENCH_DROP_WEBHOOKS)
      await api(sandbox.url, 'POST', '/control/faults', undefined, {
        gateway: 'portone',
        operation: 'again',
        fault: { type: 'webhook', mode: 'drop' },
        times: n * (runs + warmups),
      });
    await cloneSubscriptions(app, seeded, n);
    const figures: RunFigure[] = [];
    for (let r = 0; r < warmups + runs; r++) {
      if (r > 0) await api(app.url, 'POST', '/v1/admin/clock', ADMIN_KEY, { advanceMs: 86_400_000 });
      const cpu0 = {
        app: cpuSeconds(app.pid),
        sandbox: cpuSeconds(sandbox.pid),
        pg: engine === 'postgres' ? postgresCpuSeconds() : 0,
      };
      const calls0 = await sendCalls(app.url);
      const served0 = await served(sandbox.url);
      const t0 = performance.now();
      const mono0 = process.hrtime.bigint();
      const res = await postLong<{
        claimed: number;
        succeeded: number;
        failed: number;
        pending: number;
        unknown: number;
      }>(`${app.url}/v1/billing/runs`, seeded.apiKey);
      const wallS = (performance.now() - t0) / 1000;
      // The run's window on the monotonic clock (µs), which the app's V8 CPU profile also uses: WIN= for a profile reader.
      if (process.env.BENCH_PROFILE_DIR || process.env.BENCH_SANDBOX_PROFILE_DIR)
        process.stderr.write(`  profile window µs: ${mono0 / 1000n} ${process.hrtime.bigint() / 1000n}\n`);
      if (res.status !== 200) throw new Error(`billing run answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (res.body.succeeded !== n)
        throw new Error(`run ${r + 1} (warm-ups included): expected ${n} succeeded, got ${JSON.stringify(res.body)}`);
      const f: RunFigure = {
        wallS,
        chargesPerS: n / wallS,
        succeeded: res.body.succeeded,
        appCpuS: cpuSeconds(app.pid) - cpu0.app,
        sandboxCpuS: cpuSeconds(sandbox.pid) - cpu0.sandbox,
        // Approximate: backends that exit during the run take their CPU time with them.
        postgresCpuS: engine === 'postgres' ? Math.max(0, postgresCpuSeconds() - cpu0.pg) : 0,
        meanCallMs: await sendCalls(app.url).then(
          (c) => ((c.sum - calls0.sum) / Math.max(1, c.count - calls0.count)) * 1000,
        ),
        sandboxServiceMs: await served(sandbox.url).then(
          (v) => (v.ms - served0.ms) / Math.max(1, v.requests - served0.requests),
        ),
      };
      figures.push(f);
      const label = r < warmups ? `warm-up run ${r + 1}/${warmups}` : `run ${r - warmups + 1}/${runs}`;
      process.stderr.write(
        `  ${engine} ${latencyMs}ms N=${n} ${label}: ${fmt(wallS, 2)} s, ${fmt(f.chargesPerS)} charges/s (app cpu ${fmt(f.appCpuS, 1)} s, sandbox ${fmt(f.sandboxCpuS, 1)} s, pg ${fmt(f.postgresCpuS, 1)} s; mean again ${fmt(f.meanCallMs, 1)} ms, in the sandbox ${fmt(f.sandboxServiceMs, 1)} ms)\n`,
      );
    }
    if (process.env.BENCH_DEBUG) {
      process.stderr.write(
        `app output (tail):\n${app.output.join('').slice(-(Number(process.env.BENCH_DEBUG) || 3000))}\n`,
      );
      process.stderr.write(
        `sandbox output (tail):\n${sandbox.output.join('').slice(-(Number(process.env.BENCH_DEBUG) || 3000))}\n`,
      );
      process.stderr.write(
        `sandbox stats: ${JSON.stringify(await api(sandbox.url, 'GET', '/control/stats', undefined))}\n`,
      );
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      process.stderr.write(
        `${metrics
          .split('\n')
          .filter((l) =>
            /^(portone_webhook|charge_outcomes|charge_pg_call|billing_|http_request_duration_seconds_count|nodejs_eventloop_lag)/.test(
              l,
            ),
          )
          .join('\n')}\n`,
      );
    }
    const result: CaseFigure = {
      engine,
      latencyMs,
      n,
      concurrency,
      batch,
      runs: figures.slice(warmups),
      warmup: figures.slice(0, warmups),
      peakRssBytes: app.peakRss(),
    };
    if (bare) {
      const customerUids = await billingKeyUids(app);
      await app.dispose();
      result.bare = await bareRuns(sandbox.url, seeded.merchantId, customerUids, {
        n,
        concurrency,
        runs,
        warmups,
        cpu: pin ? 0 : undefined,
      });
    }
    return result;
  } finally {
    await app.dispose();
    await sandbox.stop();
  }
}

/** The PortOne customer_uids of the seeded billing keys, read from the app's database. */
async function billingKeyUids(app: BenchApp): Promise<string[]> {
  const sql = "SELECT customer_uid FROM billing_keys WHERE status = 'active'";
  if (app.engine === 'postgres')
    return withPg(app.database, async (c) => (await c.query(sql)).rows.map((r) => String(r.customer_uid)));
  const db = new Database(app.database, { readonly: true });
  try {
    return (db.prepare(sql).all() as { customer_uid: string }[]).map((r) => r.customer_uid);
  } finally {
    db.close();
  }
}

/** The bare client's runs (bench/bare-billing.client.ts), on the app's core once the app has stopped. */
async function bareRuns(
  sandboxUrl: string,
  merchantId: string,
  customerUids: string[],
  o: { n: number; concurrency: number; runs: number; warmups: number; cpu?: number },
): Promise<BareFigure[]> {
  // The sandbox account the build under test uses for a merchant without PortOne keys of its own.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build under test (BENCH_DIST), not this tree
  const { sandboxAccountOf } = require(
    resolve(ROOT, DIST, 'src/gateway-credentials/gateway-credentials.service.js'),
  ) as {
    sandboxAccountOf: (merchantId: string) => string;
  };
  const account = sandboxAccountOf(merchantId);
  const env = {
    SANDBOX_URL: sandboxUrl,
    ACCOUNT: account,
    KEYS: customerUids.join(','),
    N: String(o.n),
    CONCURRENCY: String(o.concurrency),
    RUNS: String(o.runs),
    WARMUPS: String(o.warmups),
  };
  const timeoutMs = 60_000 + (o.runs + o.warmups) * o.n * 20 + 1000;
  const proc = await startNode('bench/bare-billing.client.ts', env, /bare-billing done/, {
    ts: true,
    cpu: o.cpu,
    timeoutMs,
  });
  await proc.stop();
  const out = proc.output.join('');
  const figures = [...out.matchAll(/^bare-run (\{.*\})$/gm)].map((m) => JSON.parse(m[1]) as BareFigure);
  if (figures.length !== o.runs + o.warmups)
    throw new Error(`bare client: ${figures.length} runs reported:\n${out.slice(-2000)}`);
  for (const f of figures.filter((x) => !x.warmup))
    process.stderr.write(
      `  bare client N=${o.n}: ${fmt(f.wallS, 2)} s (cpu ${fmt(f.cpuS, 2)} s, ${f.webhooksDuringRun} webhooks acknowledged during the run)\n`,
    );
  return figures;
}

/** PG calls the sandbox has served so far, and their total time in it. */
async function served(url: string): Promise<{ requests: number; ms: number }> {
  const s = await api<{ requests: number; meanServiceMs: number }>(url, 'GET', '/control/stats', undefined);
  return { requests: s.requests, ms: s.meanServiceMs * s.requests };
}

/** Sum and count of the app's `again` durations so far. */
async function sendCalls(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (suffix: string) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`charge_pg_call_seconds_${suffix}{`) && l.includes('source="send"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  return { sum: read('sum'), count: read('count') };
}

export function report(cases: CaseFigure[]): string {
  const rows = cases.map((c) => {
    const wall = median(c.runs.map((r) => r.wallS));
    const rate = median(c.runs.map((r) => r.chargesPerS));
    const bound = (c.n * c.latencyMs) / 1000 / c.concurrency;
    const limit =
      c.latencyMs > 0
        ? `${fmt((bound / wall) * 100, 1)} % of the bound (${fmt(bound, 2)} s; target ≥ 90 %)`
        : `${fmt(rate / 1000, 2)}× the 1,000/s target`;
    const perCharge = (wall / c.n) * 1e6;
    const sandboxShare = median(c.runs.map((r) => r.sandboxCpuS / r.wallS));
    const appShare = median(c.runs.map((r) => r.appCpuS / r.wallS));
    const callMs = c.runs.every((r) => r.meanCallMs !== undefined)
      ? `${fmt(median(c.runs.map((r) => r.meanCallMs)), 1)} (${fmt(median(c.runs.map((r) => r.sandboxServiceMs)), 1)} in the sandbox)`
      : '–';
    const first = c.warmup?.length ? fmt(c.warmup[0].chargesPerS) : '–';
    return [
      c.engine,
      `${c.latencyMs} ms`,
      fmt(c.n),
      String(c.runs.length),
      fmt(wall, 2),
      spread(c.runs.map((r) => r.wallS)),
      fmt(rate),
      fmt(perCharge, 0),
      limit,
      callMs,
      mib(c.peakRssBytes),
      `${fmt(appShare * 100)} %`,
      `${fmt(sandboxShare * 100)} %`,
      first,
    ];
  });
  return table(
    [
      'engine',
      'latency',
      'N',
      'runs',
      'wall s (median)',
      'wall s (min–max)',
      'charges/s',
      'µs/charge',
      'against the limit',
      'mean `again` ms (app side)',
      'app peak RSS',
      'app CPU',
      'sandbox CPU',
      'first run after boot (charges/s, not in the median)',
    ],
    rows,
  );
}

/** The bare client beside the app (see --bare): the limit as this machine and sandbox allow it. */
export function reportBare(cases: CaseFigure[]): string {
  const rows = cases.flatMap((c) => {
    const b = (c.bare ?? []).filter((f) => !f.warmup);
    if (b.length === 0) return [];
    const wall = median(b.map((f) => f.wallS));
    const appWall = median(c.runs.map((r) => r.wallS));
    const bound = (c.n * c.latencyMs) / 1000 / c.concurrency;
    const limit = c.latencyMs > 0 ? `${fmt((bound / wall) * 100, 1)} % of the bound` : `${fmt(c.n / wall)} charges/s`;
    return [
      [
        c.engine,
        `${c.latencyMs} ms`,
        fmt(c.n),
        String(b.length),
        fmt(wall, 2),
        spread(b.map((f) => f.wallS)),
        limit,
        fmt((median(b.map((f) => f.cpuS)) / c.n) * 1e6, 0),
        fmt(wall / appWall, 2),
      ],
    ];
  });
  if (rows.length === 0) return '';
  return table(
    [
      "engine (the app's case)",
      'latency',
      'N',
      'bare runs',
      'bare wall s (median)',
      'bare wall s (min–max)',
      'bare client against the limit',
      'bare client CPU µs/charge',
      "bare wall ÷ app wall (the app's share of the limit)",
    ],
    rows,
  );
}

/** Charges billed after boot before the measured runs, by default (see --warmup). */
const WARMUP_CHARGES = 10_000;

async function main(): Promise<void> {
  const engines = list('engines', 'sqlite,postgres') as Engine[];
  const latencies = list('latencies', '0,100').map(Number);
  const sizes = list('sizes', '1000,10000,100000').map(Number);
  const runs = Number(arg('runs', '5'));
  const concurrency = Number(arg('concurrency', '64'));
  // The batch the size of the concurrency: a batch of 200 (series 1–6) did its database work in stretches long enough to
  // hold back the answers of the calls in flight (1 K at 100 ms: 90.5 → 92.5 % of the bound on SQLite; BENCHMARKS.md).
  const batch = Number(arg('batch', '64'));
  const keys = Number(arg('keys', '20'));
  const warmupArg = arg('warmup', '');
  const warmups = (n: number) =>
    warmupArg === '' ? (n < WARMUP_CHARGES * 10 ? Math.ceil(WARMUP_CHARGES / n) : 0) : Number(warmupArg);
  const bareArg = arg('bare', 'auto');
  if (!['auto', 'on', 'off'].includes(bareArg)) throw new Error('--bare must be auto, on or off');
  const bare = (n: number) => bareArg === 'on' || (bareArg === 'auto' && n <= 10_000);
  const cases: CaseFigure[] = [];
  for (const engine of engines)
    for (const latencyMs of latencies)
      for (const n of sizes)
        cases.push(await billOne(engine, latencyMs, n, runs, concurrency, batch, keys, warmups(n), bare(n)));
  const out = arg('out', '');
  if (out) writeFileSync(out, JSON.stringify(cases, null, 2));
  process.stdout.write(`${report(cases)}\n`);
  const bareTable = reportBare(cases);
  if (bareTable)
    process.stdout.write(`\nThe bare client (the same calls and webhooks, nothing else):\n\n${bareTable}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
