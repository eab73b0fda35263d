import type { Money } from './pg.money';
import type { LookupOutcome } from './pg.outcomes';

/** Which payment to inspect: the PG's id, or our reference. */
export type PaymentPointer = { readonly gatewayPaymentId: string } | { readonly reference: string };

/** One cancel of a payment as the PG lists it. */
export interface GatewayCancelView {
  /** The PG's id of the cancel (Toss transactionKey). */
  readonly gatewayCancelId: string;
  /** How much it returns. */
  readonly amount: Money;
  /** SUCCEEDED = done, PENDING = in progress, DECLINED = aborted. */
  readonly state: 'SUCCEEDED' | 'PENDING' | 'DECLINED';
  /** The PG's own status word, for records and claims. */
  readonly rawStatus: string;
}

/** The answer of `inspect`: the payment checked against what we expect, with its cancels (empty when unreadable). */
export interface PaymentInspection {
  readonly outcome: LookupOutcome;
  readonly cancels: readonly GatewayCancelView[];
}

/** The answer of `checkReturn`. */
export type ReturnCheck =
  | { readonly ok: true; readonly gatewayPaymentId: string }
  | { readonly ok: false; readonly problem: 'pointer_invalid' | 'mismatch'; readonly code: string };

/** Which step of a one-time payment a PG refusal came from. */
export type OneTimeFlow = 'confirm' | 'fail_redirect' | 'cancel';

/**
 * The errors of the one-time payments API, by kind. The code a client sees is `<prefix>_<kind>`, the prefix being
 * the descriptor's `errorCodePrefix` (v1 Toss: `TOSS_AMOUNT_MISMATCH`), `ORDER` by default.
 */
export const ONE_TIME_ERROR_KINDS = [
  'AMOUNT_MISMATCH',
  'REDIRECT_INVALID',
  'PAYMENT_SESSION_EXPIRED',
  'PAYMENT_REJECTED',
  'PAYMENT_DECLINED',
  'PROVIDER_ERROR',
  'GATEWAY_MISCONFIGURED',
  'GATEWAY_REQUEST_INVALID',
  'GATEWAY_UNAVAILABLE',
  'ORDER_ALREADY_PAID',
  'PAYMENT_NOT_FOUND',
  'CONFIRM_IN_PROGRESS',
  'ORDER_NOT_CANCELABLE',
  'REFUND_EXCEEDS_BALANCE',
  'CANCEL_REFUSED',
  'WEBHOOK_RETRY',
] as const;

/** See {@link ONE_TIME_ERROR_KINDS}. */
export type OneTimeErrorKind = (typeof ONE_TIME_ERROR_KINDS)[number];

/** The answer of `describeRefusal`. */
export interface RefusalAdvice {
  /** The error the client gets; absent when the flow does not end in an error (a look-up follows). */
  readonly error?: OneTimeErrorKind;
  /** Safe for the buyer or merchant (English); the PG's own message is kept for logs only. */
  readonly message: string;
  /** Our configuration, not the buyer: logged as an error for operators. */
  readonly operatorAlert: boolean;
  /** Fail redirect: false when the buyer merely closed the window (the order stays as it was). */
  readonly failsOrder: boolean;
  /** The code is in the PG's table (metrics label it; unlisted codes are counted as `other`). */
  readonly listed: boolean;
}
