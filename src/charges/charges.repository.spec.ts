import type { DataSource, Repository } from 'typeorm';
import { strictMock } from '../../test/helpers/strict-mock';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { Subscription } from '../subscriptions/subscription.entity';
import { ChargeCancel } from './charge-cancel.entity';
import { ChargeReviewAction } from './charge-review-action.entity';
import { Charge } from './charge.entity';
import { newCharge } from './charges.mapper';
import { ChargesRepository, type ResultWrite } from './charges.repository';
import type { ChargeEvents } from './charges.events';

// Runs on SQLite, and on a throwaway PostgreSQL schema when DATABASE_URL is set (CI's PostgreSQL run): the claims
// use FOR UPDATE SKIP LOCKED there, and the bulk writes bind arrays.
const now = new Date('2026-03-01T00:00:00.000Z');
const later = new Date('2026-03-01T00:05:00.000Z');
const nextPeriod = new Date('2026-04-01T00:00:00.000Z');

const sub = (id: string, over: Partial<Subscription> = {}): Subscription =>
  Object.assign(new Subscription(), {
    id,
    merchantId: 'm1',
    customerId: 'cus_1',
    planId: 'pln_1',
    billingKeyId: 'bk_1',
    gateway: 'acme-pay',
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
    currentPeriodEnd: nextPeriod,
    nextChargeAt: now,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    cancelReason: null,
    leaseOwner: 'me',
    leaseExpiresAt: later,
    leaseVersion: 4,
    createdAt: now,
    updatedAt: now,
    ...over,
  });

const charge = (id: string, over: Partial<Charge> = {}): Charge =>
  newCharge({
    id,
    merchantId: 'm1',
    subscriptionId: `sub_${id}`,
    customerId: 'cus_1',
    billingKeyId: 'bk_1',
    gateway: 'acme-pay',
    kind: 'recurring',
    cycle: 3,
    attempt: 1,
    merchantUid: `uid_${id}`,
    amount: 1999,
    currency: 'USD',
    orderName: 'Pro',
    status: 'sending',
    createdAt: now,
    updatedAt: now,
    ...over,
  });

/** A succeeded result for charge `id` that moves its subscription to the next cycle under lease `leaseVersion`. */
const paid = (id: string, leaseVersion: number | undefined): ResultWrite => ({
  chargeId: id,
  from: ['sending', 'unknown'],
  chargePatch: { status: 'succeeded', gatewayPaymentId: `pay_${id}`, resendable: false },
  subscription: {
    id: `sub_${id}`,
    cycle: 3,
    attempt: 1,
    patch: { cycle: 4, currentPeriodStart: nextPeriod, nextChargeAt: nextPeriod },
    ...(leaseVersion !== undefined ? { leaseVersion } : {}),
  },
});

describe('ChargesRepository (SQL against the real engine)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let repo: ChargesRepository;
  let charges: Repository<Charge>;
  let subs: Repository<Subscription>;
  beforeAll(async () => {
    ({ ds, drop } = await throwawayDataSource([Charge, ChargeCancel, ChargeReviewAction, Subscription]));
    charges = ds.getRepository(Charge);
    subs = ds.getRepository(Subscription);
    // Events are their own spec's subject (charges.events.spec.ts, test/events.e2e-spec.ts); here only the SQL is.
    const events = strictMock<ChargeEvents>({
      recordResults: async () => undefined,
      cancelChanged: async () => undefined,
    });
    repo = new ChargesRepository(
      charges,
      ds.getRepository(ChargeCancel),
      ds.getRepository(ChargeReviewAction),
      subs,
      events,
    );
  });
  afterAll(() => drop());
  beforeEach(async () => {
    await charges.clear();
    await ds.getRepository(ChargeCancel).clear();
    await subs.clear();
  });

  describe('recordResults: bulk writes fenced by the lease version', () => {
    it('writes the subscriptions whose lease is still ours and nothing at all to one whose lease moved on', async () => {
      await charges.save([charge('a'), charge('b')]);
      // b's lease was taken over (version 5) after this run claimed it at 4.
      await subs.save([sub('sub_a'), sub('sub_b', { leaseVersion: 5, leaseOwner: 'other' })]);

      const summary = await repo.recordResults([paid('a', 4), paid('b', 4)]);

      expect(summary).toEqual({ applied: [true, true], fenced: 1 });
      // The charges hold the PG's answer either way: the result is a fact, the lease only guards the subscription.
      expect((await charges.findOneByOrFail({ id: 'a' })).status).toBe('succeeded');
      expect((await charges.findOneByOrFail({ id: 'b' })).status).toBe('succeeded');
      expect(await subs.findOneByOrFail({ id: 'sub_a' })).toMatchObject({
        cycle: 4,
        nextChargeAt: nextPeriod,
        leaseOwner: null,
        leaseExpiresAt: null,
        leaseVersion: 4,
      });
      // The stale write wrote nothing: not the patch, not the lease release.
      expect(await subs.findOneByOrFail({ id: 'sub_b' })).toMatchObject({
        cycle: 3,
        nextChargeAt: now,
        leaseOwner: 'other',
        leaseExpiresAt: later,
        leaseVersion: 5,
      });
    });

    it('a batch whose every lease is stale writes no subscription', async () => {
      await charges.save([charge('a'), charge('b')]);
      await subs.save([sub('sub_a', { leaseVersion: 9 }), sub('sub_b', { leaseVersion: 9 })]);
      const before = await subs.find({ order: { id: 'ASC' } });

      expect(await repo.recordResults([paid('a', 4), paid('b', 4)])).toEqual({ applied: [true, true], fenced: 2 });
      expect(await subs.find({ order: { id: 'ASC' } })).toEqual(before);
    });

    it('a charge that did not move only gives the lease back, and only while it is ours', async () => {
      // Both charges already hold a result (a webhook wrote it): the from-status guard refuses the write.
      await charges.save([charge('a', { status: 'failed' }), charge('b', { status: 'failed' })]);
      await subs.save([sub('sub_a'), sub('sub_b', { leaseVersion: 5, leaseOwner: 'other' })]);

      expect(await repo.recordResults([paid('a', 4), paid('b', 4)])).toEqual({ applied: [false, false], fenced: 1 });
      expect((await charges.findOneByOrFail({ id: 'a' })).status).toBe('failed');
      expect(await subs.findOneByOrFail({ id: 'sub_a' })).toMatchObject({ cycle: 3, leaseOwner: null });
      expect(await subs.findOneByOrFail({ id: 'sub_b' })).toMatchObject({ cycle: 3, leaseOwner: 'other' });
    });

    it('a write without a lease (a webhook) moves a billable subscription still on that cycle and attempt', async () => {
      await charges.save([charge('a'), charge('b')]);
      await subs.save([sub('sub_a', { leaseOwner: null, leaseExpiresAt: null }), sub('sub_b', { attempt: 2 })]);

      expect(await repo.recordResults([paid('a', undefined), paid('b', undefined)])).toEqual({
        applied: [true, true],
        fenced: 0,
      });
      expect((await subs.findOneByOrFail({ id: 'sub_a' })).cycle).toBe(4);
      // sub_b has moved on to another attempt: this result is not its current one.
      expect((await subs.findOneByOrFail({ id: 'sub_b' })).cycle).toBe(3);
    });

    it('the row-by-row path (one subscription named twice) is fenced the same way', async () => {
      await charges.save([charge('a'), charge('a2', { merchantUid: 'uid_a2', attempt: 2 })]);
      await subs.save([sub('sub_a', { leaseVersion: 5, leaseOwner: 'other' })]);
      const second: ResultWrite = { ...paid('a2', 4), subscription: { ...paid('a2', 4).subscription!, id: 'sub_a' } };

      expect(await repo.recordResults([paid('a', 4), second])).toEqual({ applied: [true, true], fenced: 2 });
      expect(await subs.findOneByOrFail({ id: 'sub_a' })).toMatchObject({ cycle: 3, leaseOwner: 'other' });
    });
  });

  describe('insertIntents: ON CONFLICT DO NOTHING', () => {
    it('inserts new intents and leaves the one for an existing (subscription, cycle, attempt) alone', async () => {
      await charges.save(charge('old', { subscriptionId: 'sub_x', merchantUid: 'uid_old', status: 'succeeded' }));
      const inserted = await repo.insertIntents([
        charge('new1'),
        charge('dup', { subscriptionId: 'sub_x', merchantUid: 'uid_dup' }),
        charge('new2'),
      ]);
      expect([...inserted].sort()).toEqual(['new1', 'new2']);
      expect(await charges.count()).toBe(3);
      expect((await charges.findOneByOrFail({ subscriptionId: 'sub_x' })).id).toBe('old');
    });
  });

  describe('claimLookups', () => {
    const due = (id: string, over: Partial<Charge> = {}) =>
      charge(id, { status: 'pending', nextLookupAt: now, subscriptionId: null, cycle: null, ...over });

    it('claims due look-ups of the merchant, oldest first, and hides them until holdUntil', async () => {
      await charges.save([
        due('p1', { nextLookupAt: new Date('2026-02-28T00:00:00.000Z') }),
        due('p2'),
        due('unknown', { status: 'unknown' }),
        due('later', { nextLookupAt: later }),
        due('review', { review: true }),
        due('done', { status: 'succeeded' }),
        due('other', { merchantId: 'm2' }),
      ]);
      const first = await repo.claimLookups(now, later, 2, 'm1');
      expect(first.map((c) => c.id).sort()).toEqual(['p1', 'p2']);
      const second = await repo.claimLookups(now, later, 10, 'm1');
      expect(second.map((c) => c.id)).toEqual(['unknown']);
      expect((await charges.findOneByOrFail({ id: 'p1' })).nextLookupAt).toEqual(later);
      // Once holdUntil has passed they are due again.
      expect((await repo.claimLookups(later, later, 10, 'm1')).map((c) => c.id).sort()).toEqual([
        'later',
        'p1',
        'p2',
        'unknown',
      ]);
    });

    it('concurrent claims never hand the same charge to two callers', async () => {
      await charges.save(Array.from({ length: 30 }, (_, i) => due(`c${String(i).padStart(2, '0')}`)));
      const claims = await Promise.all(Array.from({ length: 4 }, () => repo.claimLookups(now, later, 10)));
      const ids = claims.flatMap((c) => c.map((x) => x.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(30);
    });
  });

  describe('reserveCancel', () => {
    const cancel = (id: string, amount: number): ChargeCancel =>
      Object.assign(new ChargeCancel(), {
        id,
        merchantId: 'm1',
        chargeId: 'a',
        amount,
        currency: 'USD',
        reason: 'requested',
        status: 'pending',
        gatewayCancelId: null,
        failureCode: null,
        failureMessage: null,
        lookupAttempts: 0,
        nextLookupAt: null,
        review: false,
        createdAt: now,
        updatedAt: now,
        settledAt: null,
      });

    it('concurrent reservations never take more than the refundable balance', async () => {
      await charges.save(charge('a', { status: 'succeeded', amount: 1000, refundedAmount: 100 }));
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => repo.reserveCancel(cancel(`cn${i}`, 300))));
      expect(results.filter(Boolean)).toHaveLength(3);
      expect((await charges.findOneByOrFail({ id: 'a' })).refundReserved).toBe(900);
      expect(await ds.getRepository(ChargeCancel).count()).toBe(3);
    });

    it("refuses another merchant's charge and a charge that is not paid", async () => {
      await charges.save([charge('a', { status: 'succeeded' }), charge('b', { status: 'sending' })]);
      expect(await repo.reserveCancel({ ...cancel('cn1', 1), merchantId: 'm2' })).toBe(false);
      expect(await repo.reserveCancel({ ...cancel('cn2', 1), chargeId: 'b' })).toBe(false);
      expect(await ds.getRepository(ChargeCancel).count()).toBe(0);
      expect(await repo.reserveCancel(cancel('cn3', 1))).toBe(true);
    });
  });
});
