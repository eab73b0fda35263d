import { Logger } from '@nestjs/common';
import type { PaymentOutcome } from '@app/pg-contract';
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

const config = { concurrency: 2, batchSize: 10, leaseMs: 60_000 } as BillingConfig;
const now = new Date('2027-01-01T00:00:00.000Z');
const sub = (id: string) =>
  ({ id, merchantId: 'mch_1', cycle: 0, attempt: 1, leaseVersion: 7, cancelAtPeriodEnd: false }) as Subscription;
const paid = { status: 'SUCCEEDED' } as PaymentOutcome;
const turns = async (until: () => boolean) => {
  for (let i = 0; i < 500 && !until(); i++) await new Promise((r) => setImmediate(r));
};

/** Batch 1 (two subscriptions, the first batch's limit) is claimed and sending; batch 2 is claimed behind it. */
function setup() {
  const claims = [[sub('s0'), sub('s1')], [sub('s2'), sub('s3'), sub('s4')], [sub('s5')]];
  const calls: string[] = [];
  const gates: Array<() => void> = [];
  const repo = strictMock<BillingRepository>({
    claimDue: jest.fn(async () => claims.shift() ?? []),
    countDue: jest.fn(async () => 6),
    releaseLeases: jest.fn(async (subs) => void calls.push(`release:${subs.map((x) => x.id).join(',')}`)),
  });
  // The charges' rows: every intent is new (inserted); results recorded.
  const rows = strictMock<ChargesRepository>({
    insertIntents: jest.fn(async (intents: Charge[]) => new Set(intents.map((i) => i.id))),
    recordResults: jest.fn(
      async (w: readonly unknown[]) => (calls.push(`record:${w.length}`), { applied: w.map(() => true), fenced: 0 }),
    ),
  });
  const charges = strictMock<ChargesService>({
    preloadMany: jest.fn(() => Promise.resolve({} as Preloaded)),
    prepareMany: jest.fn(async (cs: readonly Charge[]) => new Map(cs.map((c) => [c.id, {} as Prepared]))),
    send: jest.fn(async (c: Charge) => {
      calls.push(`send:${c.subscriptionId}`);
      await new Promise<void>((r) => gates.push(r));
      return paid;
    }),
    resultWrite: jest.fn((c: Charge, _o, s: Subscription, o: { leaseVersion?: number }) => ({
      write: {
        chargeId: c.id,
        from: ['sending'],
        chargePatch: {},
        subscription: { id: s.id, cycle: 0, attempt: 1, patch: {}, leaseVersion: o.leaseVersion },
      },
      result: { effect: 'succeeded', patch: { status: 'succeeded' } },
    })),
    reconcile: jest.fn(async () => ({ succeeded: 0, failed: 0, pending: 0, unknown: 0, resend: 0 })),
  });
  const clock = strictMock<Clock>({ now: () => now });
  // The batch-level API is the real one: the drain's hand-back happens in its slots.
  const service = new BillingService(
    repo,
    new ChargesBatch(charges, rows, clock, config),
    clock,
    config,
    new MetricsService(),
  );
  return { service, repo, charges, calls, gates };
}

describe('BillingService drain', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('stops claiming, lets the calls in flight finish and be recorded, hands back the leases of the unsent', async () => {
    const { service, repo, charges, calls, gates } = setup();
    const run = service.runNow('mch_1');
    // Batch 1's two calls hold both slots; batch 2 is claimed, written and prepared, its calls waiting for a slot.
    await turns(() => gates.length === 2 && (charges.prepareMany as jest.Mock).mock.calls.length === 2);
    expect(gates).toHaveLength(2);
    expect((repo.claimDue as jest.Mock).mock.calls).toHaveLength(2);

    const deadline = new AbortController();
    let drained = false;
    const drain = service.drain(deadline.signal).then(() => (drained = true));
    await turns(() => false);
    expect(drained).toBe(false); // waits for the calls in flight
    gates.forEach((open) => open());
    await drain;
    const result = await run;

    // Two batches: batch 1 records its two results, batch 2 (whose calls had not started) hands its leases back.
    expect([...calls].sort()).toEqual(['record:2', 'release:s2,s3,s4', 'send:s0', 'send:s1']);
    expect(result).toMatchObject({ claimed: 5, succeeded: 2 });
    // No third claim, no reconciler batch and no other pass once the drain began.
    expect((repo.claimDue as jest.Mock).mock.calls).toHaveLength(2);
    expect(charges.reconcile).not.toHaveBeenCalled();
    expect(await service.runScheduled()).toBeNull();
  });

  it('returns at the deadline when a call never answers (its lease then expires as after a crash)', async () => {
    const { service, gates } = setup();
    void service.runNow('mch_1').catch(() => undefined);
    await turns(() => gates.length === 2);
    const deadline = new AbortController();
    const drain = service.drain(deadline.signal);
    deadline.abort();
    await expect(drain).resolves.toBeUndefined();
  });

  it('with nothing running, drains at once', async () => {
    const { service, repo } = setup();
    await service.drain(new AbortController().signal);
    expect(await service.runScheduled()).toBeNull();
    expect(repo.claimDue).not.toHaveBeenCalled();
  });
});
