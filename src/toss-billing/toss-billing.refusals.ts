/**
 * Toss error codes met on the billing calls, as data: what a retry can do and whose fault it is. Pure and total: an
 * unlisted code is never permanent and never success.
 *
 * Sources (full references in README.md): ERR = Toss's public error-code page (docs.tosspayments.com/reference/error-codes,
 * with the HTTP status it lists); OAS = the community OpenAPI `toss-core-2022-11-16` (billing responses);
 * IDEM = Toss's idempotency guide (409 while the same Idempotency-Key is still being processed).
 */

/**
 * `hard`: the card behind the billing key will not pay again without the buyer acting (expired, stopped, lost);
 * `soft`: it may pay later (limits, the issuer's refusal, a provider hiccup): dunning retries;
 * `unknown`: the answer does not settle whether money moved: look the payment up by orderId first.
 */
export type RefusalKind = 'hard' | 'soft' | 'unknown';

/**
 * Whose fault: `buyer` (the card), `input` (our request as sent: nothing happened at Toss), `merchant` (the merchant's
 * keys or contract: an operator must act; never the buyer's card), `pg` (Toss or the card network).
 */
export type RefusalFault = 'buyer' | 'input' | 'merchant' | 'pg';

export interface TossBillingRefusal {
  readonly http: number;
  readonly kind: RefusalKind;
  readonly fault: RefusalFault;
  readonly source: 'ERR' | 'OAS' | 'IDEM';
}

const r = (
  http: number,
  kind: RefusalKind,
  fault: RefusalFault,
  source: TossBillingRefusal['source'] = 'ERR',
): TossBillingRefusal => Object.freeze({ http, kind, fault, source });

export const TOSS_BILLING_REFUSALS: Readonly<Record<string, TossBillingRefusal>> = Object.freeze({
  // The card itself: the buyer must register another one.
  INVALID_CARD_EXPIRATION: r(400, 'hard', 'buyer'),
  INVALID_STOPPED_CARD: r(400, 'hard', 'buyer'),
  INVALID_CARD_LOST_OR_STOLEN: r(400, 'hard', 'buyer'),
  INVALID_CARD_NUMBER: r(400, 'hard', 'buyer'),
  // "Refer to card issuer": only the buyer can lift it.
  INVALID_REJECT_CARD: r(400, 'hard', 'buyer'),
  // Refusals that may pass later (limit reset, funds, the issuer's own rules).
  REJECT_CARD_COMPANY: r(403, 'soft', 'buyer'),
  REJECT_CARD_PAYMENT: r(403, 'soft', 'buyer'),
  EXCEED_MAX_DAILY_PAYMENT_COUNT: r(400, 'soft', 'buyer'),
  EXCEED_MAX_PAYMENT_AMOUNT: r(400, 'soft', 'buyer'),
  EXCEED_MAX_AMOUNT: r(400, 'soft', 'buyer'),
  NOT_AVAILABLE_PAYMENT: r(400, 'soft', 'pg'),
  CARD_PROCESSING_ERROR: r(400, 'soft', 'pg'),
  PROVIDER_ERROR: r(400, 'soft', 'pg'),
  FDS_ERROR: r(403, 'soft', 'pg'),
  // Our request: Toss did nothing with it.
  INVALID_REQUEST: r(400, 'hard', 'input'),
  BELOW_MINIMUM_AMOUNT: r(400, 'hard', 'input'),
  INVALID_IDEMPOTENCY_KEY: r(400, 'hard', 'input', 'IDEM'),
  // The merchant's keys or contract: never blamed on the buyer's card (that would revoke every key at once).
  UNAUTHORIZED_KEY: r(401, 'hard', 'merchant'),
  INVALID_API_KEY: r(400, 'hard', 'merchant'),
  FORBIDDEN_REQUEST: r(403, 'hard', 'merchant'),
  NOT_FOUND_TERMINAL_ID: r(400, 'hard', 'merchant'),
  // The orderId was used before, by us: the earlier attempt may have charged. Look it up.
  ALREADY_PROCESSED_PAYMENT: r(400, 'unknown', 'input'),
  DUPLICATED_ORDER_ID: r(400, 'unknown', 'input'),
  // The same Idempotency-Key is still running: its result is not known yet.
  IDEMPOTENT_REQUEST_PROCESSING: r(409, 'unknown', 'pg', 'IDEM'),
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: r(500, 'unknown', 'pg'),
  FAILED_INTERNAL_SYSTEM_PROCESSING: r(500, 'unknown', 'pg'),
  UNKNOWN_PAYMENT_ERROR: r(500, 'unknown', 'pg'),
  // Look-ups and cancels.
  NOT_FOUND_PAYMENT: r(404, 'hard', 'input'),
  ALREADY_CANCELED_PAYMENT: r(400, 'hard', 'input'),
  NOT_CANCELABLE_AMOUNT: r(403, 'hard', 'input'),
  NOT_CANCELABLE_PAYMENT: r(403, 'hard', 'input'),
  NOT_ALLOWED_PARTIAL_REFUND: r(403, 'hard', 'merchant'),
  FORBIDDEN_CONSECUTIVE_REQUEST: r(403, 'soft', 'input'),
});

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The refusal for a Toss code. Total: an unlisted code is `unknown` for 5xx (or no status) and `soft` for any other
 * status, blamed on the PG, so it is retried or looked up, never treated as permanent.
 */
export function tossBillingRefusal(
  code: unknown,
  httpStatus?: number,
): TossBillingRefusal & { readonly listed: boolean } {
  if (typeof code === 'string' && hasOwn(TOSS_BILLING_REFUSALS, code))
    return { ...TOSS_BILLING_REFUSALS[code], listed: true };
  const http = httpStatus ?? 500;
  return { http, kind: http >= 500 ? 'unknown' : 'soft', fault: 'pg', source: 'ERR', listed: false };
}
