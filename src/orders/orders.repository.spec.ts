import type { DataSource, Repository } from 'typeorm';
import { orderRow } from '../../test/helpers/order-row';
import { throwawayDataSource } from '../../test/helpers/throwaway-data-source';
import { OrderCancel } from './order-cancel.entity';
import { OrderWebhookEvent } from './order-webhook-event.entity';
import { Order } from './order.entity';
import { OrdersRepository } from './orders.repository';

// Runs on SQLite, and on a throwaway PostgreSQL schema when DATABASE_URL is set: the conditional UPDATEs that guard
// the refundable balance are what keep concurrent cancels (two requests, two instances) within it.
const now = new Date('2026-03-01T00:00:00.000Z');

const cancel = (id: string, amount: number, over: Partial<OrderCancel> = {}): OrderCancel =>
  Object.assign(new OrderCancel(), {
    id,
    orderId: 'ord_1',
    merchantId: 'mch_1',
    idempotencyKey: `idem_${id}`,
    amount,
    currency: 'USD',
    kind: 'refund',
    full: false,
    reason: 'requested',
    status: 'requested',
    gatewayCancelId: null,
    gatewayCancelStatus: null,
    failureCode: null,
    failureMessage: null,
    createdAt: now,
    updatedAt: now,
    ...over,
  });

const event = (id: string, transmissionId: string, receivedAt: Date): OrderWebhookEvent =>
  Object.assign(new OrderWebhookEvent(), {
    id,
    merchantId: 'mch_1',
    transmissionId,
    eventType: 'PAYMENT_STATUS_CHANGED',
    orderId: 'ord_1',
    receivedAt,
  });

describe('OrdersRepository (SQL against the real engine)', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let repo: OrdersRepository;
  let orders: Repository<Order>;
  let cancels: Repository<OrderCancel>;
  beforeAll(async () => {
    ({ ds, drop } = await throwawayDataSource([Order, OrderCancel, OrderWebhookEvent]));
    orders = ds.getRepository(Order);
    cancels = ds.getRepository(OrderCancel);
    repo = new OrdersRepository(orders, cancels, ds.getRepository(OrderWebhookEvent), ds);
  });
  afterAll(() => drop());
  beforeEach(async () => {
    await orders.clear();
    await cancels.clear();
    await ds.getRepository(OrderWebhookEvent).clear();
  });
  const paidOrder = (over: Partial<Order> = {}) =>
    orders.save(orderRow({ gateway: 'acme-pay', id: 'ord_1', status: 'paid', amount: 5000, ...over }, now));

  it('concurrent cancel reservations never take more than the refundable balance', async () => {
    await paidOrder({ refundedAmount: 1000 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => repo.reserveAndInsertCancel(cancel(`c${i}`, 1500), now)),
    );
    expect(results.filter(Boolean)).toHaveLength(2);
    expect((await orders.findOneByOrFail({ id: 'ord_1' })).reservedAmount).toBe(3000);
    expect(await cancels.count()).toBe(2);
  });

  it("refuses a reservation on another merchant's order or one that is not paid", async () => {
    await paidOrder({ status: 'created' });
    expect(await repo.reserveAndInsertCancel(cancel('c1', 1), now)).toBe(false);
    await orders.update({ id: 'ord_1' }, { status: 'paid' });
    expect(await repo.reserveAndInsertCancel(cancel('c2', 1, { merchantId: 'mch_2' }), now)).toBe(false);
    expect(await cancels.count()).toBe(0);
    expect(await repo.reserveAndInsertCancel(cancel('c3', 1), now)).toBe(true);
  });

  it('finishes a cancel once: done turns the reservation into a refund and the order follows its balance', async () => {
    await paidOrder();
    const c = cancel('c1', 2000);
    expect(await repo.reserveAndInsertCancel(c, now)).toBe(true);
    const finishes = await Promise.all([
      repo.finishCancel(c, ['requested'], 'done', {}, now),
      repo.finishCancel(c, ['requested'], 'done', {}, now),
    ]);
    expect(finishes.filter(Boolean)).toHaveLength(1);
    expect(await orders.findOneByOrFail({ id: 'ord_1' })).toMatchObject({
      refundedAmount: 2000,
      reservedAmount: 0,
      status: 'partially_canceled',
    });
    const rest = cancel('c2', 3000);
    expect(await repo.reserveAndInsertCancel(rest, now)).toBe(true);
    expect(await repo.finishCancel(rest, ['requested'], 'done', {}, now)).toBe(true);
    expect(await orders.findOneByOrFail({ id: 'ord_1' })).toMatchObject({ refundedAmount: 5000, status: 'canceled' });
  });

  it('a refused cancel only releases its reservation', async () => {
    await paidOrder();
    const c = cancel('c1', 2000);
    await repo.reserveAndInsertCancel(c, now);
    expect(await repo.finishCancel(c, ['requested'], 'refused', { failureCode: 'X' }, now)).toBe(true);
    expect(await orders.findOneByOrFail({ id: 'ord_1' })).toMatchObject({
      refundedAmount: 0,
      reservedAmount: 0,
      status: 'paid',
    });
    expect(await cancels.findOneByOrFail({ id: 'c1' })).toMatchObject({ status: 'refused', failureCode: 'X' });
  });

  it('records an external refund once when two look-ups race, and refuses one that does not fit', async () => {
    const order = await paidOrder();
    const ext = (id: string, amount: number) => cancel(id, amount, { kind: 'external', status: 'done' });
    const results = await Promise.all([
      repo.recordExternalCancel(order, ext('ext_1', 1000), now),
      repo.recordExternalCancel(order, ext('ext_1', 1000), now),
    ]);
    expect(results.sort()).toEqual(['exists', 'recorded']);
    expect(await orders.findOneByOrFail({ id: 'ord_1' })).toMatchObject({
      refundedAmount: 1000,
      status: 'partially_canceled',
    });
    expect(await repo.recordExternalCancel(order, ext('ext_2', 4001), now)).toBe('unsafe');
    expect(await cancels.existsBy({ id: 'ext_2' })).toBe(false);
    expect((await orders.findOneByOrFail({ id: 'ord_1' })).refundedAmount).toBe(1000);
  });

  it('remembers webhook deliveries once (a known transmission is left alone) and expires the oldest first', async () => {
    const old = new Date('2026-02-01T00:00:00.000Z');
    await repo.rememberWebhookEvents([event('e1', 't1', old), event('e2', 't2', now)]);
    await repo.rememberWebhookEvents([event('e3', 't1', now), event('e4', 't3', old)]);
    const rows = await ds.getRepository(OrderWebhookEvent).find({ order: { id: 'ASC' } });
    expect(rows.map((r) => r.id)).toEqual(['e1', 'e2', 'e4']);
    expect(await repo.hasWebhookEvent('mch_1', 't1')).toBe(true);
    expect(await repo.hasWebhookEvent('mch_2', 't1')).toBe(false);
    expect(await repo.deleteWebhookEventsBefore(now, 1)).toBe(1);
    expect(await repo.deleteWebhookEventsBefore(now, 10)).toBe(1);
    expect((await ds.getRepository(OrderWebhookEvent).find()).map((r) => r.id)).toEqual(['e2']);
  });
});
