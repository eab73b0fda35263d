import { toMinor } from './sandbox.format';
import type { PgAnswer } from './sandbox.http';
import { httpUrl, invalid, isObj, ORDER_ID, OUTCOMES, USD, type Obj } from './sandbox.toss.model';

/** A buyer checkout (`requestPayment`) that passed the checks. */
export interface TossBuyerRequest {
  outcome: string;
  minor: number;
  orderId: string;
  orderName: string;
  successUrl: URL;
  failUrl: URL;
  country: string;
  stc: Record<string, string> | null;
}

/** Checks a buyer checkout body, pure; a failure is the INVALID_REQUEST answer the checkout gets. */
export function parseTossBuyerRequest(body: Obj): TossBuyerRequest | { bad: PgAnswer } {
  const bad = (message: string): { bad: PgAnswer } => ({ bad: invalid(message) });
  const r = body.paymentRequest;
  const buyer = body.buyer === undefined ? {} : body.buyer;
  if (!isObj(r)) return bad('paymentRequest must be an object');
  if (!isObj(buyer)) return bad('buyer must be an object');
  const outcome = buyer.outcome ?? 'approve';
  if (typeof outcome !== 'string' || !(OUTCOMES as readonly string[]).includes(outcome)) {
    return bad(`buyer.outcome must be one of ${OUTCOMES.join(', ')}`);
  }
  if (r.method !== 'FOREIGN_EASY_PAY') return bad('method must be FOREIGN_EASY_PAY');
  const amount = r.amount;
  if (!isObj(amount)) return bad('amount must be { currency, value }');
  if (amount.currency !== 'USD') return bad('foreign easy pay supports amount.currency USD only');
  const minor = toMinor(amount.value as number, USD);
  if (minor === undefined) return bad('amount.value must be a positive USD amount with at most 2 decimals');
  if (typeof r.orderId !== 'string' || !ORDER_ID.test(r.orderId))
    return bad('orderId must be 6-64 characters of [A-Za-z0-9_=-]');
  if (typeof r.orderName !== 'string' || r.orderName.length === 0 || r.orderName.length > 100) {
    return bad('orderName must be 1-100 characters');
  }
  const successUrl = httpUrl(r.successUrl);
  const failUrl = httpUrl(r.failUrl);
  if (!successUrl || !failUrl) return bad('successUrl and failUrl must be absolute http(s) URLs');
  const fep = r.foreignEasyPay;
  if (!isObj(fep) || fep.provider !== 'PAYPAL') return bad('foreignEasyPay.provider must be PAYPAL');
  if (typeof fep.country !== 'string' || !/^[A-Z]{2}$/.test(fep.country)) {
    return bad('foreignEasyPay.country must be an ISO 3166-1 alpha-2 code');
  }
  // PayPal STC is read from `foreignEasyPay.paymentMethodOptions.paypal.setTransactionContext` only: that is where
  // the official SDK typings put it (@tosspayments/tosspayments-sdk types/index.d.ts, ForeignEasyPayPaymentRequest).
  // `PaymentRequest` has no top-level paymentMethodOptions, so one there is ignored, as the SDK would never pass it on.
  let stc: Record<string, string> | null = null;
  const pmo = fep.paymentMethodOptions;
  // The typings make each level optional and nullable (`paymentMethodOptions?`, `paypal?`, `setTransactionContext?`).
  if (pmo !== undefined && pmo !== null && !isObj(pmo))
    return bad('foreignEasyPay.paymentMethodOptions must be an object');
  const paypal = isObj(pmo) ? pmo.paypal : undefined;
  if (paypal !== undefined && paypal !== null && !isObj(paypal))
    return bad('foreignEasyPay.paymentMethodOptions.paypal must be an object');
  const ctxObj = isObj(paypal) ? paypal.setTransactionContext : undefined;
  if (ctxObj !== undefined && ctxObj !== null) {
    // Declared `unknown` in the typings; the digest (and PayPal's STC table) make it a flat object of strings, the
    // same keys as PortOne's additional_data.
    if (!isObj(ctxObj) || Object.values(ctxObj).some((v) => typeof v !== 'string')) {
      return bad('foreignEasyPay.paymentMethodOptions.paypal.setTransactionContext must be a flat object of strings');
    }
    stc = ctxObj as Record<string, string>;
  }
  return { outcome, minor, orderId: r.orderId, orderName: r.orderName, successUrl, failUrl, country: fep.country, stc };
}
