/** A card billing key as the merchant backend hands it to the page, and how the page opens Toss's card window for it. */
import { TossPayments, type BillingAuthRequest } from './sdk.js';

export interface CardCheckout {
  id: string;
  clientSecret: string;
  checkout: { init: { clientKey: string; customerKey: string }; request: BillingAuthRequest };
}

export function openCardWindow({ checkout }: CardCheckout): Promise<void> {
  const payment = TossPayments()(checkout.init.clientKey).payment({ customerKey: checkout.init.customerKey });
  return payment.requestBillingAuth(checkout.request);
}
