import { z } from 'zod';
import {
  pgNonEmptyString,
  pgNumber,
  pgString,
  type PgErrorResult,
  type PgInvalidRequest,
  type PgNotSent,
  type PgOk,
  type PgUnknown,
  type ShapeValidator,
} from '@app/pg-http';

// ---------------------------------------------------------------------------------------------------------------
// Credentials and wire types.
// ---------------------------------------------------------------------------------------------------------------

/** A merchant's Toss keys for its automatic-billing MID (a separate MID and key pair from foreign easy pay). */
export interface TossBillingCredentials {
  /** `test_ck_…` / `live_ck_…`: public, handed to the browser SDK. */
  readonly clientKey: string;
  /** `test_sk_…` / `live_sk_…`: server only, never logged or returned. */
  readonly secretKey: string;
}

/** Settings of the client (the registration entry's options). */
export interface TossBillingOptions {
  /** `https://api.tosspayments.com` (or the sandbox plugin's mount point). */
  readonly baseUrl: string;
  /** Time allowed for a complete answer once connected; past it the call is UNKNOWN. */
  readonly timeoutMs: number;
  /** Time allowed to connect; past it the call was NOT sent. Default: min(5 s, timeoutMs). */
  readonly connectTimeoutMs?: number;
}

/** DI token of {@link TossBillingOptions}. */
export const TOSS_BILLING_OPTIONS = Symbol('TOSS_BILLING_OPTIONS');

/** `Billing` object (community OpenAPI `toss-core-2022-11-16`, components.schemas.Billing). */
export interface TossBilling {
  readonly mId?: string;
  readonly customerKey: string;
  readonly authenticatedAt?: string;
  readonly method?: string;
  readonly billingKey: string;
  readonly card?: {
    readonly issuerCode?: string;
    readonly acquirerCode?: string;
    readonly number?: string;
    readonly cardType?: string;
    readonly ownerType?: string;
  } | null;
}

/** One entry of `Payment.cancels` (Toss Payment object). */
export interface TossBillingCancel {
  readonly cancelAmount: number;
  readonly cancelReason?: string;
  readonly canceledAt?: string | null;
  readonly transactionKey: string;
  /** `DONE`, `IN_PROGRESS`, `ABORTED`; absent in older answers (then the cancel is done). */
  readonly cancelStatus?: string;
}

/** The subset of Toss's `Payment` object this gateway reads. */
export interface TossBillingPayment {
  readonly paymentKey: string;
  readonly orderId: string;
  readonly orderName?: string;
  readonly type?: string;
  readonly status: string;
  readonly currency?: string;
  readonly method?: string | null;
  readonly totalAmount: number;
  readonly balanceAmount?: number;
  readonly approvedAt?: string | null;
  readonly lastTransactionKey?: string | null;
  readonly cancels?: readonly TossBillingCancel[] | null;
  readonly failure?: { readonly code: string; readonly message: string } | null;
  readonly receipt?: { readonly url?: string } | null;
}

/** Body of `POST /v1/billing/{billingKey}` (community OpenAPI: required amount, customerKey, orderId, orderName). */
export interface TossBillingChargeRequest {
  readonly customerKey: string;
  /** Whole won (KRW has no minor unit). */
  readonly amount: number;
  readonly orderId: string;
  readonly orderName: string;
  readonly customerEmail?: string;
  readonly customerName?: string;
}

/** Body of `POST /v1/payments/{paymentKey}/cancel`. */
export interface TossBillingCancelRequest {
  readonly cancelReason: string;
  /** Omit for a full cancel. */
  readonly cancelAmount?: number;
}

export const tossBillingShape: ShapeValidator = z.looseObject({
  customerKey: pgNonEmptyString,
  billingKey: pgNonEmptyString,
});

export const tossBillingPaymentShape: ShapeValidator = z.looseObject({
  paymentKey: pgNonEmptyString,
  orderId: pgNonEmptyString,
  status: pgString,
  totalAmount: pgNumber,
  cancels: z
    .array(z.looseObject({ cancelAmount: pgNumber, transactionKey: pgString, cancelStatus: pgString.nullish() }))
    .nullish(),
});

/** What a client call answers; nothing is thrown for PG or network trouble. */
export type TossBillingResult<T> = PgOk<T> | PgErrorResult<string> | PgInvalidRequest | PgNotSent | PgUnknown<string>;

/** Per-call options. */
export interface TossBillingCallOptions {
  readonly signal?: AbortSignal;
  /** Toss `Idempotency-Key` (POST only; at most 300 characters). */
  readonly idempotencyKey?: string;
}
