import { DataSource, In } from 'typeorm';
import { Charge } from '../src/charges/charge.entity';
import { Subscription } from '../src/subscriptions/subscription.entity';
import { apiOf } from './helpers/multi-fixtures';
import { startAppProcess, type AppProcess } from './helpers/multi-process';
import {
  againLedger,
  insertDueSubscriptions,
  instanceEnv,
  leaseOwnerOf,
  ledgerCheck,
  metricOf,
} from './helpers/instances';
import { freePort, startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

const N = 20;
const LEASE_MS = 4000;
const PG_LATENCY_MS = 3000;
const LOOKUP_LATENCY_MS = 5000;
/** Starting a process compiles the app (ts-node): slow on a loaded machine. */
const START_MS = 180_000;

/**
 * A paused instance cannot write late. A claims a batch and calls the PG, then is stopped (SIGSTOP) while the PG
 * answers; its lease expires and B claims the batch (a new lease version) and looks the intents up. A is resumed
 * (SIGCONT) while B's look-ups are still out, reads the PG's answers and writes them: the subscription writes are
 * fenced by the lease version, so they are refused and counted on A's /metrics; B's round then finds the charges
 * settled and the subscriptions follow them once. No subscription moves twice; the PG charged each once.
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres(
  'fencing: a paused instance cannot write late (PostgreSQL only; SQLite is single-instance by design)',
  () => {
    let t: TestApp;
    let sandbox: string;
    const procs: AppProcess[] = [];
    jest.setTimeout(400_000);

    beforeAll(async () => {
      t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
      sandbox = `${t.url}/sandbox`;
      const fault = (operation: string, ms: number, times: number) =>
        apiOf(sandbox).post('/control/faults', {
          gateway: 'portone',
          operation,
          fault: { type: 'latency', ms },
          times,
        });
      // A's calls take a while to answer (so A can be stopped after calling), B's look-ups longer (so A is resumed
      // while B holds the lease and has not written).
      await fault('again', PG_LATENCY_MS, N);
      for (const op of ['findAllPayments', 'findPayment', 'getPayment']) await fault(op, LOOKUP_LATENCY_MS, 1000);
    });
    afterAll(async () => {
      for (const p of procs) if (p.child.signalCode === null && p.child.exitCode === null) p.child.kill('SIGCONT');
      await Promise.all(procs.map((p) => p.kill()));
      await t?.close();
    });

    it('refuses and counts the late write; nothing moves twice and nothing is charged twice', async () => {
      const ds = t.app.get(DataSource);
      const subs = ds.getRepository(Subscription);
      const ids = await insertDueSubscriptions(t, N, 1);
      const extra = {
        PG_TIMEOUT_MS: '60000', // A's calls must not time out while it is stopped: it is to write real answers late
        BILLING_LEASE_MS: String(LEASE_MS),
        BILLING_BATCH_SIZE: String(N),
        BILLING_CONCURRENCY: String(N),
      };
      const [pa, pb] = await Promise.all([freePort(), freePort()]);
      const a = await startAppProcess('instance-a', pa, instanceEnv(pa, sandbox, extra), START_MS);
      procs.push(a);
      const ownerA = await leaseOwnerOf(a);

      // A claimed the batch and committed its intents; its calls follow at once and the PG answers PG_LATENCY_MS later.
      const intents = () => ds.getRepository(Charge).countBy({ subscriptionId: In(ids), status: 'sending' });
      expect(await waitFor(async () => (await intents()) === N, { timeoutMs: 30_000, intervalMs: 20 })).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(await subs.countBy({ id: In(ids), leaseOwner: ownerA })).toBe(N);
      a.child.kill('SIGSTOP');

      // B takes the batch over once A's lease has expired, and looks the intents up.
      const b = await startAppProcess('instance-b', pb, instanceEnv(pb, sandbox, extra), START_MS);
      procs.push(b);
      const ownerB = await leaseOwnerOf(b);
      expect(
        await waitFor(async () => (await subs.countBy({ id: In(ids), leaseOwner: ownerB })) === N, {
          timeoutMs: 30_000,
          intervalMs: 20,
        }),
      ).toBe(true);
      // The PG took A's calls (they were sent before the stop).
      expect((await againLedger(sandbox, { outcome: 'approved' })).length).toBe(N);

      // A resumes while B's look-ups are out, reads the answers and writes them: every subscription write is refused.
      a.child.kill('SIGCONT');
      expect(
        await waitFor(async () => (await metricOf(a, 'billing_fenced_writes_total')) >= N, {
          timeoutMs: 20_000,
          intervalMs: 100,
        }),
      ).toBe(true);
      expect(await metricOf(a, 'billing_fenced_writes_total')).toBe(N);

      // B (or A's next tick) then moves each subscription once, following its settled charge.
      expect(
        await waitFor(async () => (await subs.countBy({ id: In(ids), cycle: 1 })) === N, {
          timeoutMs: 60_000,
          intervalMs: 200,
        }),
      ).toBe(true);
      const rows = await subs.findBy({ id: In(ids) });
      expect(rows.every((s) => s.status === 'active' && s.cycle === 1 && s.attempt === 1)).toBe(true);
      const charges = await ds.getRepository(Charge).findBy({ subscriptionId: In(ids) });
      expect(charges).toHaveLength(N);
      expect(charges.every((c) => c.status === 'succeeded' && c.cycle === 0)).toBe(true);
      expect(ledgerCheck(await againLedger(sandbox), ids)).toEqual({ missed: 0, doubles: 0 });
      expect((await againLedger(sandbox)).length).toBe(N);
    });
  },
);
