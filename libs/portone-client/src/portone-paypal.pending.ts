import type { PortonePayment } from './portone.types';

/** What `extension` says about a PayPal payment that PortOne reports as not paid. */
export interface PaypalPendingInfo {
  /** True when PayPal still holds the payment as pending: it may yet become `paid`. */
  readonly pending: boolean;
  /** PayPal's `PendingReason` (`echeck`, `paymentreview`, `intl`, `multi-currency`, `verify`, …), when given. */
  readonly reason?: string;
}

const NOT_PENDING: PaypalPendingInfo = { pending: false };

/**
 * Recognises PortOne V1's pending-as-failed PayPal payment: `status` is `failed` (or still `ready`) while the
 * payment's `extension` — present only when fetched with `?extension=true` — shows PayPal's `PaymentStatus: Pending`.
 * Such a payment becomes `paid` or stays failed later (a webhook announces the flip), so it must be treated as
 * pending: never as a decline to retry, which would charge twice.
 *
 * The exact `extension` layout is not documented, so keys are matched without regard to case or `_`, at the top level
 * or under `paypal_v2` / `paypal`. A `PaymentStatus` of Pending counts even without a `PendingReason`: erring toward
 * pending costs a later look-up, erring toward declined can cost a double charge.
 */
export function paypalPendingInfo(payment: Pick<PortonePayment, 'status' | 'extension'>): PaypalPendingInfo {
  if (payment.status !== 'failed' && payment.status !== 'ready') return NOT_PENDING;
  const extension = payment.extension;
  if (!isRecord(extension)) return NOT_PENDING;
  for (const scope of [extension, extension.paypal_v2, extension.paypal]) {
    if (!isRecord(scope)) continue;
    const status = lookup(scope, 'paymentstatus');
    if (typeof status !== 'string') continue;
    if (status.trim().toLowerCase() !== 'pending') return NOT_PENDING;
    const reason = lookup(scope, 'pendingreason');
    return typeof reason === 'string' && reason.trim() !== ''
      ? { pending: true, reason: reason.trim() }
      : { pending: true };
  }
  return NOT_PENDING;
}

/** True for a PayPal payment PortOne reports as failed (or ready) while PayPal still holds it pending. */
export function isPaypalPending(payment: Pick<PortonePayment, 'status' | 'extension'>): boolean {
  return paypalPendingInfo(payment).pending;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lookup(record: Record<string, unknown>, normalisedKey: string): unknown {
  for (const [key, value] of Object.entries(record)) {
    if (key.replace(/_/g, '').toLowerCase() === normalisedKey) return value;
  }
  return undefined;
}
