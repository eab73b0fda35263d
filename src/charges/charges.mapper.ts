import type { ChargeCancel } from './charge-cancel.entity';
import type { Charge } from './charge.entity';
import type { ChargeCancelView, ChargeView } from './dto/charge.dto';

type ChargeDefaults = Pick<
  Charge,
  | 'gatewayPaymentId'
  | 'failureCode'
  | 'failureMessage'
  | 'declineKind'
  | 'resendable'
  | 'refundedAmount'
  | 'refundReserved'
  | 'leaseVersion'
  | 'lookupAttempts'
  | 'nextLookupAt'
  | 'review'
  | 'reviewReason'
  | 'settledAt'
>;

/**
 * A new charge row: the defaults, overridden by `fields`. The spread is last on purpose: V8 (Node 20) defines every
 * property that follows a spread in an object literal on a slow path, so a billing intent written as
 * `{ ...defaults, …18 fields }` costs many times this form. The same holds for every hot literal here.
 */
export function newCharge(fields: Omit<Charge, keyof ChargeDefaults> & Partial<ChargeDefaults>): Charge {
  return {
    gatewayPaymentId: null,
    failureCode: null,
    failureMessage: null,
    declineKind: null,
    resendable: false,
    refundedAmount: 0,
    refundReserved: 0,
    leaseVersion: 0,
    lookupAttempts: 0,
    nextLookupAt: null,
    review: false,
    reviewReason: null,
    settledAt: null,
    ...fields,
  };
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);

export function toChargeView(c: Charge): ChargeView {
  return {
    id: c.id,
    kind: c.kind,
    subscriptionId: c.subscriptionId ?? undefined,
    cycle: c.cycle ?? undefined,
    attempt: c.attempt,
    merchantUid: c.merchantUid,
    amount: c.amount,
    currency: c.currency,
    refundedAmount: c.refundedAmount,
    status: c.status,
    gatewayPaymentId: c.gatewayPaymentId ?? undefined,
    failureCode: c.failureCode ?? undefined,
    failureMessage: c.failureMessage ?? undefined,
    review: c.review,
    reviewReason: c.reviewReason ?? undefined,
    createdAt: new Date(c.createdAt).toISOString(),
    settledAt: iso(c.settledAt),
  };
}

export function toCancelView(c: ChargeCancel): ChargeCancelView {
  return {
    id: c.id,
    amount: c.amount,
    currency: c.currency,
    reason: c.reason,
    status: c.status,
    failureCode: c.failureCode ?? undefined,
    review: c.review,
    external: c.external ?? false,
    createdAt: new Date(c.createdAt).toISOString(),
    settledAt: iso(c.settledAt),
  };
}
