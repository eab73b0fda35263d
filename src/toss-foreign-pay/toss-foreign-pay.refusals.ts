import type { DomainError } from '../common/errors/domain.error';
import { tossError } from './toss-foreign-pay.errors';

/**
 * Toss error codes as data: for each, what a retry can do and whose fault it is. Pure and total: an unlisted code is
 * never permanent and never success.
 *
 * Sources: SEED = seed 000 (Toss's PayPal foreign easy pay guide: confirm and fail-redirect errors); DIGEST =
 * pg-api-reference.md "Errors" (our digest of Toss's public error-code page, docs.tosspayments.com/reference/error-codes);
 * TOSS = that public page itself, for codes the digest does not list.
 */

/**
 * `hard`: the same request can never succeed (only another checkout, request or configuration can);
 * `soft`: it may succeed later (retry, or the buyer tries again);
 * `unknown`: the answer does not settle what happened: look the payment up before anything else.
 */
export type RefusalKind = 'hard' | 'soft' | 'unknown';

/**
 * Whose fault: `buyer` (the buyer's payment source, or what the buyer did with the checkout or its redirect),
 * `input` (the request as the merchant asked for it: refused as invalid, or not allowed in the payment's state),
 * `merchant` (the merchant's Toss keys or contract: an operator must act), `pg` (Toss or PayPal failed).
 */
export type RefusalFault = 'buyer' | 'input' | 'merchant' | 'pg';

export interface TossRefusal {
  /** The HTTP status Toss documents for the code. */
  readonly http: number;
  readonly kind: RefusalKind;
  readonly fault: RefusalFault;
  readonly source: 'SEED' | 'DIGEST' | 'TOSS';
}

const r = (http: number, kind: RefusalKind, fault: RefusalFault, source: TossRefusal['source']): TossRefusal =>
  Object.freeze({ http, kind, fault, source });

export const TOSS_REFUSALS: Readonly<Record<string, TossRefusal>> = Object.freeze({
  // Confirm.
  // Over 10 minutes, or a paymentKey that is not this checkout's (the buyer can edit the redirect).
  NOT_FOUND_PAYMENT_SESSION: r(404, 'hard', 'buyer', 'SEED'),
  // The buyer's PayPal / funding source refused: another source or a later try may work.
  REJECT_CARD_COMPANY: r(403, 'soft', 'buyer', 'SEED'),
  REJECT_CARD_PAYMENT: r(403, 'soft', 'buyer', 'TOSS'),
  REJECT_ACCOUNT_PAYMENT: r(403, 'soft', 'buyer', 'TOSS'),
  INVALID_STOPPED_CARD: r(400, 'hard', 'buyer', 'TOSS'),
  // Key pair, or orderId/paymentKey differing from the original request (SEED): a config problem unless the
  // paymentKey proves to be another order's (the adapter checks; see TossForeignPayAdapter.confirm).
  FORBIDDEN_REQUEST: r(403, 'hard', 'merchant', 'SEED'),
  UNAUTHORIZED_KEY: r(401, 'hard', 'merchant', 'DIGEST'),
  ALREADY_PROCESSED_PAYMENT: r(400, 'unknown', 'input', 'DIGEST'),
  DUPLICATED_ORDER_ID: r(400, 'hard', 'buyer', 'TOSS'),
  PROVIDER_ERROR: r(400, 'soft', 'pg', 'DIGEST'),
  INVALID_REQUEST: r(400, 'hard', 'input', 'DIGEST'),
  INVALID_IDEMPOTENCY_KEY: r(400, 'hard', 'input', 'DIGEST'),
  NOT_FOUND_PAYMENT: r(404, 'hard', 'input', 'DIGEST'),
  IDEMPOTENT_REQUEST_PROCESSING: r(409, 'soft', 'pg', 'DIGEST'),
  FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: r(500, 'unknown', 'pg', 'DIGEST'),
  FAILED_INTERNAL_SYSTEM_PROCESSING: r(500, 'unknown', 'pg', 'DIGEST'),
  UNKNOWN_PAYMENT_ERROR: r(500, 'unknown', 'pg', 'DIGEST'),
  // Cancel.
  ALREADY_CANCELED_PAYMENT: r(400, 'hard', 'input', 'DIGEST'),
  NOT_CANCELABLE_AMOUNT: r(403, 'hard', 'input', 'DIGEST'),
  NOT_CANCELABLE_PAYMENT: r(403, 'hard', 'input', 'DIGEST'),
  // A contract setting of the merchant's MID.
  NOT_ALLOWED_PARTIAL_REFUND: r(403, 'hard', 'merchant', 'DIGEST'),
  // Too fast after the previous cancel (DIGEST: unconfirmed): the same request later may pass.
  FORBIDDEN_CONSECUTIVE_REQUEST: r(403, 'soft', 'input', 'DIGEST'),
});

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The refusal for a Toss error code. Total: an unlisted code is `unknown` (5xx or no status) or `soft` (any other),
 * both blamed on the PG, so it is retried or looked up, never treated as permanent and never as success.
 */
export function tossRefusal(code: unknown, httpStatus?: number): TossRefusal & { readonly listed: boolean } {
  if (typeof code === 'string' && hasOwn(TOSS_REFUSALS, code)) return { ...TOSS_REFUSALS[code], listed: true };
  const http = httpStatus ?? 500;
  return { http, kind: http >= 500 ? 'unknown' : 'soft', fault: 'pg', source: 'TOSS', listed: false };
}

/**
 * The error a cancel Toss refused is answered with, by whose fault it is: the merchant's request or the payment's
 * state → 409 TOSS_CANCEL_REFUSED; the merchant's Toss configuration → 502 TOSS_GATEWAY_MISCONFIGURED (and
 * `alert` for operators); Toss/PayPal, or a code we do not know → 503 TOSS_PROVIDER_ERROR (retry: an unknown
 * refusal is never final). Nothing was refunded in any case.
 */
export function cancelRefusalError(code: string, alert: (code: string) => void): DomainError {
  const refusal = tossRefusal(code);
  const details = [{ field: 'cancel', errors: [code] }];
  switch (refusal.fault) {
    case 'merchant':
      alert(code);
      return tossError(
        'TOSS_GATEWAY_MISCONFIGURED',
        'The cancel was refused because of a payment configuration problem; nothing was refunded',
        details,
      );
    case 'pg':
      return tossError(
        'TOSS_PROVIDER_ERROR',
        'The payment provider could not process the cancel; nothing was refunded. Please try again later.',
        details,
      );
    default:
      return tossError('TOSS_CANCEL_REFUSED', 'Toss refused the cancel; nothing was refunded', details);
  }
}
