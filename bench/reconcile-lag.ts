/**
 * Benchmark 3: reconcile lag. N charges sit pending at PayPal (the sandbox's `pending` fault with a far
 * settleAfterMs); then the sandbox clock jumps and all of them settle to paid at once. Measured: the time until all
 * are `succeeded` in our database,
 *   - with webhooks: the sandbox's paid webhooks (re-fetched by the app) do the work; the reconciler's first look-up
 *     is an hour away, so it does not help;
 *   - without webhooks: every settlement webhook is dropped; the app clock then moves past the first look-up and one
 *     billing run (the scheduler's passes) lets the reconciler find them. This is the reconciler's own throughput:
 *     in production BILLING_RECONCILE_BACKOFF_MS (when the first look-up is due) comes on top of it.
 *
 *   ts-node bench/reconcile-lag.ts [--engine postgres|sqlite] [--n 10000] [--runs 5] [--concurrency 64]
 */
import { writeFileSync } from 'node:fs';
import { ADMIN_KEY, api, type Engine, startApp } from './lib/app';
import { arg, list } from './lib/args';
import { scalar } from './lib/db';
import { postLong } from './lib/http';
import { startSandbox } from './lib/proc';
import { cloneSubscriptions, seedMerchant } from './lib/seed';
import { fmt, median, spread, sleep, table } from './lib/stats';

type Mode = 'webhooks' | 'reconciler';
const HOUR = 3_600_000;

async function once(
  engine: Engine,
  mode: Mode,
  n: number,
  concurrency: number,
): Promise<{ lagS: number; billS: number }> {
  const sandbox = await startSandbox(0);
  const app = await startApp({
    engine,
    sandboxUrl: sandbox.url,
    onFail: () => sandbox.stop(),
    env: {
      BILLING_CONCURRENCY: String(concurrency),
      BILLING_BATCH_SIZE: '500',
      PORTONE_WEBHOOK_REFETCH_LIMIT: '100000',
      // The first look-up an hour away: with webhooks the reconciler stays out of the way; without, the clock is moved.
      BILLING_RECONCILE_BACKOFF_MS: String(HOUR),
    },
  });
  try {
    const seeded = await seedMerchant(app, sandbox.url, Math.min(20, n));
    await cloneSubscriptions(app, seeded, n);
    const faults = [
      { type: 'pending', settleTo: 'paid', settleAfterMs: HOUR },
      ...(mode === 'reconciler' ? [{ type: 'webhook', mode: 'drop' }] : []),
    ];
    for (const fault of faults)
      await api(sandbox.url, 'POST', '/control/faults', undefined, {
        gateway: 'portone',
        operation: 'again',
        fault,
        times: n,
      });
    const b0 = performance.now();
    await postLong(`${app.url}/v1/billing/runs`, seeded.apiKey);
    for (const limit = performance.now() + 600_000; ; await sleep(100)) {
      const pending = await scalar(app, `SELECT count(*) AS n FROM charges WHERE status = 'pending'`);
      if (pending >= n) break;
      if (performance.now() > limit) throw new Error(`only ${pending}/${n} charges pending after 600 s`);
      if (process.env.BENCH_DEBUG) process.stderr.write(`pending ${pending}\n`);
    }
    const billS = (performance.now() - b0) / 1000;
    const t0 = performance.now();
    await api(sandbox.url, 'POST', '/clock', undefined, { advanceMs: HOUR + 1000 });
    if (mode === 'reconciler') {
      // Every look-up due now, then the same passes the scheduler runs.
      await api(app.url, 'POST', '/v1/admin/clock', ADMIN_KEY, { advanceMs: HOUR + 60_000 });
      await postLong(`${app.url}/v1/billing/runs`, seeded.apiKey);
    }
    const deadline = t0 + 600_000;
    for (;;) {
      const done = await scalar(app, `SELECT count(*) AS n FROM charges WHERE status = 'succeeded'`);
      if (done >= n) break;
      if (process.env.BENCH_DEBUG) process.stderr.write(`succeeded ${done}\n`);
      if (performance.now() > deadline) throw new Error(`${mode}: only ${done}/${n} succeeded after 600 s`);
      await sleep(100);
    }
    return { lagS: (performance.now() - t0) / 1000, billS };
  } finally {
    await app.dispose();
    await sandbox.stop();
  }
}

async function main(): Promise<void> {
  const engine = arg('engine', 'postgres') as Engine;
  const n = Number(arg('n', '10000'));
  const runs = Number(arg('runs', '5'));
  const concurrency = Number(arg('concurrency', '64'));
  const results: Record<Mode, { lagS: number; billS: number }[]> = { webhooks: [], reconciler: [] };
  for (let r = 0; r < runs; r++) {
    for (const mode of list('modes', 'webhooks,reconciler') as Mode[]) {
      const res = await once(engine, mode, n, concurrency);
      results[mode].push(res);
      process.stderr.write(
        `run ${r + 1}/${runs} ${mode}: ${fmt(res.lagS, 2)} s to settle ${fmt(n)} (billing them pending took ${fmt(res.billS, 2)} s)\n`,
      );
    }
  }
  const out = arg('out', '');
  if (out) writeFileSync(out, JSON.stringify({ engine, n, runs, concurrency, results }, null, 2));
  const rows = (Object.keys(results) as Mode[])
    .filter((m) => results[m].length > 0)
    .map((m) => {
      const lags = results[m].map((x) => x.lagS);
      return [m, engine, fmt(n), fmt(median(lags), 2), spread(lags), fmt(n / median(lags))];
    });
  process.stdout.write(
    `${table(['path', 'engine', 'pending charges', 'lag s (median)', 'lag s (min–max)', 'settled/s'], rows)}\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
