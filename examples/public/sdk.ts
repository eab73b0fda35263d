/**
 * The PG SDKs the pages load with a plain <script> (the sandbox serves copies with the official signatures), typed
 * with the official typings: `iamport-typings` (which has no loadUI: its two functions come from PortOne's PayPal RT
 * guide) and `@tosspayments/tosspayments-sdk`.
 */
import type Iamport from 'iamport-typings';
import type { RequestPayParams, RequestPayResponse } from 'iamport-typings';
import type { TossPaymentsPayment, TossPaymentsSDK } from '@tosspayments/tosspayments-sdk';

/** The loadUI request: request_pay's parameters plus customer_id and bypass (PortOne's PayPal RT guide). */
export type LoadUIRequest = RequestPayParams & { customer_id?: string; bypass?: unknown };

export interface IamportWithLoadUI extends Iamport {
  loadUI(uiType: 'paypal-rt', request: LoadUIRequest, callback: (response: RequestPayResponse) => void): void;
  updateLoadUIRequest(uiType: 'paypal-rt', request: LoadUIRequest): void;
}

/** What requestPayment takes for foreign easy pay (its redirect overload) and what requestBillingAuth takes. */
export type ForeignEasyPayRequest = Parameters<TossPaymentsPayment['requestPayment']>[0];
export type BillingAuthRequest = Parameters<TossPaymentsPayment['requestBillingAuth']>[0];

export function IMP(): IamportWithLoadUI {
  const imp = (window as unknown as { IMP?: IamportWithLoadUI }).IMP;
  if (!imp) throw new Error('iamport.js did not load');
  return imp;
}

type TossPaymentsFactory = ((clientKey: string) => TossPaymentsSDK) & { ANONYMOUS: string };

export function TossPayments(): TossPaymentsFactory {
  const factory = (window as unknown as { TossPayments?: TossPaymentsFactory }).TossPayments;
  if (!factory) throw new Error('the Toss Payments SDK did not load');
  return factory;
}
