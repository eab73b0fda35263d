import type { DataSource, Repository } from 'typeorm';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { WebhookPointer } from './webhook-pointer.entity';
import { pointerId, type PointerToKeep, WebhookInboxRepository } from './webhook-inbox.repository';

// Runs on SQLite, and on a throwaway PostgreSQL schema when DATABASE_URL is set (the INSERT … ON CONFLICT DO NOTHING).
const now = new Date('2026-03-01T00:00:00.000Z');
const soon = new Date('2026-03-01T00:01:00.000Z');
const pointer = (dedupKey: string, over: Partial<PointerToKeep> = {}): PointerToKeep => ({
  merchantId: 'mch_1',
  gateway: 'acme-pay',
  dedupKey,
  reference: `ref_${dedupKey}`,
  gatewayPaymentId: null,
  event: 'paid',
  ...over,
});

describe('WebhookInboxRepository (SQL against the real engine)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let repo: WebhookInboxRepository;
  let rows: Repository<WebhookPointer>;
  beforeAll(async () => {
    ({ ds, drop } = await throwawayDataSource([WebhookPointer]));
    rows = ds.getRepository(WebhookPointer);
    repo = new WebhookInboxRepository(rows);
  });
  afterAll(() => drop());
  beforeEach(() => rows.clear());

  it('keeps a retried delivery as one row and leaves the kept one as it was', async () => {
    await repo.keep([pointer('a'), pointer('b', { refundNoticed: true })], now, now);
    await repo.reschedule(pointerId(pointer('a')), 3, soon);
    await repo.keep([pointer('a', { event: 'canceled' }), pointer('c')], now, now);
    expect(await rows.count()).toBe(3);
    expect(await rows.findOneByOrFail({ id: pointerId(pointer('a')) })).toMatchObject({
      event: 'paid',
      attempts: 3,
      nextAttemptAt: soon,
    });
    expect((await rows.findOneByOrFail({ id: pointerId(pointer('b')) })).refundNoticed).toBe(true);
  });

  it('concurrent keeps of the same pointer leave one row and fail none', async () => {
    await Promise.all(Array.from({ length: 5 }, () => repo.keep([pointer('a')], now, now)));
    expect(await rows.count()).toBe(1);
  });

  it("refuses a new pointer past the merchant's cap for the gateway, not one already kept", async () => {
    expect(await repo.keepCapped(pointer('a'), 2, now, now)).toBe(true);
    expect(await repo.keepCapped(pointer('b'), 2, now, now)).toBe(true);
    expect(await repo.keepCapped(pointer('c'), 2, now, now)).toBe(false);
    expect(await repo.keepCapped(pointer('a'), 2, now, now)).toBe(true);
    // Other merchants and gateways have caps of their own.
    expect(await repo.keepCapped(pointer('c', { merchantId: 'mch_2' }), 2, now, now)).toBe(true);
    expect(await repo.keepCapped(pointer('c', { gateway: 'other-pay' }), 2, now, now)).toBe(true);
    expect(await repo.count('acme-pay', 'mch_1')).toBe(2);
  });

  it('believes a count at the cap for a second, then counts again', async () => {
    const at = (ms: number) => new Date(now.getTime() + ms);
    const repo = new WebhookInboxRepository(rows); // no verdict from the tests before
    const count = jest.spyOn(rows, 'countBy');
    try {
      expect(await repo.keepCapped(pointer('a'), 1, now, at(0))).toBe(true);
      expect(await repo.keepCapped(pointer('b'), 1, now, at(0))).toBe(false);
      expect(count).toHaveBeenCalledTimes(2);
      // Refused without a count while the verdict holds; one already kept is still answered true.
      expect(await repo.keepCapped(pointer('c'), 1, now, at(999))).toBe(false);
      expect(await repo.keepCapped(pointer('a'), 1, now, at(999))).toBe(true);
      expect(count).toHaveBeenCalledTimes(2);
      // Room made meanwhile (the reconciler drained): counted again once the second has passed.
      await repo.removeKept([pointer('a')]);
      expect(await repo.keepCapped(pointer('c'), 1, now, at(500))).toBe(false);
      expect(await repo.keepCapped(pointer('c'), 1, now, at(1_000))).toBe(true);
      expect(count).toHaveBeenCalledTimes(3);
      // Another merchant was never at the cap.
      expect(await repo.keepCapped(pointer('c', { merchantId: 'mch_2' }), 1, now, at(500))).toBe(true);
    } finally {
      count.mockRestore();
    }
  });

  it('lists due pointers of a gateway oldest first, scoped, and removes kept ones by what they point at', async () => {
    await repo.keep([pointer('late')], soon, now);
    await repo.keep([pointer('early'), pointer('other', { merchantId: 'mch_2' })], now, now);
    await repo.keep([pointer('elsewhere', { gateway: 'other-pay' })], now, now);
    const due = (await repo.due('acme-pay', soon, 10)).map((p) => p.dedupKey);
    // Oldest first (ties by id, which derives from the dedup key); another gateway's are not listed.
    expect(due.slice(0, 2).sort()).toEqual(['early', 'other']);
    expect(due[2]).toBe('late');
    expect(due).toHaveLength(3);
    expect(await repo.due('acme-pay', soon, 1)).toHaveLength(1);
    expect((await repo.due('acme-pay', now, 10, 'mch_1')).map((p) => p.dedupKey)).toEqual(['early']);
    await repo.removeKept([pointer('early')]);
    expect((await repo.due('acme-pay', soon, 10, 'mch_1')).map((p) => p.dedupKey)).toEqual(['late']);
  });
});
