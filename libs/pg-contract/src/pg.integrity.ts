import { assertMoney, isMoney, type Money } from './pg.money';
import type { LookupOutcome, MismatchOutcome, PaymentOutcome } from './pg.outcomes';

/** Optional checks of {@link checkIntegrity} beyond amount and currency. */
export interface IntegrityOptions {
  /** Our reference: a SUCCEEDED/PENDING report under another reference is a mismatch too. */
  readonly reference?: string;
}

/**
 * Compares what the PG reports with what we asked for. A SUCCEEDED or PENDING outcome whose currency, amount or
 * reference differs from the expectation (or whose amount is not a valid {@link Money}) becomes a `MISMATCH`, which is
 * never a success. Every other outcome passes through unchanged. Pure; every adapter runs it on what it returns from
 * `confirm`, `chargeBillingKey`, `retrieve` and `retrieveByReference`, and the core may run it again.
 *
 * @param expected what we asked for (must itself be valid money: a programming error throws).
 * @param outcome what the adapter made of the PG's answer.
 */
export function checkIntegrity<O extends LookupOutcome>(
  expected: Money,
  outcome: O,
  options?: IntegrityOptions,
): O | MismatchOutcome;
export function checkIntegrity(expected: Money, outcome: LookupOutcome, options: IntegrityOptions = {}): LookupOutcome {
  assertMoney(expected);
  if (outcome.status !== 'SUCCEEDED' && outcome.status !== 'PENDING') return outcome;
  const base = {
    status: 'MISMATCH' as const,
    expected,
    gatewayPaymentId: outcome.gatewayPaymentId,
    rawStatus: outcome.rawStatus,
    reportedStatus: outcome.status,
    ...(options.reference !== undefined
      ? { expectedReference: options.reference, reportedReference: outcome.reference }
      : {}),
  };
  const reported = outcome.amount;
  if (!isMoney(reported)) return { ...base, field: 'unreadable_amount', reported: null };
  if (reported.currency !== expected.currency) return { ...base, field: 'currency', reported };
  if (reported.amount !== expected.amount) return { ...base, field: 'amount', reported };
  if (options.reference !== undefined && outcome.reference !== options.reference)
    return { ...base, field: 'reference', reported };
  if (outcome.status === 'SUCCEEDED') {
    // A refunded total in another currency or above the charge cannot be true: do not report it as a success.
    const r = outcome.refunded;
    if (!isMoney(r) || r.currency !== expected.currency || r.amount > reported.amount) {
      return { ...base, field: 'unreadable_amount', reported };
    }
  }
  return outcome;
}

/** True when the outcome is a MISMATCH. */
export function isMismatch(outcome: PaymentOutcome | LookupOutcome): outcome is MismatchOutcome {
  return outcome.status === 'MISMATCH';
}
