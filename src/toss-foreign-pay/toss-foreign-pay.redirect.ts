import { fromMajorUnits, notSent, type Money, type NotSentOutcome } from '@app/pg-contract';
import { TOSS_CURRENCY } from './toss-foreign-pay.mapper';

/**
 * The buyer's success redirect, checked before anything is sent to Toss: its amount read exactly, its order and
 * paymentKey compared with the stored order, and the confirm's Idempotency-Key derived from them.
 */

const REDIRECT_AMOUNT = /^(0|[1-9]\d{0,12})(\.\d{1,2})?$/;
const PAYMENT_KEY = /^[\x21-\x7E]{1,200}$/;

/**
 * The success redirect's amount (a decimal string such as "10.5") in minor units, or null when it is not exactly a
 * non-negative USD amount (missing, negative, exponent notation, more than two decimals, spaces...).
 */
export function redirectAmountMinor(value: unknown): number | null {
  if (typeof value !== 'string' || !REDIRECT_AMOUNT.test(value)) return null;
  try {
    return fromMajorUnits(value, TOSS_CURRENCY).amount;
  } catch {
    return null;
  }
}

/**
 * Compares the success redirect with the stored order before anything is sent (seed 000: the query can be changed
 * by the buyer). NOT_SENT `AMOUNT_MISMATCH` for any difference; otherwise the paymentKey to confirm.
 */
export function checkRedirect(
  reference: string,
  expected: Money,
  pointer: Readonly<Record<string, unknown>>,
): { ok: true; paymentKey: string } | { ok: false; refused: NotSentOutcome } {
  const refuse = (code: string, message: string) => ({
    ok: false as const,
    refused: notSent('invalid_request', code, message, false),
  });
  if (expected.currency !== TOSS_CURRENCY) return refuse('CURRENCY_NOT_SUPPORTED', 'foreign easy pay takes USD only');
  if (pointer.orderId !== reference) return refuse('ORDER_MISMATCH', 'the redirect names another order');
  const paymentKey = pointer.paymentKey;
  if (typeof paymentKey !== 'string' || paymentKey.length === 0)
    return refuse('PAYMENT_KEY_MISSING', 'the redirect has no paymentKey');
  // Toss's paymentKeys are opaque printable ASCII of at most 200 characters; anything else was edited by the buyer.
  if (!PAYMENT_KEY.test(paymentKey)) return refuse('PAYMENT_KEY_INVALID', 'the redirect paymentKey is malformed');
  const minor = redirectAmountMinor(pointer.amount);
  if (minor === null || minor !== expected.amount)
    return refuse('AMOUNT_MISMATCH', 'the redirect amount differs from the stored order');
  return { ok: true, paymentKey };
}

/** The confirm's Idempotency-Key: derived from the order and the checkout, so every retry of one confirm reuses it. */
export function confirmIdempotencyKey(orderId: string, paymentKey: string): string {
  // paymentKey is opaque ASCII of up to 200 characters; the whole key stays within Toss's 300.
  return `tfp-confirm-${orderId}-${paymentKey}`.slice(0, 300);
}
