import type { ClientRequest } from '@app/pg-contract';
import type { OrderCancel } from './order-cancel.entity';
import { CANCELABLE_STATUSES, type Order, type OrderStatus } from './order.entity';

/** What the buyer reads after a redirect, per order status. */
export const BUYER_MESSAGES: Readonly<Record<OrderStatus, string>> = Object.freeze({
  created: 'The payment has not been completed yet.',
  confirming: 'Your payment is being confirmed. Please wait a moment.',
  paid: 'Thank you: your payment is complete.',
  failed: 'The payment could not be completed. Nothing was charged.',
  unknown:
    'We are checking the result of your payment with the provider. Please do not pay again; this page will show the result shortly.',
  mismatch: 'Your payment could not be accepted and is being returned in full.',
  partially_canceled: 'Your payment is complete; part of it has been refunded.',
  canceled: 'This payment has been cancelled and refunded.',
});

/** A PG-reported string, bounded; null for anything else. */
export function str(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, 500) : null;
}

export const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** An order with its cancels, as stored (each route shapes its own body from it). */
export interface OrderWithCancels {
  readonly order: Order;
  readonly cancels: readonly OrderCancel[];
}

/** A new order and what the frontend passes to the gateway's SDK. */
export interface CreatedOrder {
  readonly order: Order;
  readonly checkout: ClientRequest;
}

/** The success redirect's answer (JSON, or the fields added to the merchant's return URL). */
export interface RedirectResult {
  orderId: string;
  status: string;
  amount: number;
  currency: string;
  message: string;
}

/** The fail redirect's answer. */
export interface FailResult {
  orderId: string | null;
  status: string | null;
  code: string;
  message: string;
}

/** What the browser gets: a redirect to the merchant's return URL, or (without one) the JSON result. */
export interface BrowserAnswer<T> {
  readonly location: string | null;
  readonly result?: T;
}

/** The refundable balance now (0 unless the order is paid and not fully cancelled). */
export function refundableOf(o: Order): number {
  return CANCELABLE_STATUSES.includes(o.status) ? Math.max(0, o.amount - o.refundedAmount - o.reservedAmount) : 0;
}

export function redirectResult(order: Order): RedirectResult {
  return {
    orderId: order.id,
    status: order.status,
    amount: order.amount,
    currency: order.currency,
    message: BUYER_MESSAGES[order.status],
  };
}

/** The generic body of a cancel. */
export function toOrderCancelDto(c: OrderCancel) {
  return {
    id: c.id,
    amount: c.amount,
    currency: c.currency,
    reason: c.reason,
    kind: c.kind,
    status: c.status,
    gatewayCancelId: c.gatewayCancelId,
    failureCode: c.failureCode,
    createdAt: iso(c.createdAt)!,
    updatedAt: iso(c.updatedAt)!,
  };
}

/** The generic body of an order (`/v1/orders`). */
export function toOrderDto({ order: o, cancels }: OrderWithCancels) {
  return {
    orderId: o.id,
    gateway: o.gateway,
    status: o.status,
    orderName: o.orderName,
    amount: o.amount,
    currency: o.currency,
    country: o.country,
    customerId: o.customerId,
    gatewayPaymentId: o.gatewayPaymentId,
    gatewayStatus: o.gatewayStatus,
    method: o.method,
    receiptUrl: o.receiptUrl,
    approvedAt: iso(o.approvedAt),
    refundedAmount: o.refundedAmount,
    pendingRefundAmount: o.reservedAmount,
    refundableAmount: refundableOf(o),
    failureCode: o.failureCode,
    failureMessage: o.failureMessage,
    flagReason: o.flagReason,
    cancels: cancels.map(toOrderCancelDto),
    createdAt: iso(o.createdAt)!,
    updatedAt: iso(o.updatedAt)!,
  };
}
