/** A Toss order as the merchant backend hands it to the page, and how the page opens PayPal's window for it. */
import { TossPayments, type ForeignEasyPayRequest } from './sdk.js';

export interface Order {
  orderId: string;
  clientKey: string;
  clientSecret: string;
  paymentRequest: ForeignEasyPayRequest;
}

/** Opens the PayPal window for an order (a non-member payment: Toss's ANONYMOUS customerKey). */
export function pay(order: Order): Promise<void> {
  const tossPayments = TossPayments();
  return tossPayments(order.clientKey)
    .payment({ customerKey: tossPayments.ANONYMOUS })
    .requestPayment(order.paymentRequest);
}
