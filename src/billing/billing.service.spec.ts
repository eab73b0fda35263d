import { Logger } from '@nestjs/common';
import type { LookupOutcome, PaymentOutcome } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import type { BillingConfig } from '../config/configuration';
import type { Charge } from '../charges/charge.entity';
import { ChargesBatch } from '../charges/charges.batch';
import type { ChargesRepository } from '../charges/charges.repository';
import type { ChargesService, Prepared, Preloaded } from '../charges/charges.service';
import { MetricsService } from '../metrics/metrics.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { BillingRepository } from './billing.repository';
import { BillingService } from './billing.service';
import { strictMock } from '../../test/helpers/strict-mock';

const config = {
  schedulerEnabled: false,
  schedulerCron: '* * * * * *',
  retryDays: [1, 3, 5, 7],
  concurrency: 4,
  batchSize: 10,
  leaseMs: 60_000,
  reconcileBackoffMs: [60_000],
} as BillingConfig;
const now = new Date('2027-01-01T00:00:00.000Z');
const clock = strictMock<Clock>({ now: () => now });
const sub = (over: Partial<Subscription> = {}) =>
  ({
    id: 'sub_1',
    merchantId: 'mch_1',
    customerId: 'cus_1',
    billingKeyId: 'bk_1',
    gateway: 'portone-paypal-rt',
    cycle: 0,
    attempt: 1,
    leaseVersion: 7,
    amount: 1999,
    currency: 'USD',
    planName: 'Pro',
    cancelAtPeriodEnd: false,
    ...over,
  }) as Subscription;
const charge = (over: Partial<Charge> = {}) =>
  ({
    id: 'chg_1',
    merchantUid: 'sub_1-c0-a1',
    status: 'sending',
    leaseVersion: 7,
    resendable: false,
    ...over,
  }) as Charge;
const paid: PaymentOutcome = {
  status: 'SUCCEEDED',
  gatewayPaymentId: 'imp_1',
  reference: 'sub_1-c0-a1',
  amount: { amount: 1999, currency: 'USD' },
  refunded: { amount: 0, currency: 'USD' },
  rawStatus: 'paid',
};
const none = { succeeded: 0, failed: 0, pending: 0, unknown: 0, resend: 0 };

function setup(opts: { claims: Subscription[][]; existing: Charge[]; lookup?: LookupOutcome }) {
  const claims = [...opts.claims];
  const calls: string[] = [];
  const repo = strictMock<BillingRepository>({
    claimDue: jest.fn(async () => claims.shift() ?? []),
    countDue: jest.fn(async () => 0),
    cancelAtPeriodEnd: jest.fn(async () => true),
    releaseLeases: jest.fn(
      async (subs: Subscription[]) => void calls.push(`release:${subs.map((x) => x.id).join(',')}`),
    ),
  });
  // The charges' rows: the intents that did not exist yet are inserted (their ids come back); the others are read.
  const rows = strictMock<ChargesRepository>({
    insertIntents: jest.fn(async (intents: Charge[]) => {
      calls.push(`intents:${intents.map((i) => i.merchantUid).join(',')}`);
      return new Set(
        intents.filter((i) => !opts.existing.some((e) => e.merchantUid === i.merchantUid)).map((i) => i.id),
      );
    }),
    findByMerchantUids: jest.fn(async () => opts.existing),
    adoptForResend: jest.fn(
      async (c: ReadonlyArray<{ id: string }>) => void calls.push(`adopt:${c.map((x) => x.id).join(',')}`),
    ),
    recordResults: jest.fn(
      async (w: readonly unknown[]) => (calls.push(`record:${w.length}`), { applied: w.map(() => true), fenced: 0 }),
    ),
  });
  const charges = strictMock<ChargesService>({
    // The preparation's reads, started beside the intents' insert and handed to prepareMany.
    preloadMany: jest.fn((cs: readonly Charge[]) =>
      Promise.resolve({ preloadedFor: cs.map((c) => c.merchantUid) } as unknown as Preloaded),
    ),
    // The batch preparation (keys, STC, credentials); what it prepares is handed to send untouched.
    prepareMany: jest.fn(
      async (cs: readonly Charge[]) =>
        new Map(cs.map((c) => [c.id, { prepared: c.merchantUid } as unknown as Prepared])),
    ),
    send: jest.fn(async (c: Charge) => (calls.push(`send:${c.merchantUid}`), paid)),
    lookup: jest.fn(
      async (c: Charge) => (
        calls.push(`lookup:${c.merchantUid}`),
        opts.lookup ?? ({ status: 'NOT_FOUND', message: 'none' } as LookupOutcome)
      ),
    ),
    resultWrite: jest.fn((c: Charge, _o, s: Subscription, o: { leaseVersion?: number }) => ({
      write: {
        chargeId: c.id,
        from: ['sending'],
        chargePatch: { status: 'succeeded' },
        subscription: { id: s.id, cycle: 0, attempt: 1, patch: {}, leaseVersion: o.leaseVersion },
      },
      result: { effect: 'succeeded', patch: { status: 'succeeded' } },
    })),
    followWrite: jest.fn(
      (c: Charge) => (calls.push(`follow:${c.merchantUid}`), { chargeId: c.id, from: [], chargePatch: null }),
    ),
    reconcile: jest.fn(async () => none),
  });
  // The batch-level API is the real one: these specs cover its orchestration through the billing run.
  const batch = new ChargesBatch(charges, rows, clock, config);
  const service = new BillingService(repo, batch, clock, config, new MetricsService());
  return { service, repo, charges, rows, calls };
}

describe('BillingService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('keeps two batches in flight with BILLING_CONCURRENCY PG calls in all, and records each batch after its calls', async () => {
    const subs = Array.from({ length: 6 }, (_, i) => sub({ id: `sub_${i}` }));
    const existing = subs.map((s, i) => charge({ id: `chg_${i}`, subscriptionId: s.id, merchantUid: `${s.id}-c0-a1` }));
    const { service, charges, calls } = setup({ claims: [subs.slice(0, 3), subs.slice(3)], existing });
    let inCall = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    (charges.send as jest.Mock).mockImplementation(async (c: Charge) => {
      calls.push(`send:${c.merchantUid}`);
      inCall++;
      peak = Math.max(peak, inCall);
      await new Promise<void>((r) => gates.push(r));
      inCall--;
      return paid;
    });
    const run = service.runNow('mch_1');
    // The calls are held until batch 2 is prepared and takes the free slot (or 200 turns pass), then let go one a turn.
    for (let i = 0; i < 200 && inCall < 4; i++) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 200 && calls.filter((c) => c.startsWith('send')).length < 6; i++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    while (gates.length) gates.shift()!();
    expect(await run).toMatchObject({ claimed: 6, succeeded: 6 });
    // config.concurrency (4) in all: more than one batch of 3 holds, so both were sending at once, never more than 4.
    expect(peak).toBe(4);
    // Batch 2 was written while batch 1 was sending (pipelined: after its calls began, before they were over and
    // recorded), and each batch's record follows its sends.
    const batch2 = calls.indexOf('intents:sub_3-c0-a1,sub_4-c0-a1,sub_5-c0-a1');
    expect(batch2).toBeGreaterThan(calls.indexOf('send:sub_0-c0-a1'));
    expect(batch2).toBeLessThan(calls.indexOf('record:3'));
    expect(calls.filter((c) => c.startsWith('record'))).toEqual(['record:3', 'record:3']);
  });

  it("writes a batch's results once, after its calls, but the pass's last batch's a round of calls at a time, as they come", async () => {
    // The first claim fills its limit (config.concurrency = 4): more may be due. The second comes short of its limit
    // (config.batchSize = 10): nothing more was due, so that batch is the last.
    const subs = Array.from({ length: 10 }, (_, i) => sub({ id: `sub_${i}` }));
    const { service, charges, rows, calls } = setup({ claims: [subs.slice(0, 4), subs.slice(4)], existing: [] });
    const gates: Array<() => void> = [];
    (charges.send as jest.Mock).mockImplementation(async (c: Charge) => {
      await new Promise<void>((r) => gates.push(r));
      calls.push(`done:${c.merchantUid}`);
      return paid;
    });
    // How many answers had come when each write began.
    const answeredAtWrite: number[] = [];
    const record = rows.recordResults as jest.Mock;
    const recordImpl = record.getMockImplementation()!;
    record.mockImplementation(
      (w: unknown[]) => (answeredAtWrite.push(calls.filter((c) => c.startsWith('done')).length), recordImpl(w)),
    );
    const run = service.runNow('mch_1');
    // The answers come one a turn.
    for (let i = 0; i < 400 && calls.filter((c) => c.startsWith('done')).length < 10; i++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await run).toMatchObject({ claimed: 10, succeeded: 10 });
    const records = record.mock.calls.map((c) => (c[0] as Array<{ chargeId: string }>).map((w) => w.chargeId));
    const uidOf = new Map(
      (rows.insertIntents as jest.Mock).mock.calls.flatMap((c) =>
        (c[0] as Charge[]).map((i) => [i.id, i.merchantUid] as const),
      ),
    );
    const batchOf = (ids: string[]) =>
      new Set(ids.map((id) => (Number(uidOf.get(id)!.split('-')[0].slice(4)) < 4 ? 1 : 2)));
    const first = records.filter((r) => batchOf(r).has(1));
    const second = records.filter((r) => batchOf(r).has(2));
    // Batch 1: one write of its 4. Batch 2 (6 charges): more than one write, none mixing batches, every write but its
    // last a full round, the first before the batch's last answer.
    expect(first).toEqual([expect.any(Array)]);
    expect(first[0]).toHaveLength(4);
    expect(second.length).toBeGreaterThan(1);
    expect(second.every((r) => batchOf(r).size === 1)).toBe(true);
    expect(second.flat()).toHaveLength(6);
    expect(second.slice(0, -1).every((r) => r.length >= config.concurrency)).toBe(true);
    expect(answeredAtWrite[records.indexOf(second[0])]).toBeLessThan(10);
  });

  it('uses a fresh intent as inserted: only intents that already existed are read back', async () => {
    let s = setup({ claims: [[sub({ id: 'sub_a' }), sub({ id: 'sub_b' })]], existing: [] });
    expect(await s.service.runNow('mch_1')).toMatchObject({ claimed: 2, succeeded: 2 });
    expect(s.rows.findByMerchantUids).not.toHaveBeenCalled();
    const sent = (s.charges.send as jest.Mock).mock.calls.map((c) => c[0] as Charge);
    expect(sent.map((c) => c.merchantUid).sort()).toEqual(['sub_a-c0-a1', 'sub_b-c0-a1']);
    expect(sent[0]).toBe((s.rows.insertIntents as jest.Mock).mock.calls[0][0][0]);

    s = setup({
      claims: [[sub({ id: 'sub_a' }), sub({ id: 'sub_b', leaseVersion: 8 })]],
      existing: [charge({ id: 'chg_b', merchantUid: 'sub_b-c0-a1', status: 'succeeded' })],
    });
    await s.service.runNow('mch_1');
    expect(s.rows.findByMerchantUids).toHaveBeenCalledTimes(1);
    expect(s.rows.findByMerchantUids).toHaveBeenCalledWith(['sub_b-c0-a1']);
    expect(s.calls.filter((c) => !c.startsWith('intents')).sort()).toEqual([
      'follow:sub_b-c0-a1',
      'record:2',
      'send:sub_a-c0-a1',
    ]);
  });

  it('starts the preparation’s reads beside the intents’ insert, for every intent, and hands them to prepareMany', async () => {
    const s = setup({
      claims: [[sub({ id: 'sub_a' }), sub({ id: 'sub_b' })]],
      existing: [charge({ id: 'chg_b', merchantUid: 'sub_b-c0-a1', status: 'succeeded' })],
    });
    await s.service.runNow('mch_1');
    // Started before the insert: the reads do not wait for it.
    const order = (m: unknown) => (m as jest.Mock).mock.invocationCallOrder[0];
    expect(order(s.charges.preloadMany)).toBeLessThan(order(s.rows.insertIntents));
    expect((s.charges.preloadMany as jest.Mock).mock.calls[0][0]).toEqual(
      (s.rows.insertIntents as jest.Mock).mock.calls[0][0],
    );
    const [toSend, , preloaded] = (s.charges.prepareMany as jest.Mock).mock.calls[0] as [
      Charge[],
      unknown,
      Promise<unknown>,
    ];
    // Only the fresh intent is prepared (the other already holds its result), from the reads started for both.
    expect(toSend.map((c) => c.merchantUid)).toEqual(['sub_a-c0-a1']);
    await expect(preloaded).resolves.toEqual({ preloadedFor: ['sub_a-c0-a1', 'sub_b-c0-a1'] });
  });

  it('counts what is due once the first batch is sending, not before its claim', async () => {
    const { service, repo, charges } = setup({ claims: [[sub()]], existing: [] });
    expect(await service.runNow('mch_1')).toMatchObject({ claimed: 1, succeeded: 1 });
    const order = (m: unknown) => (m as jest.Mock).mock.invocationCallOrder[0];
    expect(repo.countDue).toHaveBeenCalledTimes(1);
    expect(order(repo.countDue)).toBeGreaterThan(order(charges.prepareMany));
    expect(order(repo.countDue)).toBeGreaterThan(order(charges.send));
  });

  it('a count that fails is only logged: the run and its charges stand', async () => {
    const { service, repo } = setup({ claims: [[sub()]], existing: [] });
    (repo.countDue as jest.Mock).mockRejectedValueOnce(new Error('statement timeout'));
    expect(await service.runNow('mch_1')).toMatchObject({ claimed: 1, succeeded: 1 });
  });

  it('counts even when nothing is due (the gauge shows this run, not the last)', async () => {
    const { service, repo } = setup({ claims: [], existing: [] });
    expect(await service.runNow('mch_1')).toMatchObject({ claimed: 0 });
    expect(repo.countDue).toHaveBeenCalledTimes(1);
  });

  it("starts the reconciler once the last batch is claimed, beside that batch's calls, in the run's PG-call slots", async () => {
    const { service, repo, charges, rows } = setup({ claims: [[sub()]], existing: [] });
    let answer!: () => void;
    (charges.send as jest.Mock).mockImplementationOnce(async () => {
      await new Promise<void>((r) => (answer = r));
      return paid;
    });
    const run = service.runNow('mch_1');
    for (let i = 0; i < 50 && (charges.reconcile as jest.Mock).mock.calls.length === 0; i++)
      await new Promise((r) => setImmediate(r));
    // The claims are over (the second one found nothing), the batch's call is still out: the reconciler already runs.
    expect((repo.claimDue as jest.Mock).mock.calls.length).toBe(2);
    expect(charges.reconcile).toHaveBeenCalledTimes(1);
    expect(rows.recordResults).not.toHaveBeenCalled();
    const { ctx } = (charges.reconcile as jest.Mock).mock.calls[0][0] as { ctx: { pgCalls?: unknown } };
    expect(ctx.pgCalls).toBe(((charges.send as jest.Mock).mock.calls[0][1] as { pgCalls?: unknown }).pgCalls);
    answer();
    expect(await run).toMatchObject({ claimed: 1, succeeded: 1 });
  });

  it('a failed due pass waits for the reconciler it started, then fails the run', async () => {
    const { service, charges, rows } = setup({ claims: [[sub()]], existing: [] });
    let reconciled = false;
    (charges.reconcile as jest.Mock).mockImplementationOnce(async () => {
      await new Promise((r) => setTimeout(r, 20));
      reconciled = true;
      return none;
    });
    (rows.recordResults as jest.Mock).mockRejectedValueOnce(new Error('database down'));
    jest.useFakeTimers();
    try {
      const run = service.runNow('mch_1');
      // What the reconciler had done when the run failed, not after the clock moved on.
      const reconciledAtFailure = run.then(
        () => null,
        () => reconciled,
      );
      let settled = false;
      void run.catch(() => undefined).finally(() => (settled = true));
      // The reconciler's timer is set only once the pass reaches it: move the clock until the run settles.
      for (let i = 0; i < 100 && !settled; i++) await jest.advanceTimersByTimeAsync(20);
      await expect(run).rejects.toThrow('database down');
      expect(await reconciledAtFailure).toBe(true);
      expect(reconciled).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('claims only as many as the PG-call slots for the first batch of a pass (its calls start sooner), full batches after', async () => {
    const { service, repo } = setup({ claims: [[sub({ id: 'sub_a' })], [sub({ id: 'sub_b' })]], existing: [] });
    await service.runNow('mch_1');
    expect((repo.claimDue as jest.Mock).mock.calls.map((c) => (c[0] as { limit: number }).limit)).toEqual([
      config.concurrency,
      config.batchSize,
      config.batchSize,
    ]);
  });

  it('claims the next batch only once the one before it is prepared and sending', async () => {
    const { service, repo, charges } = setup({
      claims: [[sub({ id: 'sub_a' })], [sub({ id: 'sub_b' })]],
      existing: [],
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    (charges.prepareMany as jest.Mock).mockImplementationOnce(async () => {
      await held;
      return new Map();
    });
    const run = service.runNow('mch_1');
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // The first batch is still being prepared: no second claim yet.
    expect(repo.claimDue).toHaveBeenCalledTimes(1);
    release();
    await run;
    expect(repo.claimDue).toHaveBeenCalledTimes(3);
  });

  it('commits the intent before the PG call, sends a fresh intent once, and records the result fenced by the lease version', async () => {
    const { service, charges, rows, calls } = setup({ claims: [[sub()]], existing: [charge()] });
    expect(await service.runNow('mch_1')).toEqual({ claimed: 1, succeeded: 1, failed: 0, pending: 0, unknown: 0 });
    expect(calls).toEqual(['intents:sub_1-c0-a1', 'send:sub_1-c0-a1', 'record:1']);
    expect((charges.prepareMany as jest.Mock).mock.calls[0][0].map((c: Charge) => c.merchantUid)).toEqual([
      'sub_1-c0-a1',
    ]);
    expect((charges.send as jest.Mock).mock.calls[0][2]).toEqual({ prepared: 'sub_1-c0-a1' });
    expect((rows.recordResults as jest.Mock).mock.calls[0][0][0].subscription.leaseVersion).toBe(7);
    expect(charges.lookup).not.toHaveBeenCalled();
    // Should this process die, the intent is looked up after twice the lease even if nobody reclaims the subscription.
    expect((rows.insertIntents as jest.Mock).mock.calls[0][0][0]).toMatchObject({
      status: 'sending',
      leaseVersion: 7,
      nextLookupAt: new Date(now.getTime() + 120_000),
    });
  });

  it('an intent left by an earlier lease is looked up first; the PG has nothing, so it is sent with the same merchant_uid', async () => {
    const { service, charges, calls } = setup({
      claims: [[sub({ leaseVersion: 8 })]],
      existing: [charge({ leaseVersion: 7 })],
    });
    await service.runNow('mch_1');
    expect(calls).toEqual(['intents:sub_1-c0-a1', 'lookup:sub_1-c0-a1', 'send:sub_1-c0-a1', 'record:1']);
    // Not prepared with the batch (no STC decision for a charge a look-up might find made): send prepares it itself.
    expect((charges.prepareMany as jest.Mock).mock.calls[0][0]).toEqual([]);
    expect((charges.send as jest.Mock).mock.calls[0][2]).toBeUndefined();
  });

  it('an intent the PG already charged is adopted from the look-up and never sent again', async () => {
    const { service, calls } = setup({
      claims: [[sub({ leaseVersion: 8 })]],
      existing: [charge({ leaseVersion: 7 })],
      lookup: paid,
    });
    expect(await service.runNow('mch_1')).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(calls).toEqual(['intents:sub_1-c0-a1', 'lookup:sub_1-c0-a1', 'record:1']);
  });

  it('an unknown charge is looked up, never re-sent blindly; a NOT_SENT one is re-sent without a look-up', async () => {
    let s = setup({
      claims: [[sub({ leaseVersion: 8 })]],
      existing: [charge({ status: 'unknown', leaseVersion: 8 })],
      lookup: paid,
    });
    await s.service.runNow('mch_1');
    expect(s.calls).toEqual(['intents:sub_1-c0-a1', 'lookup:sub_1-c0-a1', 'record:1']);
    s = setup({ claims: [[sub({ leaseVersion: 8 })]], existing: [charge({ resendable: true, leaseVersion: 7 })] });
    await s.service.runNow('mch_1');
    // Adopted by this lease first: a crash during the re-send leaves an intent the next holder looks up.
    expect(s.calls).toEqual(['intents:sub_1-c0-a1', 'adopt:chg_1', 'send:sub_1-c0-a1', 'record:1']);
  });

  it('a charge that already holds its result is not sent: the subscription follows it', async () => {
    const { service, calls } = setup({
      claims: [[sub({ leaseVersion: 8 })]],
      existing: [charge({ status: 'succeeded', leaseVersion: 7 })],
    });
    await service.runNow('mch_1');
    expect(calls).toEqual(['intents:sub_1-c0-a1', 'follow:sub_1-c0-a1', 'record:1']);
  });

  it('cancels at period end instead of charging the new cycle', async () => {
    const { service, repo, calls } = setup({ claims: [[sub({ cancelAtPeriodEnd: true, cycle: 1 })]], existing: [] });
    await service.runNow('mch_1');
    expect(repo.cancelAtPeriodEnd).toHaveBeenCalledTimes(1);
    expect(calls).toEqual(['intents:']);
  });

  it('processes a subscription once per run even if it comes due again (released, the run ends)', async () => {
    const { service, calls } = setup({ claims: [[sub()], [sub({ leaseVersion: 9 })]], existing: [charge()] });
    expect(await service.runNow('mch_1')).toMatchObject({ claimed: 1 });
    // The second claim of the same subscription is only released, not charged. (Batches are pipelined, so that claim
    // may come while the first batch is still sending: only the first batch's own order is fixed.)
    expect([...calls].sort()).toEqual(['intents:sub_1-c0-a1', 'record:1', 'release:sub_1', 'send:sub_1-c0-a1']);
    expect(calls.filter((c) => !c.startsWith('release'))).toEqual([
      'intents:sub_1-c0-a1',
      'send:sub_1-c0-a1',
      'record:1',
    ]);
  });
});
