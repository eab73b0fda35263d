import { DataSource } from 'typeorm';
import { newId } from '../src/common/ids';
import { Charge } from '../src/charges/charge.entity';
import { Subscription } from '../src/subscriptions/subscription.entity';
import { initialSchedule } from '../src/subscriptions/subscription.transitions';
import { apiOf, billingSetup } from './helpers/multi-fixtures';
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
      const now = new Date(Date.now() - 1000);
      for (let i = 0; i < MERCHANTS; i++) {
        const s = await billingSetup(t);
        const rows: Subscription[] = Array.from({ length: SUBSCRIPTIONS / MERCHANTS }, () => ({
          id: newId('sub'),
          merchantId: s.m.id,
          customerId: s.c.id,
          planId: s.plan.id,
          billingKeyId: s.key.id,
          gateway: 'portone-paypal-rt',
          status: 'incomplete',
          amount: 1999,
          currency: 'USD',
          planName: 'Pro',
          interval: 'month',
          intervalCount: 1,
          anchorAt: now,
          ...initialSchedule(now, 'month', 1),
          cancelAtPeriodEnd: false,
          canceledAt: null,
          cancelReason: null,
          leaseOwner: null,
          leaseExpiresAt: null,
          leaseVersion: 0,
          createdAt: now,
          updatedAt: now,
        }));
        for (let k = 0; k < rows.length; k += 125) await ds.getRepository(Subscription).insert(rows.slice(k, k + 125));
      }
      // Slow the PG down a little so the kill lands while charges are in flight.
      await apiOf(sandbox).post('/control/faults', {
        gateway: 'portone',
        operation: 'again',
        fault: { type: 'latency', ms: 20 },
        times: 100_000,
      });

      const schema = process.env.DATABASE_SCHEMA!;
      const env = (port: number) => ({
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: process.env.DATABASE_URL!,
        DATABASE_SCHEMA: schema,
        DATABASE_MIGRATIONS_RUN: 'false',
        DATABASE_POOL_SIZE: '10',
        ADMIN_API_KEY: 'test-admin-key-0123456789abcdef',
        SECRETS_KEY: process.env.SECRETS_KEY!,
        PG_SANDBOX: 'true',
        PORTONE_BASE_URL: `${sandbox}/portone`,
        TOSS_BASE_URL: `${sandbox}/toss`,
        PG_TIMEOUT_MS: '2000',
        SCHEDULER_ENABLED: 'true',
        SCHEDULER_CRON: '* * * * * *',
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
      const heldByA = await ds.getRepository(Subscription).countBy({ leaseOwner: leaseOwnerOf(a) ?? '-' });

      expect(
        await waitFor(async () => (await ds.getRepository(Subscription).countBy({ cycle: 1 })) === SUBSCRIPTIONS, {
          timeoutMs: 90_000,
          intervalMs: 200,
        }),
      ).toBe(true);

      // Truth from the sandbox: one approved `again` per subscription for cycle 0, no other `again` at all.
      const entries = await ledgerAll();
      const againByUid = new Map<string, number>();
      for (const e of entries) againByUid.set(e.merchant_uid, (againByUid.get(e.merchant_uid) ?? 0) + 1);
      const subs = await ds.getRepository(Subscription).find();
      expect(subs).toHaveLength(SUBSCRIPTIONS);
      const missed = subs.filter(
        (s) => !entries.some((e) => e.merchant_uid === `${s.id}-c0-a1` && e.outcome === 'approved'),
      );
      const doubles = [...againByUid.entries()].filter(([, n]) => n > 1);
      expect({ missed: missed.length, doubles: doubles.length, total: entries.length }).toEqual({
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

    async function ledgerAll(
      query: Record<string, string> = {},
    ): Promise<Array<{ merchant_uid: string; outcome: string }>> {
      const out: Array<{ merchant_uid: string; outcome: string }> = [];
      let after = '';
      for (;;) {
        const q = new URLSearchParams({ operation: 'again', limit: '1000', ...query, ...(after ? { after } : {}) });
        const res = await apiOf(sandbox).get(`/portone/ledger?${q}`);
        out.push(...res.body.data);
        if (!res.body.next) return out;
        after = String(res.body.next);
      }
    }
    const approved = () => ledgerAll({ outcome: 'approved' });

    /** The lease owner name instance A wrote (from its progress logs' pid). */
    function leaseOwnerOf(p: AppProcess): string | undefined {
      const started = p.lines.find((l) => l.includes('billing scheduler started'));
      return started ? (JSON.parse(started) as { owner?: string }).owner : undefined;
    }
  },
);
