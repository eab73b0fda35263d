import { DataSource } from 'typeorm';
import { Charge } from '../src/charges/charge.entity';
import { Subscription } from '../src/subscriptions/subscription.entity';
import { againLedger, insertDueSubscriptions, instanceEnv, leaseOwnerOf, ledgerCheck } from './helpers/instances';
import { apiOf } from './helpers/multi-fixtures';
import { logEntries, startAppProcess, type AppProcess } from './helpers/multi-process';
import { freePort, startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

const SUBSCRIPTIONS = 1000;
const MERCHANTS = 4;
const LEASE_MS = 4000;

/**
 * Several instances: two app processes (separate node processes) on one PostgreSQL schema and one PG sandbox, each
 * running the scheduler every second. One is killed (SIGKILL) mid-run; the other must take its leases over after they
 * expire and finish, and the sandbox's ledger must show every (subscription, cycle) charged exactly once.
 * SQLite runs a single instance by design (documented), so this only runs with DATABASE_URL.
 */
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres(
  'billing on several instances (PostgreSQL only; skipped on SQLite, which is single-instance by design)',
  () => {
    let t: TestApp;
    let sandbox: string;
    const procs: AppProcess[] = [];
    jest.setTimeout(110_000);

    beforeAll(async () => {
      // The in-process app owns the schema (migrated), hosts the one sandbox, and creates the fixtures. Its own
      // scheduler stays off: only the two processes bill.
      t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
      sandbox = `${t.url}/sandbox`;
    });
    afterAll(async () => {
      await Promise.all(procs.map((p) => p.kill()));
      await t?.close();
    });

    it(`charges ${SUBSCRIPTIONS} due subscriptions exactly once across two processes, one killed mid-run`, async () => {
      const ds = t.app.get(DataSource);
      const ids = await insertDueSubscriptions(t, SUBSCRIPTIONS, MERCHANTS);
      // Slow the PG down a little so the kill lands while charges are in flight.
      await apiOf(sandbox).post('/control/faults', {
        gateway: 'portone',
        operation: 'again',
        fault: { type: 'latency', ms: 20 },
        times: 100_000,
      });

      const env = (port: number) =>
        instanceEnv(port, sandbox, {
          PG_TIMEOUT_MS: '2000',
          BILLING_LEASE_MS: String(LEASE_MS),
          BILLING_BATCH_SIZE: '50',
          BILLING_CONCURRENCY: '8',
        });
      const [pa, pb] = await Promise.all([freePort(), freePort()]);
      procs.push(
        ...(await Promise.all([
          startAppProcess('instance-a', pa, env(pa)),
          startAppProcess('instance-b', pb, env(pb)),
        ])),
      );
      const [a, b] = procs;

      // Kill A once a fair share is done and A has finished a batch of its own (under a loaded CI machine the share can
      // be reached before either of A's first two batches is written): it still holds claimed subscriptions with
      // intents at the PG.
      const doneBy = (p: AppProcess) => logEntries(p, 'billing run progress').length;
      expect(
        await waitFor(async () => doneBy(a) > 0 && (await approved()).length >= SUBSCRIPTIONS / 5, {
          timeoutMs: 60_000,
          intervalMs: 200,
        }),
      ).toBe(true);
      await a.kill();
      const heldByA = await ds.getRepository(Subscription).countBy({ leaseOwner: await leaseOwnerOf(a) });

      expect(
        await waitFor(async () => (await ds.getRepository(Subscription).countBy({ cycle: 1 })) === SUBSCRIPTIONS, {
          timeoutMs: 90_000,
          intervalMs: 200,
        }),
      ).toBe(true);

      // Truth from the sandbox: one approved `again` per subscription for cycle 0, no other `again` at all.
      const entries = await againLedger(sandbox);
      const subs = await ds.getRepository(Subscription).find();
      expect(subs.map((s) => s.id).sort()).toEqual([...ids].sort());
      expect({ ...ledgerCheck(entries, ids), total: entries.length }).toEqual({
        missed: 0,
        doubles: 0,
        total: SUBSCRIPTIONS,
      });
      expect(entries.every((e) => e.outcome === 'approved')).toBe(true);

      // Our records agree: every subscription active in cycle 1, one succeeded charge each.
      expect(subs.every((s) => s.status === 'active' && s.cycle === 1 && s.attempt === 1)).toBe(true);
      const charges = await ds.getRepository(Charge).find();
      expect(charges).toHaveLength(SUBSCRIPTIONS);
      expect(charges.every((c) => c.status === 'succeeded')).toBe(true);

      // Both instances billed; A died holding leases, and B took them over (looking the stale intents up first).
      expect(doneBy(a)).toBeGreaterThan(0);
      expect(doneBy(b)).toBeGreaterThan(0);
      expect(heldByA).toBeGreaterThan(0);
      const metrics = await fetch(`${b.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/charge_outcomes_total\{source="lookup",outcome="(SUCCEEDED|NOT_FOUND)"\} [1-9]/);
    });

    const approved = () => againLedger(sandbox, { outcome: 'approved' });
  },
);
