import {
  classifyDecline,
  defineDeclineTable,
  defineStatusTable,
  fromMajorUnits,
  mapStatus,
  notSent,
  unknownOutcome,
  type DeclineKind,
  type LookupOutcome,
  type Money,
  type NotSentOutcome,
  type PaymentOutcome,
  type StatusClass,
  type UnknownReason,
} from '@app/pg-contract';
import type { TossCancel, TossPayment, TossResult } from '@app/toss-client';

/**
 * Everything Toss-specific about statuses and codes, as data: pure, total and table-driven (unlisted input gets a
 * fallback that is never success). The adapter turns Toss answers into outcomes with these; the service turns
 * outcomes into our error codes and buyer messages with these.
 */

export const TOSS_CURRENCY = 'USD';

/** Toss payment status → class. Unlisted statuses are UNKNOWN (looked up again later, never success). */
export const TOSS_PAYMENT_STATUS_TABLE = defineStatusTable({
  DONE: 'SUCCEEDED',
  // Cancelled payments were paid: `refunded` carries how much went back.
  CANCELED: 'SUCCEEDED',
  PARTIAL_CANCELED: 'SUCCEEDED',
  // The buyer authenticated (or the window is open) and the confirm has not happened yet.
  READY: 'PENDING',
  IN_PROGRESS: 'PENDING',
  WAITING_FOR_DEPOSIT: 'PENDING',
  ABORTED: 'DECLINED',
  EXPIRED: 'DECLINED',
});

/** Foreign easy pay cancels are asynchronous (`cancelStatus`); an unlisted one is still in progress. */
export const TOSS_CANCEL_STATUS_TABLE = defineStatusTable(
  { DONE: 'SUCCEEDED', IN_PROGRESS: 'PENDING', ABORTED: 'DECLINED' },
  'PENDING',
);

/** What a Toss error code on confirm means for the flow, and what we answer for it. */
export type ConfirmErrorClass =
  /** The buyer's payment source or the PG refused: nothing charged; `hard` = this checkout cannot succeed. */
  | 'decline_hard'
  | 'decline_soft'
  /** Toss refused to process the request (our configuration or our bug): nothing happened. */
  | 'refused'
  /** Toss is still processing the same Idempotency-Key: nothing new happened, re-sending the same key is safe. */
  | 'busy'
  /** Already confirmed: look it up, never fail the order. */
  | 'lookup'
  /** The outcome is unknown (5xx codes): look it up before anything else. */
  | 'unknown';

/** Our error codes for Toss confirm failures (HTTP statuses in src/common/errors/error-codes.ts). */
export type TossConfirmErrorCode =
  | 'TOSS_PAYMENT_SESSION_EXPIRED'
  | 'TOSS_PAYMENT_REJECTED'
  | 'TOSS_PAYMENT_DECLINED'
  | 'TOSS_PROVIDER_ERROR'
  | 'TOSS_GATEWAY_MISCONFIGURED'
  | 'TOSS_GATEWAY_REQUEST_INVALID'
  | 'TOSS_ORDER_ALREADY_PAID'
  | 'TOSS_PAYMENT_NOT_FOUND'
  | 'TOSS_CONFIRM_IN_PROGRESS';

export interface ConfirmErrorRule {
  readonly class: ConfirmErrorClass;
  /** Our code when the flow ends in an error (absent for `lookup` / `unknown`, which end in a lookup). */
  readonly code?: TossConfirmErrorCode;
  /** Safe for the buyer (English); the PG's own message is kept for logs only. */
  readonly message: string;
  /** Our problem, not the buyer's: logged as an error for operators. */
  readonly operatorAlert?: boolean;
}

const rule = (r: ConfirmErrorRule): ConfirmErrorRule => Object.freeze(r);
const SESSION_EXPIRED = rule({
  class: 'decline_hard',
  code: 'TOSS_PAYMENT_SESSION_EXPIRED',
  message:
    'The payment session has expired: a payment must be confirmed within 10 minutes of approval. Please start the payment again.',
});
const REJECTED = rule({
  class: 'decline_soft',
  code: 'TOSS_PAYMENT_REJECTED',
  message:
    'PayPal or the payment source refused the payment (limit, balance or account problem). Please try another payment method or contact PayPal.',
});
const MISCONFIGURED = rule({
  class: 'refused',
  code: 'TOSS_GATEWAY_MISCONFIGURED',
  message:
    'The payment could not be processed because of a configuration problem on our side. You have not been charged.',
  operatorAlert: true,
});
const REQUEST_INVALID = rule({
  class: 'refused',
  code: 'TOSS_GATEWAY_REQUEST_INVALID',
  message: 'The payment request was refused by the payment provider. You have not been charged.',
  operatorAlert: true,
});
const UNKNOWN_RESULT = rule({
  class: 'unknown',
  message: 'We are checking the result of your payment with the provider.',
});

/**
 * Every documented confirm error (pg-api-reference.md's table, seed 000, the sandbox's Toss table). Unlisted codes:
 * see {@link confirmErrorRule}.
 */
export const TOSS_CONFIRM_ERRORS: Readonly<Record<string, ConfirmErrorRule>> = Object.freeze({
  NOT_FOUND_PAYMENT_SESSION: SESSION_EXPIRED,
  REJECT_CARD_COMPANY: REJECTED,
  REJECT_CARD_PAYMENT: REJECTED,
  REJECT_ACCOUNT_PAYMENT: REJECTED,
  INVALID_STOPPED_CARD: rule({ ...REJECTED, class: 'decline_hard' }),
  PROVIDER_ERROR: rule({
    class: 'decline_soft',
    code: 'TOSS_PROVIDER_ERROR',
    message: 'The payment provider had a temporary problem. You have not been charged; please try again shortly.',
  }),
  FORBIDDEN_REQUEST: MISCONFIGURED,
  UNAUTHORIZED_KEY: MISCONFIGURED,
  INVALID_REQUEST: REQUEST_INVALID,
  INVALID_IDEMPOTENCY_KEY: REQUEST_INVALID,
  ALREADY_PROCESSED_PAYMENT: rule({ class: 'lookup', message: 'This payment was already processed.' }),
  DUPLICATED_ORDER_ID: rule({
    class: 'decline_hard',
    code: 'TOSS_ORDER_ALREADY_PAID',
    message: 'This order has already been paid through another payment window.',
  }),
  NOT_FOUND_PAYMENT: rule({
    class: 'decline_hard',
    code: 'TOSS_PAYMENT_NOT_FOUND',
    message: 'The payment could not be found. Please start the payment again.',
  }),
  IDEMPOTENT_REQUEST_PROCESSING: rule({
    class: 'busy',
    code: 'TOSS_CONFIRM_IN_PROGRESS',
    message: 'Your payment is being confirmed. Please wait a moment.',
  }),
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: UNKNOWN_RESULT,
  FAILED_INTERNAL_SYSTEM_PROCESSING: UNKNOWN_RESULT,
  UNKNOWN_PAYMENT_ERROR: UNKNOWN_RESULT,
});

const GENERIC_DECLINE = rule({
  class: 'decline_soft',
  code: 'TOSS_PAYMENT_DECLINED',
  message: 'The payment was declined. You have not been charged.',
});
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The rule for a confirm error code. Total: an unlisted code is classified by its HTTP status (401 → our
 * configuration, 409 → busy, 5xx → unknown, other 4xx → a soft decline: Toss refused, nothing was charged).
 */
export function confirmErrorRule(code: unknown, httpStatus?: number): ConfirmErrorRule {
  if (typeof code === 'string' && hasOwn(TOSS_CONFIRM_ERRORS, code)) return TOSS_CONFIRM_ERRORS[code];
  if (httpStatus === 401) return MISCONFIGURED;
  if (httpStatus === 409) return TOSS_CONFIRM_ERRORS.IDEMPOTENT_REQUEST_PROCESSING;
  if (httpStatus !== undefined && httpStatus >= 500) return UNKNOWN_RESULT;
  return GENERIC_DECLINE;
}

/** Hard or soft, for the contract's decline kind (one-time payments: hard = this checkout cannot be retried). */
export const TOSS_DECLINE_TABLE = defineDeclineTable(
  Object.fromEntries(
    Object.entries(TOSS_CONFIRM_ERRORS)
      .filter(([, r]) => r.class === 'decline_hard' || r.class === 'decline_soft')
      .map(([code, r]) => [code, (r.class === 'decline_hard' ? 'hard' : 'soft') as DeclineKind]),
  ),
);

/** The fail redirect's codes (seed 000 and the Toss docs): what we tell the buyer and whether the order failed. */
export interface FailCodeRule {
  /** Safe for the buyer (English). */
  readonly message: string;
  /** False when the buyer merely closed the window: the order stays payable as it was. */
  readonly failsOrder: boolean;
}

export const TOSS_FAIL_CODES: Readonly<Record<string, FailCodeRule>> = Object.freeze({
  PAY_PROCESS_CANCELED: {
    message: 'You cancelled the payment. Nothing was charged; you can try again.',
    failsOrder: false,
  },
  PAY_PROCESS_ABORTED: {
    message: 'The payment could not be completed and was stopped. Nothing was charged; please try again.',
    failsOrder: true,
  },
  REJECT_CARD_COMPANY: {
    message:
      'PayPal or the payment source refused the payment. Please check your PayPal account or use another payment method.',
    failsOrder: true,
  },
  REJECT_CARD_PAYMENT: {
    message: 'The payment was refused (limit exceeded or insufficient balance). Please use another payment method.',
    failsOrder: true,
  },
  REJECT_ACCOUNT_PAYMENT: {
    message: 'The payment was refused because of an insufficient balance. Please use another payment method.',
    failsOrder: true,
  },
  INVALID_STOPPED_CARD: {
    message: 'The payment source is suspended. Please use another payment method.',
    failsOrder: true,
  },
  PROVIDER_ERROR: {
    message: 'The payment provider had a temporary problem. Nothing was charged; please try again shortly.',
    failsOrder: true,
  },
});

const GENERIC_FAIL: FailCodeRule = Object.freeze({
  message: 'The payment could not be completed. Nothing was charged; please try again.',
  failsOrder: true,
});

/** The rule for a fail-redirect code. Total: unlisted codes fail the order with a generic message. */
export function failCodeRule(code: unknown): FailCodeRule {
  return typeof code === 'string' && hasOwn(TOSS_FAIL_CODES, code) ? TOSS_FAIL_CODES[code] : GENERIC_FAIL;
}

// ---- Toss answers → outcomes ------------------------------------------------------------------------------------

/** A Toss cancel, normalised. */
export interface TossCancelView {
  readonly transactionKey: string;
  readonly cancelRequestId: string | null;
  readonly amount: Money;
  /** SUCCEEDED = done, PENDING = in progress, DECLINED = aborted. */
  readonly state: StatusClass;
  readonly rawStatus: string;
}

/** What we record as a cancel's raw status when Toss's answer carries no `cancelStatus`. */
export const CANCEL_STATUS_UNREPORTED = 'UNREPORTED';

/**
 * A cancel's state. Foreign easy pay cancels are asynchronous (IN_PROGRESS → DONE/ABORTED), and the Payment schema
 * of our pinned API version (2022-11-16, community OpenAPI) has no `cancelStatus` at all: a cancel without one is
 * not known to be done, so it stays PENDING and is settled by a later lookup or webhook, never booked as refunded.
 */
export function cancelStateOf(c: Pick<TossCancel, 'cancelStatus'>): StatusClass {
  if (c.cancelStatus === undefined || c.cancelStatus === null) return 'PENDING';
  return mapStatus(TOSS_CANCEL_STATUS_TABLE, c.cancelStatus);
}

/** The payment's cancels, normalised; throws RangeError for an amount that is not exact USD. */
export function cancelsOf(p: Pick<TossPayment, 'cancels'>): TossCancelView[] {
  return (p.cancels ?? []).map((c) => ({
    transactionKey: c.transactionKey,
    cancelRequestId: c.cancelRequestId ?? null,
    amount: fromMajorUnits(c.cancelAmount, TOSS_CURRENCY),
    state: cancelStateOf(c),
    rawStatus: c.cancelStatus ?? CANCEL_STATUS_UNREPORTED,
  }));
}

/** Refunded so far: the cancels Toss finished (an IN_PROGRESS one has returned nothing yet). */
export function refundedOf(cancels: readonly TossCancelView[]): Money {
  return {
    amount: cancels.filter((c) => c.state === 'SUCCEEDED').reduce((s, c) => s + c.amount.amount, 0),
    currency: TOSS_CURRENCY,
  };
}

/** PG facts worth keeping on the order (flat, no secrets, no buyer data). */
function extraOf(p: TossPayment): Record<string, string | number | boolean | null> {
  return {
    method: p.method ?? null,
    easyPayProvider: p.easyPay?.provider ?? null,
    receiptUrl: p.receipt?.url ?? null,
    balanceAmount: p.balanceAmount,
    lastTransactionKey: p.lastTransactionKey ?? null,
    country: p.country ?? null,
  };
}

/** A Payment object → outcome (before the integrity check). Unreadable amounts and unmapped statuses are UNKNOWN. */
export function paymentToOutcome(p: TossPayment): PaymentOutcome {
  let amount: Money;
  let refunded: Money;
  try {
    amount = fromMajorUnits(p.totalAmount, p.currency);
    refunded = refundedOf(cancelsOf(p));
  } catch (err) {
    return unknownOutcome('unreadable_response', `unreadable Toss amount: ${(err as Error).message}`, {
      gatewayPaymentId: p.paymentKey,
      rawStatus: p.status,
    });
  }
  const base = { gatewayPaymentId: p.paymentKey, reference: p.orderId, rawStatus: p.status };
  switch (mapStatus(TOSS_PAYMENT_STATUS_TABLE, p.status)) {
    case 'SUCCEEDED':
      return {
        status: 'SUCCEEDED',
        ...base,
        amount,
        refunded,
        ...(p.approvedAt ? { approvedAt: new Date(p.approvedAt).toISOString() } : {}),
        extra: extraOf(p),
      };
    case 'PENDING':
      return { status: 'PENDING', ...base, amount, extra: extraOf(p) };
    case 'DECLINED': {
      const code = p.failure?.code ?? p.status;
      return {
        status: 'DECLINED',
        kind: classifyDecline(TOSS_DECLINE_TABLE, code),
        code,
        message: p.failure?.message ?? p.status,
        ...base,
      };
    }
    default:
      return unknownOutcome('unmapped_status', `unmapped Toss status ${String(p.status)}`, base);
  }
}

const UNKNOWN_REASONS: Readonly<Record<string, UnknownReason>> = Object.freeze({
  response_timeout: 'timeout',
  connection_reset: 'connection',
  aborted_after_send: 'connection',
  server_error: 'server_error',
  unparseable_body: 'unreadable_response',
  unexpected_shape: 'unreadable_response',
});

/** A transport failure of the client → NOT_SENT (never connected) or UNKNOWN (may have reached Toss). */
function transportOutcome(
  res: Exclude<TossResult<TossPayment>, { kind: 'ok' } | { kind: 'pg_error' }>,
): NotSentOutcome | PaymentOutcome {
  switch (res.kind) {
    case 'invalid_request':
      return notSent('invalid_request', 'INVALID_REQUEST', `${res.field}: ${res.message}`, false);
    case 'not_sent':
      return notSent('connection', res.reason.toUpperCase(), res.detail, true);
    default:
      return unknownOutcome(
        hasOwn(UNKNOWN_REASONS, res.reason) ? UNKNOWN_REASONS[res.reason] : 'unreadable_response',
        res.detail,
        {
          ...(res.httpStatus !== undefined ? { httpStatus: res.httpStatus } : {}),
          ...(res.code !== undefined ? { code: res.code } : {}),
        },
      );
  }
}

/** A confirm answer → outcome, by {@link TOSS_CONFIRM_ERRORS} for Toss's errors. `lookup` codes are UNKNOWN here (the adapter looks them up first). */
export function confirmResultToOutcome(res: TossResult<TossPayment>): PaymentOutcome {
  if (res.kind === 'ok') return paymentToOutcome(res.data);
  if (res.kind !== 'pg_error') return transportOutcome(res);
  const r = confirmErrorRule(res.code, res.httpStatus);
  switch (r.class) {
    case 'decline_hard':
    case 'decline_soft':
      return {
        status: 'DECLINED',
        kind: r.class === 'decline_hard' ? 'hard' : 'soft',
        code: res.code,
        message: res.message,
      };
    case 'refused':
      return notSent('refused_by_pg', res.code, res.message, false);
    case 'busy':
      return notSent('refused_by_pg', res.code, res.message, true);
    default:
      return unknownOutcome(r.class === 'lookup' ? 'unreadable_response' : 'server_error', res.message, {
        code: res.code,
        httpStatus: res.httpStatus,
      });
  }
}

/** A lookup answer → outcome: 404 is NOT_FOUND; any other refusal or failure is UNKNOWN, never NOT_FOUND. */
export function lookupResultToOutcome(res: TossResult<TossPayment>): LookupOutcome {
  if (res.kind === 'ok') return paymentToOutcome(res.data);
  if (res.kind === 'pg_error') {
    if (res.httpStatus === 404) return { status: 'NOT_FOUND', code: res.code, message: res.message };
    return unknownOutcome('unreadable_response', `lookup refused: ${res.code}`, {
      code: res.code,
      httpStatus: res.httpStatus,
    });
  }
  const out = transportOutcome(res);
  // A lookup that was never sent proves nothing about the payment: still unknown to us.
  return out.status === 'NOT_SENT' ? unknownOutcome('connection', out.message, { code: out.code }) : out;
}

/** Cancel refusals Toss documents: nothing was refunded. */
export const TOSS_CANCEL_REFUSALS: readonly string[] = Object.freeze([
  'ALREADY_CANCELED_PAYMENT',
  'NOT_CANCELABLE_AMOUNT',
  'NOT_CANCELABLE_PAYMENT',
  'NOT_ALLOWED_PARTIAL_REFUND',
  'FORBIDDEN_CONSECUTIVE_REQUEST',
  'INVALID_REQUEST',
  'NOT_FOUND_PAYMENT',
  'FORBIDDEN_REQUEST',
  'UNAUTHORIZED_KEY',
]);
