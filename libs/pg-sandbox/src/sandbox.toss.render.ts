import { sandboxTossKeys } from './sandbox.credentials';
import { toMajor, tossTime } from './sandbox.format';
import {
  TOSS_FOREIGN_EASY_PAY_METHOD,
  TOSS_PAYPAL_PROVIDER,
  USD,
  type CancelRecord,
  type Obj,
  type PaymentRecord,
} from './sandbox.toss.model';

/** A Toss Cancel object. */
export function renderTossCancel(c: CancelRecord): Obj {
  return {
    transactionKey: c.transactionKey,
    cancelReason: c.reason,
    taxExemptionAmount: 0,
    canceledAt: tossTime(c.canceledAtMs),
    easyPayDiscountAmount: 0,
    receiptKey: null,
    cancelAmount: toMajor(c.amountMinor, USD),
    taxFreeAmount: 0,
    refundableAmount: toMajor(c.refundableMinor, USD),
    cancelStatus: c.status,
    cancelRequestId: c.cancelRequestId,
  };
}

/** The Payment object (field list of pg-api-reference.md and the Toss `Payment` schema). */
export function renderTossPayment(p: PaymentRecord, version: string): Obj {
  const done = p.approvedAtMs !== null;
  return {
    mId: sandboxTossKeys(p.account).mId,
    lastTransactionKey: p.lastTransactionKey,
    paymentKey: p.paymentKey,
    orderId: p.orderId,
    orderName: p.orderName,
    taxExemptionAmount: 0,
    status: p.status,
    requestedAt: tossTime(p.requestedAtMs),
    approvedAt: done ? tossTime(p.approvedAtMs!) : null,
    useEscrow: false,
    cultureExpense: false,
    card: null,
    virtualAccount: null,
    transfer: null,
    mobilePhone: null,
    giftCertificate: null,
    cashReceipt: null,
    cashReceipts: null,
    discount: null,
    cancels: p.cancels.length ? p.cancels.map((c) => renderTossCancel(c)) : null,
    secret: null,
    type: 'NORMAL',
    easyPay: { provider: TOSS_PAYPAL_PROVIDER, amount: 0, discountAmount: 0 },
    foreignEasyPay: { provider: 'PAYPAL', country: p.country },
    country: p.country,
    failure: p.failure,
    isPartialCancelable: true,
    receipt: done ? { url: `https://sandbox.invalid/toss/receipt/${p.paymentKey}` } : null,
    checkout: { url: `https://sandbox.invalid/toss/checkout/${p.paymentKey}` },
    currency: 'USD',
    totalAmount: toMajor(p.totalMinor, USD),
    balanceAmount: toMajor(p.balanceMinor, USD),
    suppliedAmount: toMajor(p.balanceMinor, USD),
    vat: 0,
    taxFreeAmount: 0,
    method: TOSS_FOREIGN_EASY_PAY_METHOD,
    version,
    metadata: null,
  };
}
