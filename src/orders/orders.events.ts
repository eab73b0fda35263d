import { Injectable } from '@nestjs/common';
import { GatewayRegistry } from '@app/pg-contract';
import type { EntityManager } from 'typeorm';
import { EventsService } from '../events/events.service';
import { OrderCancel } from './order-cancel.entity';
import { Order, type OrderStatus } from './order.entity';
import { toOrderDto } from './orders.views';

/** Statuses on the way to a result: no event. */
const SILENT: ReadonlySet<OrderStatus> = new Set(['created', 'confirming']);

/**
 * Events of one-time orders: `<prefix>_order.<status>` (paid, failed, canceled, partially_canceled, unknown, mismatch),
 * where the prefix is the gateway's errorCodePrefix in lower case (the contract's `toss_order.*`), or plain
 * `order.<status>` for a gateway without one. Written in the transaction of the change.
 */
@Injectable()
export class OrderEvents {
  constructor(
    private readonly events: EventsService,
    private readonly registry: GatewayRegistry,
  ) {}

  /** The order as it now stands in `em`'s transaction, with its cancels: its event, if its status is a result. */
  async orderChanged(em: EntityManager, orderId: string): Promise<void> {
    const order = await em.findOneBy(Order, { id: orderId });
    if (!order || SILENT.has(order.status)) return;
    const cancels = await em.find(OrderCancel, {
      where: { orderId: order.id, merchantId: order.merchantId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    await this.events.record(em, {
      merchantId: order.merchantId,
      type: `${this.prefixOf(order.gateway)}.${order.status}`,
      objectType: 'order',
      objectId: order.id,
      object: toOrderDto({ order, cancels }),
    });
  }

  private prefixOf(gateway: string): string {
    const prefix = this.registry.has(gateway) ? this.registry.get(gateway).descriptor.errorCodePrefix : undefined;
    return prefix ? `${prefix.toLowerCase()}_order` : 'order';
  }
}
