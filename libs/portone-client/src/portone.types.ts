import { z } from 'zod';
import {
  pgBoolean,
  pgInteger,
  pgNonEmptyString,
  pgNumber,
  pgObject,
  pgString,
  type ShapeValidator,
} from '@app/pg-http';
import type { PgErrorResult, PgInvalidRequest, PgNotSent, PgOk, PgUnknown } from '@app/pg-http';

/**
 * PortOne V1 payment status. `paid` is the only approval; `failed` can hide a PayPal payment that is still pending
 * (see `isPaypalPending`). Open-ended so an unlisted status reaches the mapper (which treats it as pending).
 */
export type PortonePaymentStatus = 'ready' | 'paid' | 'failed' | 'cancelled' | (string & {});

/** Statuses accepted as a filter by `find` / `findAll`. */
export type PortonePaymentStatusFilter = 'ready' | 'paid' | 'failed' | 'cancelled';

/** One entry of `cancel_history` (PaymentCancelAnnotation). */
export interface PortonePaymentCancel {
  readonly pg_tid?: string | null;
  /** Cancelled amount, in the currency's major unit. */
  readonly amount: number;
  /** Unix seconds. */
  readonly cancelled_at?: number | null;
  readonly reason?: string | null;
  readonly receipt_url?: string | null;
  /** Names the cancel (webhooks for cancels carry it). */
  readonly cancellation_id?: string | null;
}

/**
 * A PortOne V1 payment (PaymentAnnotation, plus `extension` and `sandbox`). Only the fields the payments core acts on
 * are required; the others are type-checked when present. Amounts are in the currency's major unit (10.5 USD).
 */
export interface PortonePayment {
  readonly imp_uid: string;
  readonly merchant_uid: string;
  readonly pay_method?: string | null;
  /** `api` for billing-key charges. */
  readonly channel?: string | null;
  /** `paypal_v2` for PayPal RT. */
  readonly pg_provider?: string | null;
  readonly emb_pg_provider?: string | null;
  readonly pg_tid?: string | null;
  readonly pg_id?: string | null;
  /** True when the payment was made on a test channel. */
  readonly sandbox?: boolean | null;
  readonly escrow?: boolean | null;
  readonly apply_num?: string | null;
  readonly bank_code?: string | null;
  readonly bank_name?: string | null;
  readonly card_code?: string | null;
  readonly card_name?: string | null;
  readonly card_issuer_code?: string | null;
  readonly card_issuer_name?: string | null;
  readonly card_publisher_code?: string | null;
  readonly card_publisher_name?: string | null;
  readonly card_quota?: number | null;
  readonly card_number?: string | null;
  readonly card_type?: number | null;
  readonly vbank_code?: string | null;
  readonly vbank_name?: string | null;
  readonly vbank_num?: string | null;
  readonly vbank_holder?: string | null;
  readonly vbank_date?: number | null;
  readonly vbank_issued_at?: number | null;
  readonly name?: string | null;
  /** Major units (10.5 USD). */
  readonly amount: number;
  /** Major units cancelled so far. */
  readonly cancel_amount: number;
  readonly currency: string;
  readonly buyer_name?: string | null;
  readonly buyer_email?: string | null;
  readonly buyer_tel?: string | null;
  readonly buyer_addr?: string | null;
  readonly buyer_postcode?: string | null;
  /** The JSON string passed as `custom_data`. */
  readonly custom_data?: string | null;
  readonly user_agent?: string | null;
  readonly status: PortonePaymentStatus;
  /** Unix seconds (0 when not applicable). */
  readonly started_at?: number | null;
  readonly paid_at?: number | null;
  readonly failed_at?: number | null;
  readonly cancelled_at?: number | null;
  readonly fail_reason?: string | null;
  readonly cancel_reason?: string | null;
  readonly receipt_url?: string | null;
  readonly cancel_history?: readonly PortonePaymentCancel[] | null;
  readonly cancel_receipt_urls?: readonly string[] | null;
  readonly cash_receipt_issued?: boolean | null;
  readonly customer_uid?: string | null;
  /** `issue` (billing-key issuance), `payment`, `payment.scheduled`, or null for a plain payment. */
  readonly customer_uid_usage?: string | null;
  readonly promotion?: { readonly id?: string; readonly discount?: number } | null;
  /** With `?extension=true`: the PG's own state (PayPal: `PaymentStatus`, `PendingReason`, …). */
  readonly extension?: Readonly<Record<string, unknown>> | null;
}

/** A billing key's record at PortOne (CustomerAnnotation). */
export interface PortoneCustomer {
  readonly customer_uid: string;
  readonly pg_provider?: string | null;
  readonly pg_id?: string | null;
  readonly sandbox?: boolean | null;
  readonly customer_id?: string | null;
  readonly card_name?: string | null;
  readonly card_code?: string | null;
  readonly card_issuer_code?: string | null;
  readonly card_issuer_name?: string | null;
  readonly card_publisher_code?: string | null;
  readonly card_publisher_name?: string | null;
  readonly card_number?: string | null;
  readonly card_type?: number | null;
  readonly customer_name?: string | null;
  readonly customer_tel?: string | null;
  readonly customer_email?: string | null;
  readonly customer_addr?: string | null;
  readonly customer_postcode?: string | null;
  /** Unix seconds. */
  readonly inserted?: number | null;
  readonly updated?: number | null;
}

const s = pgString.nullish();
/** Fields the OpenAPI types `integer` (Unix seconds, codes). */
const i = pgInteger.nullish();

const cancelShape = z.looseObject({
  pg_tid: s,
  amount: pgNumber,
  cancelled_at: i,
  reason: s,
  receipt_url: s,
  cancellation_id: s,
});

/**
 * Checks an untrusted value against {@link PortonePayment}; `null` when it conforms. Every field the interface declares
 * is type-checked (portone.openapi.spec.ts holds this to the official OpenAPI's PaymentAnnotation).
 */
export const portonePaymentShape: ShapeValidator = z.looseObject({
  imp_uid: pgNonEmptyString,
  merchant_uid: pgString,
  pay_method: s,
  channel: s,
  pg_provider: s,
  emb_pg_provider: s,
  pg_tid: s,
  pg_id: s,
  sandbox: pgBoolean.nullish(),
  escrow: pgBoolean.nullish(),
  apply_num: s,
  bank_code: s,
  bank_name: s,
  card_code: s,
  card_name: s,
  card_issuer_code: s,
  card_issuer_name: s,
  card_publisher_code: s,
  card_publisher_name: s,
  card_quota: i,
  card_number: s,
  card_type: i,
  vbank_code: s,
  vbank_name: s,
  vbank_num: s,
  vbank_holder: s,
  vbank_date: i,
  vbank_issued_at: i,
  name: s,
  amount: pgNumber,
  cancel_amount: pgNumber,
  currency: pgNonEmptyString,
  buyer_name: s,
  buyer_email: s,
  buyer_tel: s,
  buyer_addr: s,
  buyer_postcode: s,
  custom_data: s,
  user_agent: s,
  status: pgNonEmptyString,
  started_at: i,
  paid_at: i,
  failed_at: i,
  cancelled_at: i,
  fail_reason: s,
  cancel_reason: s,
  receipt_url: s,
  cancel_history: z.array(cancelShape).nullish(),
  cancel_receipt_urls: z.array(pgString).nullish(),
  cash_receipt_issued: pgBoolean.nullish(),
  customer_uid: s,
  customer_uid_usage: s,
  promotion: pgObject.nullish(),
  extension: pgObject.nullish(),
});

/** Checks an untrusted value against {@link PortoneCustomer}; `null` when it conforms. */
export const portoneCustomerShape: ShapeValidator = z.looseObject({
  customer_uid: pgNonEmptyString,
  pg_provider: s,
  pg_id: s,
  sandbox: pgBoolean.nullish(),
  customer_id: s,
  card_name: s,
  card_code: s,
  card_issuer_code: s,
  card_issuer_name: s,
  card_publisher_code: s,
  card_publisher_name: s,
  card_number: s,
  card_type: i,
  customer_name: s,
  customer_tel: s,
  customer_email: s,
  customer_addr: s,
  customer_postcode: s,
  inserted: i,
  updated: i,
});

/** `response` of `POST /users/getToken` (AuthAnnotation). Internal to the client: never returned to callers. */
export interface PortoneAccessToken {
  readonly access_token: string;
  /** Unix seconds, by PortOne's clock. */
  readonly now: number;
  /** Unix seconds, by PortOne's clock. */
  readonly expired_at: number;
}

/** Checks {@link PortoneAccessToken}. */
export const portoneAccessTokenShape: ShapeValidator = z.looseObject({
  access_token: pgNonEmptyString,
  now: pgInteger,
  expired_at: pgInteger,
});

/** `response` of `findAll` (PagedPaymentAnnotation). */
export const portonePaymentPageShape: ShapeValidator = z.looseObject({
  total: pgInteger,
  previous: pgInteger.nullish(),
  next: pgInteger,
  list: z.array(portonePaymentShape).nullish(),
});

/** The merchant's PortOne V1 REST keys for one call. */
export interface PortoneCredentials {
  /** REST API key (`imp_key`). */
  readonly impKey: string;
  /** REST API secret (`imp_secret`). Never logged, never returned. */
  readonly impSecret: string;
  /** Overrides the module's `sandbox` option for this merchant (adds `include_sandbox=true` to `getPayment`). */
  readonly sandbox?: boolean;
}

/** Per-call options. */
export interface PortoneCallOptions {
  /** Overrides the module's response timeout for this call. */
  readonly timeoutMs?: number;
  /** Cancels the call; before the socket connects this yields `not_sent`, afterwards `unknown`. */
  readonly signal?: AbortSignal;
}

/** Options of `getPayment`. */
export interface PortoneGetPaymentOptions extends PortoneCallOptions {
  /** Ask for `extension` (PayPal's own state): needed to recognise a pending PayPal payment. */
  readonly extension?: boolean;
}

/** Options of `deleteCustomer`. */
export interface PortoneDeleteCustomerOptions extends PortoneCallOptions {
  readonly reason?: string;
}

/** One PayPal STC entry (`additional_data`): values are strings. */
export interface PortoneStcEntry {
  readonly key: string;
  readonly value: string;
}

/** `bypass` for PayPal RT: set-transaction-context data. Passed as an object; sent as a JSON string. */
export interface PortonePaypalBypass {
  readonly paypal_v2: { readonly additional_data: readonly PortoneStcEntry[] };
}

/** `POST /subscribe/payments/again`: a charge with a billing key. */
export interface PortoneAgainRequest {
  /** The billing key's id at PortOne (≤ 80 characters). */
  readonly customer_uid: string;
  /** Our reference for this charge (≤ 40 characters). Reusing a failed one is allowed by PortOne; a paid one is not. */
  readonly merchant_uid: string;
  /** ISO 4217, required, never KRW for PayPal RT. */
  readonly currency: string;
  /** Major units (10.5 USD), at most the currency's decimal places. */
  readonly amount: number;
  readonly name: string;
  readonly buyer_name?: string;
  readonly buyer_email?: string;
  readonly buyer_tel?: string;
  readonly buyer_addr?: string;
  readonly buyer_postcode?: string;
  /** Stored with the payment as a JSON string; an object is serialised. */
  readonly custom_data?: string | Readonly<Record<string, unknown>>;
  /** Webhook target: one URL (the OpenAPI types `again`'s notice_url as a string). */
  readonly notice_url?: string;
  /** PayPal STC; serialised to a JSON string on the wire, as PortOne requires. */
  readonly bypass?: PortonePaypalBypass;
}

/** Which payment to cancel: `imp_uid` wins when both are given, as at PortOne. */
export type PortonePaymentRef =
  | { readonly imp_uid: string; readonly merchant_uid?: string }
  | { readonly imp_uid?: undefined; readonly merchant_uid: string };

/** `POST /payments/cancel`. Omit `amount` for a full cancel. */
export type PortoneCancelRequest = PortonePaymentRef & {
  /** Major units; omitted = full cancel. */
  readonly amount?: number;
  readonly reason: string;
  /** The refundable balance we believe in (major units): PortOne refuses the cancel when its own differs. */
  readonly checksum?: number;
  /** Without it no webhook follows an API cancel. */
  readonly enable_webhook?: boolean;
};

/** PortOne refused the request: a non-zero envelope `code` (or a refused `getToken`, with `phase: 'auth'`). */
export interface PortonePgError extends PgErrorResult<number> {
  /** `auth` when `getToken` refused our keys (the call itself was never made), `call` otherwise. */
  readonly phase: 'auth' | 'call';
}

/** The outcome of one PortOne call. Answers from PortOne are values, never exceptions. */
export type PortoneResult<T> = PgOk<T> | PortonePgError | PgInvalidRequest | PgNotSent | PgUnknown<number>;
