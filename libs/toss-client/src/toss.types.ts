import { z } from 'zod';
import { pgBoolean, pgNonEmptyString, pgNumber, pgObject, pgString, type ShapeValidator } from '@app/pg-http';
import type { PgErrorResult, PgInvalidRequest, PgNotSent, PgOk, PgUnknown } from '@app/pg-http';

/** Payment statuses documented for API version 2022-11-16. */
export const TOSS_PAYMENT_STATUSES = [
  'READY',
  'IN_PROGRESS',
  'WAITING_FOR_DEPOSIT',
  'DONE',
  'CANCELED',
  'PARTIAL_CANCELED',
  'ABORTED',
  'EXPIRED',
] as const;

/** A documented Toss payment status. */
export type KnownTossPaymentStatus = (typeof TOSS_PAYMENT_STATUSES)[number];

/**
 * A Toss payment status. Open-ended on purpose: a status Toss adds later must reach the mapper (which treats it as
 * pending) instead of turning every call into an `unknown` result.
 */
export type TossPaymentStatus = KnownTossPaymentStatus | (string & {});

/** Status of one (asynchronous, for foreign easy pay) cancel. */
export type TossCancelStatus = 'IN_PROGRESS' | 'DONE' | 'ABORTED' | (string & {});

/** One entry of `Payment.cancels`. */
export interface TossCancel {
  /** Amount cancelled, in Toss's units (USD: a decimal such as 10.5). */
  readonly cancelAmount: number;
  readonly cancelReason?: string;
  readonly taxFreeAmount?: number;
  readonly taxExemptionAmount?: number;
  /** What can still be refunded after this cancel. */
  readonly refundableAmount?: number;
  readonly easyPayDiscountAmount?: number;
  /** ISO 8601; may be null while a foreign easy pay cancel is in progress. */
  readonly canceledAt?: string | null;
  /** Identifies this cancel (a CANCEL_STATUS_CHANGED webhook names it). */
  readonly transactionKey: string;
  readonly receiptKey?: string | null;
  /** `IN_PROGRESS` → `DONE` or `ABORTED` for foreign easy pay; absent for synchronous cancels. */
  readonly cancelStatus?: TossCancelStatus;
  readonly cancelRequestId?: string | null;
}

/** `Payment.easyPay`. `provider` reads `페이팔` for PayPal in seed 000, `PAYPAL` elsewhere: accept both. */
export interface TossEasyPay {
  readonly provider: string;
  readonly amount?: number;
  readonly discountAmount?: number;
}

/** `Payment.failure`: why a payment failed. */
export interface TossFailure {
  readonly code: string;
  readonly message: string;
}

/** `Payment.foreignEasyPay` (its fields are not fully documented; the known ones are typed). */
export interface TossForeignEasyPay {
  readonly provider?: string;
  readonly country?: string;
  readonly [key: string]: unknown;
}

/**
 * The Toss Payment object (API version 2022-11-16), the fields this product uses. Only the fields the payments core
 * acts on are required; every other listed field is type-checked when present. Amounts are in Toss's units.
 */
export interface TossPayment {
  readonly version?: string;
  readonly paymentKey: string;
  /** `NORMAL` for foreign easy pay. */
  readonly type?: string;
  readonly orderId: string;
  readonly orderName?: string;
  readonly mId?: string;
  /** `USD` for foreign easy pay. */
  readonly currency: string;
  readonly method?: string | null;
  /** The amount first paid (USD decimal such as 10.5). */
  readonly totalAmount: number;
  /** What can still be cancelled. */
  readonly balanceAmount: number;
  readonly status: TossPaymentStatus;
  readonly requestedAt?: string;
  readonly approvedAt?: string | null;
  readonly lastTransactionKey?: string | null;
  readonly isPartialCancelable?: boolean;
  readonly easyPay?: TossEasyPay | null;
  readonly cancels?: readonly TossCancel[] | null;
  /** The buyer's country (ISO 3166-1 alpha-2). */
  readonly country?: string | null;
  readonly foreignEasyPay?: TossForeignEasyPay | null;
  readonly failure?: TossFailure | null;
  readonly receipt?: { readonly url: string } | null;
  readonly suppliedAmount?: number;
  readonly vat?: number;
  readonly taxFreeAmount?: number;
  readonly taxExemptionAmount?: number;
  readonly useEscrow?: boolean;
}

const cancelShape = z.looseObject({
  cancelAmount: pgNumber,
  cancelReason: pgString.nullish(),
  taxFreeAmount: pgNumber.nullish(),
  taxExemptionAmount: pgNumber.nullish(),
  refundableAmount: pgNumber.nullish(),
  easyPayDiscountAmount: pgNumber.nullish(),
  canceledAt: pgString.nullish(),
  transactionKey: pgNonEmptyString,
  receiptKey: pgString.nullish(),
  cancelStatus: pgString.nullish(),
  cancelRequestId: pgString.nullish(),
});

const paymentFields = {
  version: pgString.nullish(),
  paymentKey: pgNonEmptyString,
  type: pgString.nullish(),
  orderId: pgNonEmptyString,
  orderName: pgString.nullish(),
  mId: pgString.nullish(),
  currency: pgNonEmptyString,
  method: pgString.nullish(),
  totalAmount: pgNumber,
  balanceAmount: pgNumber,
  status: pgNonEmptyString,
  requestedAt: pgString.nullish(),
  approvedAt: pgString.nullish(),
  lastTransactionKey: pgString.nullish(),
  isPartialCancelable: pgBoolean.nullish(),
  easyPay: z
    .looseObject({ provider: pgString, amount: pgNumber.nullish(), discountAmount: pgNumber.nullish() })
    .nullish(),
  cancels: z.array(cancelShape).nullish(),
  country: pgString.nullish(),
  foreignEasyPay: pgObject.nullish(),
  failure: z.looseObject({ code: pgString, message: pgString }).nullish(),
  receipt: z.looseObject({ url: pgString }).nullish(),
  suppliedAmount: pgNumber.nullish(),
  vat: pgNumber.nullish(),
  taxFreeAmount: pgNumber.nullish(),
  taxExemptionAmount: pgNumber.nullish(),
  useEscrow: pgBoolean.nullish(),
} as const;

/** Checks an untrusted value against {@link TossPayment}; `null` when it conforms. */
export const tossPaymentShape: ShapeValidator = z.looseObject(paymentFields);

/** Checks an untrusted value against {@link TossCancel}; `null` when it conforms. */
export const tossCancelShape: ShapeValidator = cancelShape;

/**
 * `data` of a PAYMENT_STATUS_CHANGED webhook: the Payment object, though older deliveries carried only its key,
 * order id and status. Webhooks are unsigned pointers (re-fetch before acting), so only those three are required.
 */
export type TossWebhookPaymentData = Pick<TossPayment, 'paymentKey' | 'orderId' | 'status'> & Partial<TossPayment>;

/** `data` of a CANCEL_STATUS_CHANGED webhook (foreign easy pay): the cancel whose status settled. */
export interface TossWebhookCancelData extends Partial<Omit<TossCancel, 'transactionKey' | 'cancelStatus'>> {
  readonly transactionKey: string;
  readonly cancelStatus: TossCancelStatus;
  /** Present in some deliveries; otherwise match `transactionKey` against the stored cancels. */
  readonly paymentKey?: string;
  readonly orderId?: string;
}

/** Checks {@link TossWebhookPaymentData}. */
export const tossWebhookPaymentShape: ShapeValidator = z.looseObject({
  ...paymentFields,
  currency: pgString.nullish(),
  totalAmount: pgNumber.nullish(),
  balanceAmount: pgNumber.nullish(),
});

/** Checks {@link TossWebhookCancelData}. */
export const tossWebhookCancelShape: ShapeValidator = z.looseObject({
  cancelAmount: pgNumber.nullish(),
  cancelReason: pgString.nullish(),
  refundableAmount: pgNumber.nullish(),
  canceledAt: pgString.nullish(),
  transactionKey: pgNonEmptyString,
  cancelStatus: pgNonEmptyString,
  cancelRequestId: pgString.nullish(),
  paymentKey: pgNonEmptyString.nullish(),
  orderId: pgNonEmptyString.nullish(),
});

/** The merchant's Toss keys for one call. Only the secret key is used server-side. */
export interface TossCredentials {
  /** `test_sk_…` / `live_sk_…`. Never logged, never returned. */
  readonly secretKey: string;
}

/** Per-call options. */
export interface TossCallOptions {
  /**
   * Sent as `Idempotency-Key` (POST only, ≤ 300 printable ASCII characters). Toss replays the first answer for the
   * same key + API key + URL + method, ignoring the body: use one key per operation (one per cancel attempt).
   */
  readonly idempotencyKey?: string;
  /** Overrides the module's response timeout for this call. */
  readonly timeoutMs?: number;
  /** Cancels the call; before the socket connects this yields `not_sent`, afterwards `unknown`. */
  readonly signal?: AbortSignal;
}

/** `POST /v1/payments/confirm` body. */
export interface TossConfirmRequest {
  readonly paymentKey: string;
  /** 6–64 characters of `[A-Za-z0-9_=-]`. */
  readonly orderId: string;
  /** In Toss's units: USD as a decimal (10.5), at most two decimal places. Use `centsToUsd`. */
  readonly amount: number;
}

/** A full cancel: omit `cancelAmount`. */
export interface TossFullCancelRequest {
  /** ≤ 200 characters. */
  readonly cancelReason: string;
  readonly cancelAmount?: undefined;
  /** Optional on a full cancel. */
  readonly currency?: string;
}

/**
 * A partial cancel. Toss requires `currency` on a partial cancel of a foreign easy pay payment, so the type makes it
 * mandatory (and the client refuses one without it).
 */
export interface TossPartialCancelRequest {
  /** ≤ 200 characters. */
  readonly cancelReason: string;
  /** In Toss's units (USD decimal), > 0, at most two decimal places. */
  readonly cancelAmount: number;
  /** ISO 4217, `USD` for PayPal. */
  readonly currency: string;
}

/** `POST /v1/payments/{paymentKey}/cancel` body. */
export type TossCancelRequest = TossFullCancelRequest | TossPartialCancelRequest;

/** Toss's error body `{ code, message }`, as a result. */
export type TossPgError = PgErrorResult<string>;

/** The outcome of one Toss call. Answers from Toss are values, never exceptions. */
export type TossResult<T> = PgOk<T> | TossPgError | PgInvalidRequest | PgNotSent | PgUnknown<string>;
