import { defineDeclineTable, defineStatusTable, mapStatus, classifyDecline } from '../pg.mapper';
import { fromMajorUnits, isKnownCurrency, type Money } from '../pg.money';
import type { DeclinedOutcome, LookupOutcome, OutcomeExtra } from '../pg.outcomes';

/**
 * Pure mapping of PortOne V1 payment objects (PayPal RT, `pg_provider: paypal_v2`) for the reference adapter. Tables
 * first, so a reader (and a reviewer of a new PG) sees every PG status and code and what it means in one place.
 */

/**
 * PortOne V1 payment status → class. `failed` is provisional: PayPal payments that PayPal holds pending are reported
 * as `failed` too, and only `extension.PaymentStatus` tells them apart ({@link paypalPending}). A fully cancelled
 * payment was paid: SUCCEEDED with `refunded` equal to the amount. Anything else is UNKNOWN.
 */
export const PORTONE_STATUS_TABLE = defineStatusTable({
  paid: 'SUCCEEDED',
  cancelled: 'SUCCEEDED',
  ready: 'PENDING',
  failed: 'DECLINED',
});

/**
 * Decline codes, from the `[CODE]` prefix of `fail_reason` (PayPal's issue codes; PortOne V1 does not document the
 * format of `fail_reason` for PayPal, so these are unconfirmed and easy to extend). Unlisted codes are soft: a declined
 * charge took nothing, so dunning may retry it safely.
 */
export const PAYPAL_DECLINE_TABLE = defineDeclineTable({
  // The buyer cancelled the billing agreement or PayPal closed the account: this key will never work again.
  AGREEMENT_ALREADY_CANCELLED: 'hard',
  PAYER_ACCOUNT_LOCKED_OR_CLOSED: 'hard',
  PAYER_ACCOUNT_RESTRICTED: 'hard',
  PAYER_CANNOT_PAY: 'hard',
  // A request PortOne refused (unknown billing key, invalid parameters): re-sending it is refused again.
  REQUEST_REFUSED: 'hard',
  // The funding source declined this time (balance, limits): the buyer can fix it; a later retry may pass.
  INSTRUMENT_DECLINED: 'soft',
  TRANSACTION_REFUSED: 'soft',
  PAYER_ACTION_REQUIRED: 'soft',
  PAYMENT_FAILED: 'soft',
});

/** PayPal's pending reasons (`extension.PendingReason`) seen in PortOne V1 answers. */
export const PAYPAL_PENDING_REASONS = ['echeck', 'paymentreview', 'intl', 'multi-currency', 'verify', 'other'] as const;

/** One entry of `cancel_history`. */
export interface PortoneCancel {
  readonly cancellationId: string | null;
  readonly amount: Money;
}

/** The fields of a PortOne V1 payment the adapter uses, amounts already in {@link Money}. */
export interface PortonePayment {
  readonly impUid: string;
  readonly merchantUid: string;
  readonly status: string;
  readonly amount: Money;
  readonly cancelled: Money;
  readonly cancelHistory: readonly PortoneCancel[];
  readonly customerUid: string | null;
  readonly customerUidUsage: string | null;
  readonly failReason: string | null;
  readonly paidAt: number;
  readonly pgTid: string | null;
  readonly sandbox: boolean;
  /** PayPal's own state, present only when fetched with `extension=true`. */
  readonly extension: { readonly paymentStatus: string | null; readonly pendingReason: string | null } | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The `response` of a PortOne envelope, or undefined when the envelope is not `{ code: 0, response: {...} }`. */
export function envelopeResponse(json: unknown): Obj | undefined {
  if (!isObj(json) || json.code !== 0 || !isObj(json.response)) return undefined;
  return json.response;
}

/** The `code` and `message` of a PortOne error envelope (code -1 and no message when absent). */
export function envelopeError(json: unknown): { code: number; message: string } {
  const code = isObj(json) && typeof json.code === 'number' ? json.code : -1;
  const message = isObj(json) && typeof json.message === 'string' ? json.message : 'no message';
  return { code, message };
}

/**
 * Reads a PortOne payment object. Returns a problem string when a field we rely on is missing or an amount cannot be
 * read exactly in its currency: the caller then answers UNKNOWN, never a guess.
 */
export function readPayment(raw: unknown): PortonePayment | { problem: string } {
  if (!isObj(raw)) return { problem: 'payment is not an object' };
  const { imp_uid, merchant_uid, status, currency } = raw;
  if (typeof imp_uid !== 'string' || imp_uid === '') return { problem: 'imp_uid missing' };
  if (typeof merchant_uid !== 'string') return { problem: 'merchant_uid missing' };
  if (typeof status !== 'string') return { problem: 'status missing' };
  if (!isKnownCurrency(currency)) return { problem: `currency ${JSON.stringify(currency)} unknown` };
  try {
    const amount = fromMajorUnits(raw.amount as number, currency);
    const cancelled = fromMajorUnits((raw.cancel_amount ?? 0) as number, currency);
    const history = Array.isArray(raw.cancel_history) ? raw.cancel_history : [];
    const cancelHistory = history.map((c: unknown) => {
      if (!isObj(c)) throw new Error('cancel_history entry is not an object');
      return { cancellationId: optString(c.cancellation_id), amount: fromMajorUnits(c.amount as number, currency) };
    });
    const ext = raw.extension;
    return {
      impUid: imp_uid,
      merchantUid: merchant_uid,
      status,
      amount,
      cancelled,
      cancelHistory,
      customerUid: optString(raw.customer_uid),
      customerUidUsage: optString(raw.customer_uid_usage),
      failReason: optString(raw.fail_reason),
      paidAt: typeof raw.paid_at === 'number' ? raw.paid_at : 0,
      pgTid: optString(raw.pg_tid),
      sandbox: raw.sandbox === true,
      extension: isObj(ext) ? { paymentStatus: optString(ext.PaymentStatus), pendingReason: optString(ext.PendingReason) } : null,
    };
  } catch (err) {
    return { problem: `unreadable amount: ${(err as Error).message}` };
  }
}

/**
 * Whether PayPal holds a `failed` payment pending: true/false from `extension`, undefined when the payment was read
 * without `extension=true` (then it must be fetched again before calling it a decline).
 */
export function paypalPending(p: PortonePayment): boolean | undefined {
  if (!p.extension) return undefined;
  return p.extension.paymentStatus === 'Pending';
}

/** Splits `fail_reason` into the PayPal code in its `[CODE]` prefix and the message. */
export function parseFailReason(failReason: string | null): { code: string; message: string } {
  const text = failReason ?? '';
  const m = /^\[([A-Za-z0-9_.-]{1,64})\]\s*(.*)$/s.exec(text);
  if (m) return { code: m[1], message: m[2] || text };
  return { code: 'PAYMENT_FAILED', message: text || 'payment failed' };
}

/** A DECLINED outcome for a code and message, classified through {@link PAYPAL_DECLINE_TABLE}. */
export function declined(code: string, message: string, p?: PortonePayment): DeclinedOutcome {
  return {
    status: 'DECLINED',
    kind: classifyDecline(PAYPAL_DECLINE_TABLE, code),
    code,
    message,
    ...(p ? { gatewayPaymentId: p.impUid, reference: p.merchantUid, rawStatus: p.status } : {}),
  };
}

function extra(p: PortonePayment): OutcomeExtra {
  return { pgTid: p.pgTid, sandbox: p.sandbox };
}

/**
 * The outcome a payment object stands for. A `failed` payment read without `extension` must not reach here (see
 * {@link paypalPending}); if it does, it is UNKNOWN rather than a decline that might be a pending charge.
 */
export function paymentOutcome(p: PortonePayment): LookupOutcome {
  const cls = mapStatus(PORTONE_STATUS_TABLE, p.status);
  switch (cls) {
    case 'SUCCEEDED':
      return {
        status: 'SUCCEEDED',
        gatewayPaymentId: p.impUid,
        reference: p.merchantUid,
        amount: p.amount,
        refunded: p.cancelled,
        rawStatus: p.status,
        ...(p.paidAt > 0 ? { approvedAt: new Date(p.paidAt * 1000).toISOString() } : {}),
        extra: extra(p),
      };
    case 'PENDING':
      return { status: 'PENDING', gatewayPaymentId: p.impUid, reference: p.merchantUid, amount: p.amount, rawStatus: p.status, extra: extra(p) };
    case 'DECLINED': {
      const pending = paypalPending(p);
      if (pending === undefined) {
        return { status: 'UNKNOWN', reason: 'unreadable_response', message: 'failed payment read without PayPal extension', gatewayPaymentId: p.impUid, rawStatus: p.status };
      }
      if (pending) {
        return {
          status: 'PENDING',
          gatewayPaymentId: p.impUid,
          reference: p.merchantUid,
          amount: p.amount,
          rawStatus: p.status,
          ...(p.extension?.pendingReason ? { reason: p.extension.pendingReason } : {}),
          extra: extra(p),
        };
      }
      const { code, message } = parseFailReason(p.failReason);
      return declined(code, message, p);
    }
    default:
      return { status: 'UNKNOWN', reason: 'unmapped_status', message: `unmapped PortOne status ${JSON.stringify(p.status)}`, gatewayPaymentId: p.impUid, rawStatus: p.status };
  }
}

/**
 * Which of several attempts under one merchant_uid tells the truth (`findAll`): a paid (or cancelled) one took money
 * and wins; then one PayPal holds pending; then the newest. PortOne refuses a second payment of a paid merchant_uid
 * but lets a failed one be paid again, so a pending-as-failed attempt and a later attempt can coexist.
 */
export function pickAttempt(attempts: readonly PortonePayment[]): PortonePayment | undefined {
  return (
    attempts.find((p) => p.status === 'paid' || p.status === 'cancelled') ??
    attempts.find((p) => p.status === 'failed' && paypalPending(p) === true) ??
    attempts[0]
  );
}
