/**
 * Benchmark 2: REST hot paths against their limit, in one run. autocannon (in this process) against the app pinned to
 * one core: `GET /v1/subscriptions/{id}`, `POST /v1/webhooks/portone/{merchantId}` (each delivery a distinct pointer
 * to a pending charge, so each one costs its re-fetch at the PG), `POST /v1/toss/orders`, and a bare Fastify server
 * (bench/bare-read.server.ts) pinned to the same core doing the same database read as the first.
 *
 *   ts-node bench/rest-hot-paths.ts [--engine postgres|sqlite] [--rounds 5] [--seconds 10] [--connections 32]
 *                                   [--targets get,bare,orders,webhooks]   (a subset, for profiling one path)
 */
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { api, type Engine, freshDatabase, PRODUCTION_NODE_ARGS, startApp } from './lib/app';
import { arg } from './lib/args';
import { cpuSeconds } from './lib/cpu';
import { postLong } from './lib/http';
import { freePort, startNode, startSandbox } from './lib/proc';
import { cloneSubscriptions, seedMerchant } from './lib/seed';
import { fmt, median, sleep, table } from './lib/stats';

interface Shot {
  target: string;
  reqPerS: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time (user + system) of the server under load, per request: steadier than req/s on a shared 2-core machine. */
  cpuUsPerReq: number;
  /** Webhooks only: deliveries / (load time + time until every accepted one was applied in the background). */
  appliedPerS?: number;
}

async function shoot(
  target: string,
  url: string,
  pid: number,
  opts: { connections: number; seconds: number; requests: autocannon.Request[] },
): Promise<Shot> {
  const cpu0 = cpuSeconds(pid);
  const mono0 = process.hrtime.bigint();
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    requests: opts.requests,
  });
  // The load's window on the monotonic clock (µs), which a V8 CPU profile of the app (BENCH_PROFILE_DIR) also uses.
  if (process.env.BENCH_PROFILE_DIR)
    process.stderr.write(`  profile window µs (${target}): ${mono0 / 1000n} ${process.hrtime.bigint() / 1000n}\n`);
  const cpuUsPerReq = ((cpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, result.requests.total);
  return {
    target,
    reqPerS: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerReq,
  };
}

async function metric(url: string, name: string, filter = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && line.includes(filter) && !line.startsWith('#'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function main(): Promise<void> {
  const engine = arg('engine', 'postgres') as Engine;
  const rounds = Number(arg('rounds', '5'));
  const seconds = Number(arg('seconds', '10'));
  const connections = Number(arg('connections', '32'));
  // Enough distinct pointers that the 1 s dedup window (the smallest allowed) rarely turns one away.
  const subs = Number(arg('pointers', '5000'));
  const wanted = new Set(arg('targets', 'get,bare,orders,webhooks').split(','));

  const sandbox = await startSandbox(0, { cpu: 1 });
  const db = await freshDatabase(engine);
  const app = await startApp({
    onFail: () => sandbox.stop(),
    engine,
    sandboxUrl: sandbox.url,
    database: db,
    cpu: 0,
    // The flood guard would (rightly) turn most of this load away; the benchmark measures the path behind it.
    env: { PORTONE_WEBHOOK_REFETCH_LIMIT: '100000', PORTONE_WEBHOOK_WINDOW_MS: '1000', BILLING_CONCURRENCY: '32' },
  });
  const barePort = await freePort();
  // The same V8 flags as the app, so the ratio compares the code, not the settings.
  const bare = await startNode(
    'bench/bare-read.server.ts',
    { BARE_PORT: String(barePort), ...db.env },
    /bare listening/,
    { cpu: 0, ts: true, nodeArgs: [...PRODUCTION_NODE_ARGS] },
  );
  try {
    const seeded = await seedMerchant(app, sandbox.url, 1);
    await cloneSubscriptions(app, seeded, subs);
    const ids: string[] = [
      seeded.templateSubscriptionIds[0],
      ...Array.from({ length: subs - 1 }, (_, i) => `sub_bench${String(i + 1).padStart(11, '0')}`),
    ];
    // Every charge of this run stays pending at PayPal, so a webhook's re-fetch finds it open and does the full work.
    await api(sandbox.url, 'POST', '/control/faults', undefined, {
      gateway: 'portone',
      operation: 'again',
      fault: { type: 'pending' },
      times: subs,
    });
    const run = await postLong<{ pending: number }>(`${app.url}/v1/billing/runs`, seeded.apiKey);
    if (run.body.pending !== subs) throw new Error(`expected ${subs} pending charges, got ${JSON.stringify(run.body)}`);
    // The sandbox's webhooks for those charges are applied in the background; let them finish before measuring.
    for (let last = -1, now = 0; ; last = now) {
      const accepted = await metric(app.url, 'portone_webhook_deliveries_total', 'disposition="accepted"');
      now = await metric(app.url, 'portone_webhook_applied_total');
      if (now >= accepted && now === last) break;
      await sleep(500);
    }
    const pointers: { imp_uid: string; merchant_uid: string }[] = [];
    for (const id of ids) {
      const { data } = await api(app.url, 'GET', `/v1/subscriptions/${id}/charges`, seeded.apiKey);
      pointers.push({ imp_uid: data[0].gatewayPaymentId, merchant_uid: data[0].merchantUid });
    }

    const auth = { authorization: `Bearer ${seeded.apiKey}` };
    let i = 0;
    const getReq: autocannon.Request[] = [
      {
        method: 'GET',
        headers: auth,
        setupRequest: (r) => ({ ...r, path: `/v1/subscriptions/${ids[i++ % ids.length]}` }),
      },
    ];
    let w = 0;
    const hookReq: autocannon.Request[] = [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (r) => ({
          ...r,
          path: `/v1/webhooks/portone/${seeded.merchantId}`,
          body: JSON.stringify({ ...pointers[w++ % pointers.length], status: 'paid' }),
        }),
      },
    ];
    const orderReq: autocannon.Request[] = [
      {
        method: 'POST',
        path: '/v1/toss/orders',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ orderName: 'Bench order', amount: 1999, currency: 'USD', country: 'US' }),
      },
    ];
    const bareUrl = `http://127.0.0.1:${barePort}`;

    // Warm-up (JIT, caches, connection pools), discarded.
    for (const [url, requests] of [
      [app.url, getReq],
      [bareUrl, getReq],
      [app.url, orderReq],
    ] as const)
      await shoot('warmup', url, 0, { connections, seconds: 3, requests: [...requests] });

    const shots: Shot[] = [];
    for (let r = 0; r < rounds; r++) {
      if (wanted.has('get'))
        shots.push(
          await shoot('GET /v1/subscriptions/{id}', app.url, app.pid, { connections, seconds, requests: getReq }),
        );
      if (wanted.has('bare'))
        shots.push(
          await shoot('bare Fastify, same read', bareUrl, bare.pid, { connections, seconds, requests: getReq }),
        );
      if (wanted.has('orders'))
        shots.push(await shoot('POST /v1/toss/orders', app.url, app.pid, { connections, seconds, requests: orderReq }));
      if (wanted.has('webhooks')) {
        const accepted0 = await metric(app.url, 'portone_webhook_deliveries_total', 'disposition="accepted"');
        const applied0 = await metric(app.url, 'portone_webhook_applied_total');
        const t0 = performance.now();
        const hook = await shoot('POST /v1/webhooks/portone/{merchantId}', app.url, app.pid, {
          connections,
          seconds,
          requests: hookReq,
        });
        const accepted =
          (await metric(app.url, 'portone_webhook_deliveries_total', 'disposition="accepted"')) - accepted0;
        const deadline = performance.now() + 120_000;
        while (
          (await metric(app.url, 'portone_webhook_applied_total')) - applied0 < accepted &&
          performance.now() < deadline
        )
          await sleep(50);
        hook.appliedPerS = accepted / ((performance.now() - t0) / 1000);
        shots.push(hook);
      }
      process.stderr.write(
        `round ${r + 1}/${rounds}: ${shots
          .slice(-wanted.size)
          .map((s) => `${s.target} ${fmt(s.reqPerS)}/s`)
          .join('; ')}\n`,
      );
    }
    const targets = [...new Set(shots.map((s) => s.target))];
    const bareShots = shots.filter((s) => s.target.startsWith('bare'));
    const bareRate = bareShots.length ? median(bareShots.map((s) => s.reqPerS)) : NaN;
    const bareCpu = bareShots.length ? median(bareShots.map((s) => s.cpuUsPerReq)) : NaN;
    const rows = targets.map((t) => {
      const mine = shots.filter((s) => s.target === t);
      const rate = median(mine.map((s) => s.reqPerS));
      const applied = mine[0].appliedPerS !== undefined ? fmt(median(mine.map((s) => s.appliedPerS!))) : '–';
      const cpu = median(mine.map((s) => s.cpuUsPerReq));
      return [
        t,
        fmt(rate),
        `${fmt(Math.min(...mine.map((s) => s.reqPerS)))}–${fmt(Math.max(...mine.map((s) => s.reqPerS)))}`,
        fmt(median(mine.map((s) => s.p50))),
        fmt(median(mine.map((s) => s.p99))),
        Number.isNaN(bareRate) ? '–' : fmt(rate / bareRate, 2),
        fmt(cpu),
        Number.isNaN(bareCpu) ? '–' : fmt(bareCpu / cpu, 2),
        applied,
        String(mine.reduce((a, s) => a + s.non2xx + s.errors, 0)),
      ];
    });
    const out = arg('out', '');
    if (out) writeFileSync(out, JSON.stringify({ engine, rounds, seconds, connections, shots }, null, 2));
    process.stdout.write(
      `${table(['target', 'req/s (median)', 'req/s (min–max)', 'p50 ms', 'p99 ms', 'ratio to bare read', 'server CPU µs/req', 'bare CPU ÷ this CPU', 'applied/s incl. background re-fetch', 'non-2xx + errors'], rows)}\n`,
    );
  } finally {
    await bare.stop();
    await app.dispose();
    await sandbox.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
