import type { Money } from './pg.money';

/**
 * Outcomes with certainty, after Kill Bill's payment plugin statuses. Every adapter method answers with one of these
 * values; a decline, a timeout or a PG error is never thrown. The distinction that matters most:
 * - `NOT_SENT`: the request certainly never reached the PG (or the PG certainly did nothing with it). Re-sending the
 *   same request is safe.
 * - `UNKNOWN`: it may or may not have happened (timeout, connection lost after sending, 5xx, an answer we cannot
 *   read, a status we have no mapping for). It must be looked up (`retrieveByReference`) before anything is re-sent.
 */

/** Extra PG facts worth keeping on a record (receipt URL, PG transaction id); flat and free of secrets and PII. */
export type OutcomeExtra = Readonly<Record<string, string | number | boolean | null>>;

/** The PG approved the payment. `refunded` is what has been cancelled since (zero on a fresh charge). */
export interface SucceededOutcome {
  /** Discriminant. */
  readonly status: 'SUCCEEDED';
  /** The PG's id of the payment (PortOne imp_uid, Toss paymentKey): the key for retrieve and cancel. */
  readonly gatewayPaymentId: string;
  /** Our reference as the PG reports it (PortOne merchant_uid, Toss orderId). */
  readonly reference: string;
  /** The amount and currency the PG reports it charged: compare with what was asked ({@link checkIntegrity}). */
  readonly amount: Money;
  /** The amount cancelled so far as the PG reports it (same currency; equal to `amount` when fully cancelled). */
  readonly refunded: Money;
  /** The PG's own status string, verbatim (`paid`, `DONE`, `cancelled`...). */
  readonly rawStatus: string;
  /** When the PG approved it, ISO 8601 UTC, when it says. */
  readonly approvedAt?: string;
  /** PG-specific facts (receipt URL, PG transaction id). */
  readonly extra?: OutcomeExtra;
}

/** The PG accepted the payment but has not decided (PayPal pending review, e-check...). Settles later: look it up or wait for a webhook; never re-send. */
export interface PendingOutcome {
  /** Discriminant. */
  readonly status: 'PENDING';
  /** The PG's id of the payment. */
  readonly gatewayPaymentId: string;
  /** Our reference as the PG reports it. */
  readonly reference: string;
  /** The amount and currency the PG reports (compared by {@link checkIntegrity} too). */
  readonly amount: Money;
  /** The PG's own status string, verbatim. */
  readonly rawStatus: string;
  /** Why it is pending, as the PG says (PayPal `PendingReason`), when it says. */
  readonly reason?: string;
  /** PG-specific facts. */
  readonly extra?: OutcomeExtra;
}

/**
 * Whether a declined payment may succeed later with the same payment method (`soft`: insufficient funds, provider
 * hiccup; dunning may retry) or must not be retried with it (`hard`: revoked billing key, refused account).
 */
export type DeclineKind = 'hard' | 'soft';

/** The PG (or the buyer's payment source) refused. Final for this attempt; nothing was charged. */
export interface DeclinedOutcome {
  /** Discriminant. */
  readonly status: 'DECLINED';
  /** See {@link DeclineKind}. */
  readonly kind: DeclineKind;
  /** The PG's decline or error code, verbatim (`REJECT_CARD_COMPANY`, a PayPal code...). */
  readonly code: string;
  /** The PG's message (may be Korean); safe to log, not necessarily to show a buyer. */
  readonly message: string;
  /** The PG's id of the failed payment, when it created one. */
  readonly gatewayPaymentId?: string;
  /** Our reference, when the PG reports it. */
  readonly reference?: string;
  /** The PG's status string, when there was a payment object. */
  readonly rawStatus?: string;
  /** PG-specific facts. */
  readonly extra?: OutcomeExtra;
}

/** Why a request never reached the PG. */
export type NotSentReason =
  /** We refused it before sending: a currency or amount the gateway cannot take, a malformed input. */
  | 'invalid_request'
  /** The connection could not be opened (refused, DNS), so nothing was written. */
  | 'connection'
  /** The PG answered that it did not process the request (auth failure, rate limit, "request in progress"). */
  | 'refused_by_pg';

/** The request certainly never took effect at the PG. Re-sending the same request is safe; `retryable` says whether it is useful. */
export interface NotSentOutcome {
  /** Discriminant. */
  readonly status: 'NOT_SENT';
  /** See {@link NotSentReason}. */
  readonly reason: NotSentReason;
  /** True when the same request may succeed if re-sent later (connection refused, token expired); false for a request that will be refused again (unsupported currency). */
  readonly retryable: boolean;
  /** A stable code (`CURRENCY_NOT_SUPPORTED`, `UNAUTHORIZED`, the PG's code...). */
  readonly code: string;
  /** What happened, without secrets. */
  readonly message: string;
}

/** Why the result is unknown. */
export type UnknownReason =
  /** No answer in time: the PG may have done the work. */
  | 'timeout'
  /** The connection broke after the request was (possibly) written. */
  | 'connection'
  /** HTTP 5xx: the PG may have failed before or after doing the work. */
  | 'server_error'
  /** An answer we could not read (bad JSON, missing fields, an amount we cannot parse). */
  | 'unreadable_response'
  /** A PG status no mapping table knows: never taken as success or failure. */
  | 'unmapped_status';

/** It may or may not have happened. Look it up by reference before anything else; never re-send blindly. */
export interface UnknownOutcome {
  /** Discriminant. */
  readonly status: 'UNKNOWN';
  /** See {@link UnknownReason}. */
  readonly reason: UnknownReason;
  /** What happened, without secrets. */
  readonly message: string;
  /** The PG's code, when it answered with one. */
  readonly code?: string;
  /** The HTTP status, when there was an answer. */
  readonly httpStatus?: number;
  /** The PG's id, when known (an unmapped status on a payment we could read). */
  readonly gatewayPaymentId?: string;
  /** The unmapped PG status, verbatim. */
  readonly rawStatus?: string;
}

/** What about the PG's report differs from what we asked for. */
export type MismatchField = 'amount' | 'currency' | 'reference' | 'unreadable_amount';

/**
 * The PG reports a payment whose amount, currency or reference differs from what we asked for (a tampered checkout,
 * a wrong lookup, an adapter bug). Never a success: the core must not fulfil it, and should cancel and alert.
 * Produced by {@link checkIntegrity}.
 */
export interface MismatchOutcome {
  /** Discriminant. */
  readonly status: 'MISMATCH';
  /** The first difference found. */
  readonly field: MismatchField;
  /** What we asked for. */
  readonly expected: Money;
  /** What the PG reports (null when its amount could not be read). */
  readonly reported: Money | null;
  /** Our reference, when one was expected. */
  readonly expectedReference?: string;
  /** The reference the PG reports. */
  readonly reportedReference?: string;
  /** The PG's id of the payment (to cancel it). */
  readonly gatewayPaymentId: string;
  /** The PG's status string. */
  readonly rawStatus: string;
  /** What the PG's report would have meant: a SUCCEEDED mismatch holds money that must be returned. */
  readonly reportedStatus: 'SUCCEEDED' | 'PENDING';
}

/** The PG has no payment for what we looked up. Right after an UNKNOWN this may be lag: the core decides when "not found" means "never happened". */
export interface NotFoundOutcome {
  /** Discriminant. */
  readonly status: 'NOT_FOUND';
  /** The PG's code, when it answered with one. */
  readonly code?: string;
  /** What the PG said. */
  readonly message: string;
}

/** The answer of `confirm` and `chargeBillingKey`. */
export type PaymentOutcome =
  SucceededOutcome | PendingOutcome | DeclinedOutcome | NotSentOutcome | UnknownOutcome | MismatchOutcome;

/** The answer of `retrieve` and `retrieveByReference`: a payment outcome, or nothing found. */
export type LookupOutcome = PaymentOutcome | NotFoundOutcome;

/** A cancel the PG has done: `refunded` is what this cancel returned, `totalRefunded` the payment's total so far. */
export interface CancelSucceededOutcome {
  /** Discriminant. */
  readonly status: 'SUCCEEDED';
  /** Refunded by this cancel. */
  readonly refunded: Money;
  /** Refunded on the payment so far, this cancel included. */
  readonly totalRefunded: Money;
  /** What is still refundable on the payment. */
  readonly remaining: Money;
  /** The PG's id of this cancel (PortOne cancellation_id, Toss transactionKey), when it gives one. */
  readonly gatewayCancelId?: string;
  /** The payment's PG status after the cancel, verbatim. */
  readonly rawStatus: string;
}

/** The PG took the cancel but has not approved it (PayPal, Toss foreign easy pay): report it as pending, never as done. */
export interface CancelPendingOutcome {
  /** Discriminant. */
  readonly status: 'PENDING';
  /** What this cancel asks to return. */
  readonly requested: Money;
  /** The PG's id of this cancel, when it gives one. */
  readonly gatewayCancelId?: string;
  /** The payment's (or the cancel's) PG status, verbatim. */
  readonly rawStatus: string;
}

/**
 * The PG refused the request and nothing changed: a cancel (already cancelled, amount over the balance, balance
 * checksum differs: nothing refunded) or a billing-key deletion.
 */
export interface CancelDeclinedOutcome {
  /** Discriminant. */
  readonly status: 'DECLINED';
  /** The PG's code. */
  readonly code: string;
  /** The PG's message. */
  readonly message: string;
}

/** The answer of `cancel`. UNKNOWN: look the payment up (its refunded total) before re-sending. */
export type CancelOutcome =
  CancelSucceededOutcome | CancelPendingOutcome | CancelDeclinedOutcome | NotSentOutcome | UnknownOutcome;

/** The billing key can be charged. */
export interface BillingKeyActiveOutcome {
  /** Discriminant. */
  readonly status: 'ACTIVE';
  /** The id we minted and sent at issuance (PortOne customer_uid, Toss customerKey). */
  readonly billingKey: string;
  /** The PG's own key when the PG mints it (Toss `billingKey`); absent: the id we minted is the PG's key (PortOne). */
  readonly gatewayBillingKey?: string;
  /** The PG's id of the issuance transaction, when there is one. */
  readonly gatewayPaymentId?: string;
  /** The PG's status string, verbatim. */
  readonly rawStatus: string;
  /** PG-specific facts. */
  readonly extra?: OutcomeExtra;
}

/** The issuance has not finished (the buyer has not completed the window, or PayPal holds it pending). Look again later. */
export interface BillingKeyPendingOutcome {
  /** Discriminant. */
  readonly status: 'PENDING';
  /** The billing key as the PG knows it. */
  readonly billingKey: string;
  /** The PG's id of the issuance transaction. */
  readonly gatewayPaymentId?: string;
  /** The PG's status string, verbatim. */
  readonly rawStatus: string;
  /** Why, when the PG says. */
  readonly reason?: string;
}

/** No billing key came out of it (buyer cancelled, PayPal refused, the pointer did not match this issuance). */
export interface BillingKeyFailedOutcome {
  /** Discriminant. */
  readonly status: 'FAILED';
  /** The PG's code, or ours (`REFERENCE_MISMATCH`, `BUYER_CANCELED`). */
  readonly code: string;
  /** What happened. */
  readonly message: string;
  /** The PG's id of the issuance transaction, when there is one. */
  readonly gatewayPaymentId?: string;
  /** The PG's status string, when there was one. */
  readonly rawStatus?: string;
}

/** The answer of `completeBillingKey`. */
export type BillingKeyOutcome =
  BillingKeyActiveOutcome | BillingKeyPendingOutcome | BillingKeyFailedOutcome | NotSentOutcome | UnknownOutcome;

/** The key can no longer be charged. `alreadyAbsent`: the PG did not know it (deleted before): still a success. */
export interface BillingKeyDeletedOutcome {
  /** Discriminant. */
  readonly status: 'DELETED';
  /** True when the PG had no such key: deletion is idempotent. */
  readonly alreadyAbsent: boolean;
}

/** The answer of `deleteBillingKey`. */
export type DeleteBillingKeyOutcome =
  BillingKeyDeletedOutcome | CancelDeclinedOutcome | NotSentOutcome | UnknownOutcome;

/** The status of any outcome. */
export type OutcomeStatus = (
  PaymentOutcome | LookupOutcome | CancelOutcome | BillingKeyOutcome | DeleteBillingKeyOutcome
)['status'];

/**
 * How sure we are about an outcome:
 * - `final`: the PG decided (succeeded, declined, mismatch, deleted, active, failed, not found);
 * - `pending`: the PG will decide later;
 * - `not_sent`: nothing happened, re-sending is safe;
 * - `unknown`: look it up first.
 */
export type Certainty = 'final' | 'pending' | 'not_sent' | 'unknown';

/** The {@link Certainty} of an outcome. */
export function certaintyOf(outcome: { readonly status: OutcomeStatus }): Certainty {
  switch (outcome.status) {
    case 'PENDING':
      return 'pending';
    case 'NOT_SENT':
      return 'not_sent';
    case 'UNKNOWN':
      return 'unknown';
    default:
      return 'final';
  }
}

/** True only for NOT_SENT: the one outcome after which the same request may be sent again without a lookup. */
export function isSafeToResend(outcome: { readonly status: OutcomeStatus }): boolean {
  return outcome.status === 'NOT_SENT';
}

/** True for UNKNOWN: the result must be looked up (by reference) before anything is re-sent. */
export function needsLookup(outcome: { readonly status: OutcomeStatus }): boolean {
  return outcome.status === 'UNKNOWN';
}

/** How much of a succeeded payment has been cancelled. */
export function refundStateOf(outcome: SucceededOutcome): 'none' | 'partial' | 'full' {
  if (outcome.refunded.amount <= 0) return 'none';
  return outcome.refunded.amount >= outcome.amount.amount ? 'full' : 'partial';
}

/** A NOT_SENT outcome. */
export function notSent(reason: NotSentReason, code: string, message: string, retryable: boolean): NotSentOutcome {
  return { status: 'NOT_SENT', reason, code, message, retryable };
}

/** An UNKNOWN outcome. */
export function unknownOutcome(
  reason: UnknownReason,
  message: string,
  details: Omit<UnknownOutcome, 'status' | 'reason' | 'message'> = {},
): UnknownOutcome {
  return { status: 'UNKNOWN', reason, message, ...details };
}
