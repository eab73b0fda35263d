import type { Order } from '../../src/orders/order.entity';

/** A one-time order row as the repository returns it: a created order of 50.00 USD, overridable field by field. */
export function orderRow(over: Partial<Order> & Pick<Order, 'gateway'>, now: Date): Order {
  return {
    id: 'tfo_order_1',
    merchantId: 'mch_1',
    customerId: null,
    orderName: 'Plan',
    amount: 5000,
    currency: 'USD',
    country: 'US',
    status: 'created',
    gatewayPaymentId: null,
    refundedAmount: 0,
    reservedAmount: 0,
    gatewayStatus: null,
    method: null,
    easyPayProvider: null,
    receiptUrl: null,
    approvedAt: null,
    reportedAmount: null,
    reportedCurrency: null,
    failureCode: null,
    failureMessage: null,
    flagReason: null,
    stcDecisionId: null,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}
