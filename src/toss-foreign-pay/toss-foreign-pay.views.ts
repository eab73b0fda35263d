import type { TossCancelDto, TossOrderDto } from './dto/toss-order.dto';
import { CANCELABLE_STATUSES } from './toss-foreign-pay.repository';
import type { TossOrderCancel } from './toss-order-cancel.entity';
import type { TossOrder, TossOrderStatus } from './toss-order.entity';

/** What the buyer reads after a redirect, per order status. */
export const BUYER_MESSAGES: Readonly<Record<TossOrderStatus, string>> = Object.freeze({
  created: 'The payment has not been completed yet.',
  confirming: 'Your payment is being confirmed. Please wait a moment.',
  paid: 'Thank you: your payment is complete.',
  failed: 'The payment could not be completed. Nothing was charged.',
  unknown: 'We are checking the result of your payment with the provider. Please do not pay again; this page will show the result shortly.',
  mismatch: 'Your payment could not be accepted and is being returned in full.',
  partially_canceled: 'Your payment is complete; part of it has been refunded.',
  canceled: 'This payment has been cancelled and refunded.',
});

/** A PG-reported string, bounded; null for anything else. */
export function str(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, 500) : null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toCancelDto(c: TossOrderCancel): TossCancelDto {
  return {
    id: c.id,
    amount: c.amount,
    currency: c.currency,
    reason: c.reason,
    kind: c.kind,
    status: c.status,
    transactionKey: c.transactionKey,
    failureCode: c.failureCode,
    createdAt: iso(c.createdAt)!,
    updatedAt: iso(c.updatedAt)!,
  };
}

export function toOrderDto(o: TossOrder, cancels: TossOrderCancel[]): TossOrderDto {
  return {
    orderId: o.id,
    status: o.status,
    orderName: o.orderName,
    amount: o.amount,
    currency: o.currency,
    country: o.country,
    customerId: o.customerId,
    paymentKey: o.paymentKey,
    tossStatus: o.tossStatus,
    method: o.method,
    easyPayProvider: o.easyPayProvider,
    receiptUrl: o.receiptUrl,
    approvedAt: iso(o.approvedAt),
    refundedAmount: o.refundedAmount,
    pendingRefundAmount: o.reservedAmount,
    refundableAmount: CANCELABLE_STATUSES.includes(o.status) ? Math.max(0, o.amount - o.refundedAmount - o.reservedAmount) : 0,
    failureCode: o.failureCode,
    failureMessage: o.failureMessage,
    flagReason: o.flagReason,
    cancels: cancels.map(toCancelDto),
    createdAt: iso(o.createdAt)!,
    updatedAt: iso(o.updatedAt)!,
  };
}
