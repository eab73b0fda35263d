import type { LookupOutcome, PaymentOutcome } from '@app/pg-contract';
import type { ChargeEffect } from '../subscriptions/subscription.transitions';
import type { Charge, ChargeStatus } from './charge.entity';

// Defined beside the subscription transitions that consume it, so subscriptions never import charges.
export type { ChargeEffect };

/** The columns a result changes on a charge. */
export type ChargePatch = Partial<
  Pick<
    Charge,
    | 'status'
    | 'gatewayPaymentId'
    | 'failureCode'
    | 'failureMessage'
    | 'declineKind'
    | 'resendable'
    | 'refundedAmount'
    | 'lookupAttempts'
    | 'nextLookupAt'
    | 'review'
    | 'reviewReason'
    | 'settledAt'
    | 'updatedAt'
  >
>;

export interface ChargeResult {
  patch: ChargePatch;
  effect: ChargeEffect;
}

/** PortOne merchant_uid limit: every reference we mint must fit. */
export const MERCHANT_UID_MAX = 40;

/** The deterministic reference of (subscription, cycle, attempt): the same intent always gets the same merchant_uid. */
export function recurringMerchantUid(subscriptionId: string, cycle: number, attempt: number): string {
  const uid = `${subscriptionId}-c${cycle}-a${attempt}`;
  if (uid.length > MERCHANT_UID_MAX) throw new RangeError(`merchant_uid ${uid} is longer than ${MERCHANT_UID_MAX}`);
  return uid;
}

/** The status a succeeded payment shows once refunds are counted. */
export function paidStatus(amount: number, refunded: number): ChargeStatus {
  if (refunded <= 0) return 'succeeded';
  return refunded >= amount ? 'canceled' : 'partially_canceled';
}

const truncate = (s: string | undefined, n: number) => (s ?? '').slice(0, n);

/** NOT_SENT codes that will be refused again for this key (pg-contract preflightAmount), so final. */
const FINAL_NOT_SENT_CODES: ReadonlySet<string> = new Set(['CURRENCY_NOT_SUPPORTED']);

/**
 * Maps an adapter outcome (of a send or a look-up) onto the charge. Pure. A NOT_FOUND look-up is decided by the
 * caller (it means different things after a crash and after a timeout), so it is not accepted here.
 * - SUCCEEDED: paid (refunds as the PG reports them). - PENDING / UNKNOWN: looked up on the backoff schedule, never
 *   re-sent. - DECLINED: failed, with its kind. - NOT_SENT: retryable ones keep the intent for a re-send with the
 *   same merchant_uid; the others fail, hard only for a refused currency (soft otherwise). - MISMATCH: never
 *   fulfilled; flagged for review.
 */
export function chargeResultOf(
  outcome: Exclude<PaymentOutcome | LookupOutcome, { status: 'NOT_FOUND' }>,
  charge: Pick<Charge, 'amount' | 'lookupAttempts' | 'gatewayPaymentId'>,
  now: Date,
  backoffMs: readonly number[],
  opts: { fromLookup?: boolean } = {},
): ChargeResult {
  switch (outcome.status) {
    case 'SUCCEEDED':
      return {
        effect: 'succeeded',
        patch: {
          updatedAt: now,
          status: paidStatus(charge.amount, outcome.refunded.amount),
          gatewayPaymentId: outcome.gatewayPaymentId,
          refundedAmount: outcome.refunded.amount,
          failureCode: null,
          failureMessage: null,
          resendable: false,
          nextLookupAt: null,
          settledAt: now,
        },
      };
    case 'DECLINED':
      return {
        effect: outcome.kind === 'hard' ? 'hard_decline' : 'soft_decline',
        patch: {
          updatedAt: now,
          status: 'failed',
          gatewayPaymentId: outcome.gatewayPaymentId ?? charge.gatewayPaymentId,
          failureCode: truncate(outcome.code, 64),
          failureMessage: truncate(outcome.message, 500),
          declineKind: outcome.kind,
          resendable: false,
          nextLookupAt: null,
          settledAt: now,
        },
      };
    case 'NOT_SENT':
      if (outcome.retryable) {
        // Certainly never sent: nothing to look up; the scheduler re-sends it.
        return {
          effect: 'resend',
          patch: {
            updatedAt: now,
            status: 'sending',
            resendable: true,
            nextLookupAt: null,
            failureCode: truncate(outcome.code, 64),
            failureMessage: truncate(outcome.message, 500),
          },
        };
      }
      {
        // Refused before it reached the buyer's funding: only a currency the PG refuses is final for the key. Anything
        // else (our keys refused, an input bug) is no reason to cancel a customer, so it goes through dunning.
        const kind = FINAL_NOT_SENT_CODES.has(outcome.code) ? 'hard' : 'soft';
        return {
          effect: kind === 'hard' ? 'hard_decline' : 'soft_decline',
          patch: {
            updatedAt: now,
            status: 'failed',
            failureCode: truncate(outcome.code, 64),
            failureMessage: truncate(outcome.message, 500),
            declineKind: kind,
            resendable: false,
            settledAt: now,
          },
        };
      }
    case 'PENDING':
    case 'UNKNOWN': {
      const attempts = opts.fromLookup ? charge.lookupAttempts + 1 : 0;
      const exhausted = attempts >= backoffMs.length;
      const gatewayPaymentId = outcome.gatewayPaymentId ?? charge.gatewayPaymentId;
      return {
        effect: 'blocked',
        patch: {
          updatedAt: now,
          status: outcome.status === 'PENDING' ? 'pending' : 'unknown',
          gatewayPaymentId: gatewayPaymentId ?? null,
          resendable: false,
          lookupAttempts: attempts,
          nextLookupAt: exhausted ? null : new Date(now.getTime() + backoffMs[attempts]),
          ...(exhausted
            ? {
                review: true,
                reviewReason: outcome.status === 'PENDING' ? 'PENDING_AFTER_LAST_LOOKUP' : 'UNKNOWN_AFTER_LAST_LOOKUP',
              }
            : {}),
          ...(outcome.status === 'UNKNOWN'
            ? {
                failureCode: truncate(outcome.code ?? outcome.reason.toUpperCase(), 64),
                failureMessage: truncate(outcome.message, 500),
              }
            : {}),
        },
      };
    }
    case 'MISMATCH':
      return {
        effect: 'blocked',
        patch: {
          updatedAt: now,
          status: 'unknown',
          gatewayPaymentId: outcome.gatewayPaymentId,
          failureCode: 'PG_REPORT_MISMATCH',
          failureMessage: `the PG reports another ${outcome.field} than was charged`,
          nextLookupAt: null,
          review: true,
          reviewReason: `MISMATCH_${outcome.field.toUpperCase()}`,
        },
      };
  }
}
