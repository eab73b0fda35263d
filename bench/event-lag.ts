/**
 * Event delivery lag under a billing run: N due subscriptions billed through `POST /v1/billing/runs` while the app's
 * delivery worker POSTs every event it writes (charge.*, subscription.*) to one webhook endpoint served by this
 * process. Lag per event = when the receiver got it (first time) − the event's `createdAt`; the app's own histogram
 * (`billing_event_delivery_lag_seconds`, delivered_at − createdAt) is reported beside it.
 *
 *   node dist/bench/event-lag.js [--engine postgres|sqlite] [--n 10000] [--latency 0] [--concurrency 64] [--batch 64]
 *                                [--delivery-concurrency 16] [--out file.json]
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { api, type Engine, startApp } from './lib/app';
import { arg } from './lib/args';
import { postLong } from './lib/http';
import { ROOT, startSandbox } from './lib/proc';
import { cloneSubscriptions, seedMerchant } from './lib/seed';
import { fmt, sleep } from './lib/stats';

interface Receiver {
  url: string;
  /** First receipt per event id: [receivedAt ms, createdAt ms, type]. */
  first: Map<string, { receivedAt: number; createdAt: number; type: string }>;
  posts: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', first: new Map(), posts: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receivedAt = Date.now();
      r.posts++;
      const e = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; type: string; createdAt: string };
      if (!r.first.has(e.id)) r.first.set(e.id, { receivedAt, createdAt: Date.parse(e.createdAt), type: e.type });
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  r.close = () => new Promise<void>((ok) => server.close(() => ok()));
  return r;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** p50/p99 from a Prometheus histogram's cumulative buckets (upper bound of the bucket holding the quantile). */
function histogramQuantiles(metrics: string, name: string): { count: number; p50: string; p99: string } {
  const buckets = [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map((m) => ({
    le: m[1],
    n: Number(m[2]),
  }));
  const count = Number(new RegExp(`^${name}_count (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
  const at = (q: number) => buckets.find((b) => b.n >= q * count)?.le ?? 'n/a';
  return { count, p50: `≤ ${at(0.5)} s`, p99: `≤ ${at(0.99)} s` };
}

async function main(): Promise<void> {
  const engine = arg('engine', 'postgres') as Engine;
  const n = Number(arg('n', '10000'));
  const latencyMs = Number(arg('latency', '0'));
  const deliveryConcurrency = arg('delivery-concurrency', '16');
  const receiver = await startReceiver();
  const sandbox = await startSandbox(latencyMs);
  const app = await startApp({
    engine,
    sandboxUrl: sandbox.url,
    onFail: () => sandbox.stop(),
    env: {
      BILLING_CONCURRENCY: arg('concurrency', '64'),
      BILLING_BATCH_SIZE: arg('batch', '64'),
      EVENT_DELIVERY_ENABLED: 'true',
      EVENT_DELIVERY_CONCURRENCY: deliveryConcurrency,
    },
  });
  try {
    const progress = (msg: string) => process.stderr.write(`  ${msg}\n`);
    progress(`app and sandbox up (${engine})`);
    const seeded = await seedMerchant(app, sandbox.url, Math.min(20, n));
    const endpoint: { id: string } = await api(app.url, 'POST', '/v1/webhook-endpoints', seeded.apiKey, {
      url: receiver.url,
    });
    await cloneSubscriptions(app, seeded, n);
    // The seeding's own events (billing keys, subscriptions created) go out first; measure only the run's.
    const settle = async () => {
      let last = -1;
      while (receiver.first.size !== last) {
        last = receiver.first.size;
        await sleep(1500);
      }
    };
    progress(`seeded ${n} subscriptions; waiting for the seeding's events`);
    await settle();
    progress(`${receiver.first.size} seeding events received; billing run`);
    const before = new Set(receiver.first.keys());
    const t0 = Date.now();
    const res = await postLong<{ succeeded: number }>(`${app.url}/v1/billing/runs`, seeded.apiKey);
    const runS = (Date.now() - t0) / 1000;
    if (res.status !== 200 || res.body.succeeded !== n)
      throw new Error(`billing run: ${res.status} ${JSON.stringify(res.body)}`);
    progress(`run done in ${fmt(runS, 1)} s; ${receiver.first.size - before.size} of its events received so far`);
    // Every event the run wrote, as the outbox lists them (newest first, paged).
    let expected = 0;
    for (let cursor: string | null = null, done = false; !done;) {
      const page: { data: Array<{ id: string; createdAt: string }>; hasMore: boolean; nextCursor: string | null } =
        await api(app.url, 'GET', `/v1/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`, seeded.apiKey);
      // Events written before the endpoint existed were fanned out to nobody: count the run's only.
      expected += page.data.filter((e) => Date.parse(e.createdAt) >= t0).length;
      done = !page.hasMore;
      cursor = page.nextCursor;
    }
    progress(`${expected} events written by the run`);
    const deadline = Date.now() + Number(arg('wait-s', '600')) * 1000;
    const runEvents = () => [...receiver.first.entries()].filter(([id]) => !before.has(id));
    while (runEvents().length < expected && Date.now() < deadline) await sleep(200);
    if (runEvents().length < expected) {
      const pending: { data: unknown[] } = await api(
        app.url,
        'GET',
        `/v1/webhook-endpoints/${endpoint.id}/deliveries?status=pending&limit=5`,
        seeded.apiKey,
      );
      progress(`not all delivered; pending sample: ${JSON.stringify(pending.data)}`);
    }
    const lagsMs = runEvents()
      .map(([, e]) => e.receivedAt - e.createdAt)
      .sort((a, b) => a - b);
    const lastAt = Math.max(...runEvents().map(([, e]) => e.receivedAt));
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    const result = {
      engine,
      n,
      latencyMs,
      deliveryConcurrency: Number(deliveryConcurrency),
      runSeconds: runS,
      events: expected,
      received: lagsMs.length,
      duplicates: receiver.posts - receiver.first.size,
      lastDeliveredAfterRunStartS: (lastAt - t0) / 1000,
      lagMs: {
        p50: quantile(lagsMs, 0.5),
        p90: quantile(lagsMs, 0.9),
        p99: quantile(lagsMs, 0.99),
        max: lagsMs[lagsMs.length - 1],
      },
      appHistogram: histogramQuantiles(metrics, 'billing_event_delivery_lag_seconds'),
    };
    process.stdout.write(
      `event lag, ${engine}, ${n} charges (PG latency ${latencyMs} ms): run ${fmt(runS, 1)} s, ${result.received}/${expected} ` +
        `events received, lag p50 ${result.lagMs.p50} ms, p90 ${result.lagMs.p90} ms, p99 ${result.lagMs.p99} ms, ` +
        `max ${result.lagMs.max} ms; last event ${fmt(result.lastDeliveredAfterRunStartS, 1)} s after the run started; ` +
        `app histogram p50 ${result.appHistogram.p50}, p99 ${result.appHistogram.p99}\n`,
    );
    const out = arg('out', resolve(ROOT, `bench/results/event-lag-${engine}.json`));
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await app.dispose();
    await sandbox.stop();
    await receiver.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
