import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, LessThan, Repository } from 'typeorm';
import { OrderCancel, type OrderCancelStatus } from './order-cancel.entity';
import { CANCELABLE_STATUSES, Order, type OrderStatus } from './order.entity';
import { OrderWebhookEvent } from './order-webhook-event.entity';
import { OrderEvents } from './orders.events';

export { CANCELABLE_STATUSES } from './order.entity';

/**
 * Orders, cancels and webhook deliveries. Every read is scoped by merchant, except `findOrderForRedirect`: the
 * browser redirects carry only our globally unique, unguessable orderId. State changes are conditional UPDATEs whose
 * affected-row count decides, so two requests (or two instances) racing for one transition cannot both win.
 */
@Injectable()
export class OrdersRepository {
  constructor(
    @InjectRepository(Order) private readonly orders: Repository<Order>,
    @InjectRepository(OrderCancel) private readonly cancels: Repository<OrderCancel>,
    @InjectRepository(OrderWebhookEvent) private readonly webhooks: Repository<OrderWebhookEvent>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: OrderEvents,
  ) {}

  async insertOrder(order: Order): Promise<Order> {
    await this.orders.insert(order);
    return order;
  }

  findOrder(merchantId: string, id: string): Promise<Order | null> {
    return this.orders.findOneBy({ merchantId, id });
  }

  /** The redirects' only lookup: by our orderId alone (it names the merchant). */
  findOrderForRedirect(id: string): Promise<Order | null> {
    return this.orders.findOneBy({ id });
  }

  findOrderByPaymentKey(merchantId: string, gatewayPaymentId: string): Promise<Order | null> {
    return this.orders.findOneBy({ merchantId, gatewayPaymentId });
  }

  /**
   * Moves the order from one of `from` to the patch (which usually sets `status`); false when someone else moved it
   * first. A new status writes its event in the same transaction.
   */
  async transition(id: string, from: readonly OrderStatus[], patch: Partial<Order>): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result = await em.update(Order, { id, status: In([...from]) }, patch);
      if ((result.affected ?? 0) === 0) return false;
      if (patch.status) await this.events.orderChanged(em, id);
      return true;
    });
  }

  /** Fields that carry no state decision (Toss's facts, failure notes). */
  async patch(id: string, patch: Partial<Order>): Promise<void> {
    await this.orders.update({ id }, patch);
  }

  /**
   * Reserves the cancel's amount of the refundable balance and inserts the cancel, in one transaction (no PG call
   * inside). The reservation succeeds only if, at this instant, the order is cancelable and
   * `amount - refunded - reserved >= the cancel's amount`, so concurrent cancels can never take more than the balance.
   */
  async reserveAndInsertCancel(cancel: OrderCancel, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(Order)
        .set({ reservedAmount: () => 'reserved_amount + :reserve', updatedAt: now })
        .where(
          'id = :id AND merchant_id = :merchantId AND status IN (:...statuses) AND amount - refunded_amount - reserved_amount >= :reserve',
          {
            id: cancel.orderId,
            merchantId: cancel.merchantId,
            statuses: [...CANCELABLE_STATUSES],
            reserve: cancel.amount,
          },
        )
        .execute();
      if ((result.affected ?? 0) === 0) return false;
      await em.insert(OrderCancel, cancel);
      return true;
    });
  }

  async insertCancel(cancel: OrderCancel): Promise<OrderCancel> {
    await this.cancels.insert(cancel);
    return cancel;
  }

  listCancels(merchantId: string, orderId: string): Promise<OrderCancel[]> {
    return this.cancels.find({ where: { merchantId, orderId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findCancelByTransactionKey(merchantId: string, gatewayCancelId: string): Promise<OrderCancel | null> {
    return this.cancels.findOneBy({ merchantId, gatewayCancelId });
  }

  /** Moves a cancel between statuses without touching money (e.g. requested → pending). */
  async transitionCancel(
    id: string,
    from: readonly OrderCancelStatus[],
    patch: Partial<OrderCancel>,
  ): Promise<boolean> {
    const result = await this.cancels.update({ id, status: In([...from]) }, patch);
    return (result.affected ?? 0) > 0;
  }

  /**
   * Finishes a cancel and moves its money in one transaction (no PG call inside): `done` turns its reservation
   * into a refund (and the order into partially_canceled / canceled), `refused` / `not_sent` releases it. The cancel's
   * own conditional transition guards the money, so it moves exactly once.
   */
  async finishCancel(
    cancel: OrderCancel,
    from: readonly OrderCancelStatus[],
    to: 'done' | 'refused' | 'not_sent',
    patch: Partial<OrderCancel>,
    now: Date,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const moved = await em.update(
        OrderCancel,
        { id: cancel.id, status: In([...from]) },
        { ...patch, status: to, updatedAt: now },
      );
      if ((moved.affected ?? 0) === 0) return false;
      const qb = em.createQueryBuilder().update(Order).where('id = :id', { id: cancel.orderId, amt: cancel.amount });
      if (to === 'done') {
        qb.set({
          refundedAmount: () => 'refunded_amount + :amt',
          reservedAmount: () => 'reserved_amount - :amt',
          // A mismatch order keeps its flag status; a normal one follows its balance.
          status: () =>
            "CASE WHEN status IN ('paid', 'partially_canceled') THEN (CASE WHEN refunded_amount + :amt >= amount THEN 'canceled' ELSE 'partially_canceled' END) ELSE status END",
          updatedAt: now,
        });
      } else {
        qb.set({ reservedAmount: () => 'reserved_amount - :amt', updatedAt: now });
      }
      await qb.execute();
      if (to === 'done') await this.events.orderChanged(em, cancel.orderId);
      return true;
    });
  }

  /**
   * A refund Toss lists that we never asked for (made in Toss's console): recorded as an `external` cancel and added to
   * the refunded amount, in one transaction, only when it fits the order (cancelable, same currency, within the
   * refundable balance). The row's id derives from the gatewayCancelId, so two look-ups racing record it once.
   * 'unsafe': nothing recorded (the caller flags the order for review).
   */
  async recordExternalCancel(order: Order, cancel: OrderCancel, now: Date): Promise<'recorded' | 'exists' | 'unsafe'> {
    if (await this.cancels.existsBy({ id: cancel.id })) return 'exists';
    try {
      return await this.dataSource.transaction(async (em) => {
        // The insert first: a concurrent look-up recording the same refund fails on the primary key, before any money moves.
        await em.insert(OrderCancel, cancel);
        const moved = await em
          .createQueryBuilder()
          .update(Order)
          .set({
            refundedAmount: () => 'refunded_amount + :amt',
            status: () => "CASE WHEN refunded_amount + :amt >= amount THEN 'canceled' ELSE 'partially_canceled' END",
            updatedAt: now,
          })
          .where(
            'id = :id AND merchant_id = :merchantId AND currency = :currency AND status IN (:...statuses) AND amount - refunded_amount - reserved_amount >= :amt',
            {
              id: order.id,
              merchantId: order.merchantId,
              currency: cancel.currency,
              statuses: [...CANCELABLE_STATUSES],
              amt: cancel.amount,
            },
          )
          .execute();
        if ((moved.affected ?? 0) === 0) throw new UnsafeExternalCancel();
        await this.events.orderChanged(em, order.id);
        return 'recorded' as const;
      });
    } catch (err) {
      if (err instanceof UnsafeExternalCancel) return 'unsafe';
      if (await this.cancels.existsBy({ id: cancel.id })) return 'exists';
      throw err;
    }
  }

  /** Whether a delivery (transmission id, or a `p:`/`c:` pointer key) was applied and is still remembered. */
  hasWebhookEvent(merchantId: string, transmissionId: string): Promise<boolean> {
    return this.webhooks.existsBy({ merchantId, transmissionId });
  }

  /** Remembers applied deliveries (one INSERT; a key already remembered is left as it is). */
  async rememberWebhookEvents(events: readonly OrderWebhookEvent[]): Promise<void> {
    if (events.length > 0)
      await this.webhooks
        .createQueryBuilder()
        .insert()
        .values([...events])
        .orIgnore()
        .execute();
  }

  /** Removes up to `limit` deliveries received before `before`, oldest first; how many were removed. */
  async deleteWebhookEventsBefore(before: Date, limit: number): Promise<number> {
    const rows = await this.webhooks.find({
      select: { id: true },
      where: { receivedAt: LessThan(before) },
      order: { receivedAt: 'ASC' },
      take: limit,
    });
    if (rows.length === 0) return 0;
    await this.webhooks.delete({ id: In(rows.map((r) => r.id)) });
    return rows.length;
  }
}

/** Rolls the external cancel's insert back: it does not fit the order. */
class UnsafeExternalCancel extends Error {}
