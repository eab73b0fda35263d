import type { DataSource } from 'typeorm';
import { strictMock } from '../../test/helpers/strict-mock';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import type { EventsService } from '../events/events.service';
import { Subscription } from '../subscriptions/subscription.entity';
import { BillingRepository } from './billing.repository';

const now = new Date('2026-03-01T00:00:00.000Z');
const sub = (id: string, over: Partial<Subscription> = {}): Subscription =>
  Object.assign(new Subscription(), {
    id,
    merchantId: 'm1',
    customerId: 'cus_1',
    planId: 'pln_1',
    billingKeyId: 'bk_1',
    gateway: 'portone-paypal-rt',
    status: 'active',
    amount: 1999,
    currency: 'USD',
    planName: 'Pro',
    interval: 'month',
    intervalCount: 1,
    anchorAt: now,
    cycle: 3,
    attempt: 1,
    currentPeriodStart: now,
    currentPeriodEnd: new Date('2026-04-01T00:00:00.000Z'),
    nextChargeAt: now,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    cancelReason: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    leaseVersion: 4,
    createdAt: now,
    updatedAt: now,
    ...over,
  });

describe('BillingRepository.claimDue', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let repo: BillingRepository;
  beforeAll(async () => {
    ({ ds, drop } = await throwawayDataSource([Subscription]));
    // The claim writes no event (only cancels at period end and plan changes do).
    repo = new BillingRepository(ds.getRepository(Subscription), strictMock<EventsService>());
  });
  afterAll(() => drop());
  beforeEach(() => ds.getRepository(Subscription).clear());

  it('returns the claimed rows as they now stand (lease taken, version bumped), each the entity a read returns', async () => {
    const subs = ds.getRepository(Subscription);
    await subs.save([
      sub('due1'),
      sub('due2', { status: 'past_due', attempt: 2, leaseVersion: 0 }),
      sub('later', { nextChargeAt: new Date('2026-03-02T00:00:00.000Z') }),
      sub('canceled', { status: 'canceled', nextChargeAt: null }),
      sub('other', { merchantId: 'm2' }),
    ]);
    const claimed = await repo.claimDue({ now, owner: 'me', leaseMs: 60_000, limit: 10, merchantId: 'm1' });
    expect(claimed.map((s) => s.id).sort()).toEqual(['due1', 'due2']);
    for (const c of claimed) {
      expect(c).toBeInstanceOf(Subscription);
      expect(c).toStrictEqual(await subs.findOneByOrFail({ id: c.id }));
      expect(c.leaseOwner).toBe('me');
      expect(c.leaseExpiresAt).toBeInstanceOf(Date);
    }
    expect(claimed.find((s) => s.id === 'due1')!.leaseVersion).toBe(5);
    expect(claimed.find((s) => s.id === 'due2')!.leaseVersion).toBe(1);
    expect(typeof claimed[0].amount).toBe('number');
    // Leased: a second claim finds nothing until the lease expires.
    expect(await repo.claimDue({ now, owner: 'other', leaseMs: 60_000, limit: 10, merchantId: 'm1' })).toEqual([]);
  });

  it('claims at most `limit`, earliest due first', async () => {
    await ds
      .getRepository(Subscription)
      .save([
        sub('b', { nextChargeAt: new Date('2026-02-28T00:00:00.000Z') }),
        sub('a', { nextChargeAt: new Date('2026-02-27T00:00:00.000Z') }),
        sub('c'),
      ]);
    const claimed = await repo.claimDue({ now, owner: 'me', leaseMs: 60_000, limit: 2 });
    expect(claimed.map((s) => s.id).sort()).toEqual(['a', 'b']);
  });
});
