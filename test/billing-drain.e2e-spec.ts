import { performance } from 'node:perf_hooks';
import { DataSource, In, IsNull } from 'typeorm';
import { Subscription } from '../src/subscriptions/subscription.entity';
import { apiOf } from './helpers/multi-fixtures';
import { logEntries, startAppProcess, type AppProcess } from './helpers/multi-process';
import { againLedger, insertDueSubscriptions, instanceEnv, leaseOwnerOf, ledgerCheck } from './helpers/instances';
import { freePort, startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

const SUBSCRIPTIONS = 1000;
const DRAIN_MS = 10_000;
/** Starting a process compiles the app (ts-node): slow on a loaded machine. */
const START_MS = 180_000;

/**
 * A rolling restart on PostgreSQL: two app processes bill due subscriptions; one is stopped mid-run. With SIGTERM (the
 * drain) it finishes its PG calls, records them, hands back what it had claimed but not sent and exits 0; the other
 * takes the handed-back work at its next claim, long before the lease would have expired. With SIGKILL (what the
 * previous release amounted to: SIGTERM released nothing) the work waits for the lease. Both print the pause they
 * measured (from the signal until every subscription the stopped process held is done or taken by the other).
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('rolling restart: drain on SIGTERM (PostgreSQL only; SQLite is single-instance by design)', () => {
  let t: TestApp;
  let sandbox: string;
  const procs: AppProcess[] = [];
  jest.setTimeout(600_000);

  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
    sandbox = `${t.url}/sandbox`;
    // Slow the PG down a little so the signal lands while charges are in flight.
    await apiOf(sandbox).post('/control/faults', {
      gateway: 'portone',
      operation: 'again',
      fault: { type: 'latency', ms: 20 },
      times: 100_000,
    });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await t?.close();
  });

  /** Starts A and B, stops A with `signal` once it is well into the run, and measures what follows. */
  async function rollingRestart(signal: 'SIGTERM' | 'SIGKILL', leaseMs: number, count: number) {
    const ds = t.app.get(DataSource);
    const subs = ds.getRepository(Subscription);
    const ids = await insertDueSubscriptions(t, count, 4);
    const extra = {
      PG_TIMEOUT_MS: '2000',
      BILLING_LEASE_MS: String(leaseMs),
      BILLING_BATCH_SIZE: '50',
      BILLING_CONCURRENCY: '8',
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
    };
    const [pa, pb] = await Promise.all([freePort(), freePort()]);
    const [a, b] = await Promise.all([
      startAppProcess('instance-a', pa, instanceEnv(pa, sandbox, extra), START_MS),
      startAppProcess('instance-b', pb, instanceEnv(pb, sandbox, extra), START_MS),
    ]);
    procs.push(a, b);
    const mine = { id: In(ids) };
    const approved = async () => (await againLedger(sandbox, { outcome: 'approved' })).length;
    const base = await approved();
    const doneBy = (p: AppProcess) => logEntries(p, 'billing run progress').length;
    expect(
      await waitFor(async () => doneBy(a) > 0 && (await approved()) - base >= count / 5, {
        timeoutMs: 60_000,
        intervalMs: 100,
      }),
    ).toBe(true);

    const ownerA = await leaseOwnerOf(a);
    let signalledAt = 0;
    const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
      a.child.once('exit', (code) => resolve({ code, ms: performance.now() - signalledAt })),
    );
    const heldAtSignal = (await subs.find({ where: { ...mine, leaseOwner: ownerA, cycle: 0 } })).map((s) => s.id);
    signalledAt = performance.now();
    a.child.kill(signal);
    const exit = await exited;

    // The pause: until every subscription A held is charged or held by B.
    const ownerB = await leaseOwnerOf(b);
    let pauseMs = NaN;
    expect(
      await waitFor(
        async () => {
          const left = await subs.countBy({ id: In(heldAtSignal), cycle: 0, leaseOwner: ownerA });
          const free = await subs.countBy({ id: In(heldAtSignal), cycle: 0, leaseOwner: IsNull() });
          if (left + free > 0) return false;
          pauseMs = performance.now() - signalledAt;
          return true;
        },
        { timeoutMs: leaseMs + 30_000, intervalMs: 50 },
      ),
    ).toBe(true);
    const leftByA = await subs.countBy({ ...mine, leaseOwner: ownerA });
    expect(
      await waitFor(async () => (await subs.countBy({ ...mine, cycle: 1 })) === count, {
        timeoutMs: leaseMs + 60_000,
        intervalMs: 200,
      }),
    ).toBe(true);
    const ledger = ledgerCheck(await againLedger(sandbox), ids);
    const drained = logEntries(a, 'drained')[0];
    const released = logEntries(a, 'draining: leases handed back before their PG call').reduce(
      (n, l) => n + Number(l.released),
      0,
    );
    process.stdout.write(
      `${JSON.stringify({ signal, leaseMs, heldAtSignal: heldAtSignal.length, released, exit, pauseMs: Math.round(pauseMs), drained, ownerB })}\n`,
    );
    await b.stop();
    return { exit, pauseMs, ledger, leftByA, heldAtSignal: heldAtSignal.length, drained, released };
  }

  it(`SIGTERM mid-run over ${SUBSCRIPTIONS}: the other instance takes the handed-back work within seconds, nothing missed or doubled, exit 0 within SHUTDOWN_DRAIN_MS`, async () => {
    const leaseMs = 60_000;
    const r = await rollingRestart('SIGTERM', leaseMs, SUBSCRIPTIONS);
    expect(r.exit.code).toBe(0);
    expect(r.exit.ms).toBeLessThan(DRAIN_MS);
    expect(r.drained).toMatchObject({ signalled: true, members: { billing: 'drained' } });
    // A left no lease behind: what it held was either recorded or handed back.
    expect(r.leftByA).toBe(0);
    expect(r.heldAtSignal).toBeGreaterThan(0);
    // Seconds (the drain's own calls, then B's next claim), against a 60 s lease; generous for a loaded CI machine.
    expect(r.pauseMs).toBeLessThan(10_000);
    expect(r.ledger).toEqual({ missed: 0, doubles: 0 });
  });

  it('SIGKILL (no drain, as before): the work A held waits for its lease', async () => {
    const leaseMs = 8_000;
    const r = await rollingRestart('SIGKILL', leaseMs, 400);
    expect(r.heldAtSignal).toBeGreaterThan(0);
    // The lease was taken at A's last claim, before the signal: the wait is most of a lease period, not a few ms.
    expect(r.pauseMs).toBeGreaterThan(leaseMs / 2);
    expect(r.ledger).toEqual({ missed: 0, doubles: 0 });
  });
});
