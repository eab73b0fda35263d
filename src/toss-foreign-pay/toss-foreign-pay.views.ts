import { iso, refundableOf, type OrderWithCancels } from '../orders/orders.views';
import type { OrderCancel } from '../orders/order-cancel.entity';
import type { TossCancelDto, TossOrderDto } from './dto/toss-order.dto';

/** The v1 Toss body of a cancel (REST contract: `transactionKey`). */
export function toTossCancelDto(c: OrderCancel): TossCancelDto {
  return {
    id: c.id,
    amount: c.amount,
    currency: c.currency,
    reason: c.reason,
    kind: c.kind,
    status: c.status,
    transactionKey: c.gatewayCancelId,
    failureCode: c.failureCode,
    createdAt: iso(c.createdAt)!,
    updatedAt: iso(c.updatedAt)!,
  };
}

/** The v1 Toss body of an order (REST contract: `paymentKey`, `tossStatus`). */
export function toTossOrderDto({ order: o, cancels }: OrderWithCancels): TossOrderDto {
  return {
    orderId: o.id,
    status: o.status,
    orderName: o.orderName,
    amount: o.amount,
    currency: o.currency,
    country: o.country,
    customerId: o.customerId,
    paymentKey: o.gatewayPaymentId,
    tossStatus: o.gatewayStatus,
    method: o.method,
    easyPayProvider: o.easyPayProvider,
    receiptUrl: o.receiptUrl,
    approvedAt: iso(o.approvedAt),
    refundedAmount: o.refundedAmount,
    pendingRefundAmount: o.reservedAmount,
    refundableAmount: refundableOf(o),
    failureCode: o.failureCode,
    failureMessage: o.failureMessage,
    flagReason: o.flagReason,
    cancels: cancels.map(toTossCancelDto),
    createdAt: iso(o.createdAt)!,
    updatedAt: iso(o.updatedAt)!,
  };
}
