import type { DataSource } from 'typeorm';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
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
    repo = new BillingRepository(ds.getRepository(Subscription));
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

describe('BillingRepository leases (concurrency and fencing)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let repo: BillingRepository;
  beforeAll(async () => {
    ({ ds, drop } = await throwawayDataSource([Subscription]));
    repo = new BillingRepository(ds.getRepository(Subscription));
  });
  afterAll(() => drop());
  beforeEach(() => ds.getRepository(Subscription).clear());

  it('concurrent claims never hand the same subscription to two owners (SKIP LOCKED on PostgreSQL)', async () => {
    await ds.getRepository(Subscription).save(Array.from({ length: 30 }, (_, i) => sub(`s${i}`)));
    const claims = await Promise.all(
      ['i1', 'i2', 'i3', 'i4'].map((owner) => repo.claimDue({ now, owner, leaseMs: 60_000, limit: 10 })),
    );
    const ids = claims.flatMap((c) => c.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(30);
    // Each row holds the lease of the one claim that returned it.
    const rows = await ds.getRepository(Subscription).find();
    claims.forEach((c, i) => {
      for (const s of c) expect(rows.find((r) => r.id === s.id)!.leaseOwner).toBe(`i${i + 1}`);
    });
  });

  it('takes over an expired lease with a new version', async () => {
    await ds
      .getRepository(Subscription)
      .save(sub('expired', { leaseOwner: 'gone', leaseExpiresAt: new Date('2000-01-01T00:00:00.000Z') }));
    const [claimed] = await repo.claimDue({ now, owner: 'me', leaseMs: 60_000, limit: 10 });
    expect(claimed).toMatchObject({ id: 'expired', leaseOwner: 'me', leaseVersion: 5 });
  });

  it('releaseLeases and cancelAtPeriodEnd write nothing under a stale lease version', async () => {
    const subs = ds.getRepository(Subscription);
    await subs.save([sub('a'), sub('b')]);
    const claimed = await repo.claimDue({ now, owner: 'me', leaseMs: 60_000, limit: 10 });
    const stale = claimed.map((s) => ({ ...s, leaseVersion: s.leaseVersion - 1 }));

    await repo.releaseLeases(stale);
    expect(
      await repo.cancelAtPeriodEnd(
        stale.find((s) => s.id === 'b')!,
        now,
      ),
    ).toBe(false);
    for (const row of await subs.find()) expect(row).toMatchObject({ leaseOwner: 'me', status: 'active' });

    await repo.releaseLeases(claimed.filter((s) => s.id === 'a'));
    expect(
      await repo.cancelAtPeriodEnd(
        claimed.find((s) => s.id === 'b')!,
        now,
      ),
    ).toBe(true);
    expect(await subs.findOneByOrFail({ id: 'a' })).toMatchObject({ leaseOwner: null, status: 'active' });
    expect(await subs.findOneByOrFail({ id: 'b' })).toMatchObject({
      leaseOwner: null,
      status: 'canceled',
      nextChargeAt: null,
    });
  });
});
