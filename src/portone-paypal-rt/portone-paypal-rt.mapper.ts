import {
  defineStatusTable,
  fromMajorUnits,
  isKnownCurrency,
  mapStatus,
  notSent,
  unknownOutcome,
  type DeclinedOutcome,
  type LookupOutcome,
  type Money,
  type NotSentOutcome,
  type OutcomeExtra,
  type UnknownOutcome,
  type UnknownReason,
} from '@app/pg-contract';
import {
  isPortoneNotFound,
  paypalPendingInfo,
  type PortonePayment as WirePayment,
  type PortoneResult,
} from '@app/portone-client';
import { classifyRefusal } from './portone-paypal-rt.refusals';

/**
 * Pure mapping for the `portone-paypal-rt` adapter: PortOne V1 payment objects (PayPal RT, `pg_provider: paypal_v2`)
 * and PortoneClient results → pg-contract outcomes. Every PG status and code the adapter knows is in a table here.
 */

/**
 * PortOne V1 payment status → class. `failed` is provisional: PortOne reports a PayPal payment PayPal still holds
 * pending as `failed`, and only `extension` (asked with `?extension=true`) tells them apart. A (fully) cancelled
 * payment was paid: SUCCEEDED with `refunded` = what was cancelled. Anything unlisted is UNKNOWN.
 */
export const RT_STATUS_TABLE = defineStatusTable({
  paid: 'SUCCEEDED',
  cancelled: 'SUCCEEDED',
  ready: 'PENDING',
  failed: 'DECLINED',
});

/** Our code for a failed issuance or payment, from PortOne's `fail_reason` text. */
export function parseFailReason(failReason: string | null | undefined): { code: string; message: string } {
  const text = (failReason ?? '').trim();
  // A PayPal issue code in the `[CODE]` prefix decides first (`[PayPal] …` names the provider, not an issue code): a
  // soft code whose text mentions Korea must not read as the hard Korean-account rule.
  const m = /^\[([A-Za-z0-9_.-]{1,64})\]\s*(.*)$/s.exec(text);
  if (m && m[1] !== 'PayPal') return { code: m[1], message: m[2] || text };
  // Seed 004: "구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다." (a Korean buyer account cannot use PayPal RT).
  if (/한국인/.test(text)) return { code: 'KOREAN_BUYER_ACCOUNT', message: text };
  // The buyer closed the PayPal window: "[PayPal] 사용자가 결제를 취소하였습니다."
  if (/취소하였습니다|cancel(l)?ed by (the )?(user|buyer)/i.test(text))
    return { code: 'BUYER_CANCELED', message: text };
  return { code: 'PAYMENT_FAILED', message: text || 'payment failed' };
}

/** The fields the adapter acts on, amounts as {@link Money}. */
export interface RtPayment {
  readonly impUid: string;
  readonly merchantUid: string;
  readonly status: string;
  readonly amount: Money;
  readonly cancelled: Money;
  readonly cancelHistory: ReadonlyArray<{ readonly cancellationId: string | null; readonly amount: Money }>;
  readonly customerUid: string | null;
  readonly customerUidUsage: string | null;
  readonly failReason: string | null;
  readonly paidAt: number;
  readonly pgTid: string | null;
  readonly sandbox: boolean;
  /** Whether the payment was read with `extension` (only then can a `failed` one be told from a pending one). */
  readonly extensionRead: boolean;
  readonly paypalPending: boolean;
  readonly pendingReason?: string;
}

/**
 * Reads a PortOne payment. Amounts must be exact in their currency (ISO exponent); anything unreadable is a problem
 * string, which callers answer as UNKNOWN, never as a guess.
 */
export function readPayment(p: WirePayment): RtPayment | { problem: string } {
  if (!isKnownCurrency(p.currency)) return { problem: `currency ${JSON.stringify(p.currency)} unknown` };
  try {
    const amount = fromMajorUnits(p.amount, p.currency);
    const cancelled = fromMajorUnits(p.cancel_amount ?? 0, p.currency);
    const cancelHistory = (p.cancel_history ?? []).map((c) => ({
      cancellationId: c.cancellation_id ?? null,
      amount: fromMajorUnits(c.amount, p.currency),
    }));
    const pending = paypalPendingInfo(p);
    return {
      impUid: p.imp_uid,
      merchantUid: p.merchant_uid,
      status: p.status,
      amount,
      cancelled,
      cancelHistory,
      customerUid: p.customer_uid ?? null,
      customerUidUsage: p.customer_uid_usage ?? null,
      failReason: p.fail_reason ?? null,
      paidAt: typeof p.paid_at === 'number' ? p.paid_at : 0,
      pgTid: p.pg_tid ?? null,
      sandbox: p.sandbox === true,
      extensionRead: p.extension !== undefined && p.extension !== null,
      paypalPending: pending.pending,
      ...(pending.reason ? { pendingReason: pending.reason } : {}),
    };
  } catch (err) {
    return { problem: `unreadable amount: ${(err as Error).message}` };
  }
}

/**
 * A DECLINED outcome classified through the refusal table (portone-paypal-rt.refusals.ts). A refusal the table
 * marks `unknown` is soft here: only the adapter, after PortOne confirms the billing key is gone, makes it hard.
 */
export function declined(code: string, message: string, p?: RtPayment): DeclinedOutcome {
  return {
    status: 'DECLINED',
    kind: classifyRefusal(code, message).kind === 'hard' ? 'hard' : 'soft',
    code,
    message,
    ...(p ? { gatewayPaymentId: p.impUid, reference: p.merchantUid, rawStatus: p.status } : {}),
  };
}

function extra(p: RtPayment): OutcomeExtra {
  return { pgTid: p.pgTid, sandbox: p.sandbox };
}

/**
 * What a payment stands for. A `failed` payment read without `extension` is UNKNOWN (it may be PayPal-pending; the
 * caller re-reads it), and a `failed` (or `ready`) one PayPal holds pending is PENDING, never a decline.
 */
export function paymentOutcome(p: RtPayment): LookupOutcome {
  if (p.paypalPending) {
    return {
      status: 'PENDING',
      gatewayPaymentId: p.impUid,
      reference: p.merchantUid,
      amount: p.amount,
      rawStatus: p.status,
      extra: extra(p),
      ...(p.pendingReason ? { reason: p.pendingReason } : {}),
    };
  }
  switch (mapStatus(RT_STATUS_TABLE, p.status)) {
    case 'SUCCEEDED':
      return {
        status: 'SUCCEEDED',
        gatewayPaymentId: p.impUid,
        reference: p.merchantUid,
        amount: p.amount,
        refunded: p.cancelled,
        rawStatus: p.status,
        extra: extra(p),
        ...(p.paidAt > 0 ? { approvedAt: new Date(p.paidAt * 1000).toISOString() } : {}),
      };
    case 'PENDING':
      return {
        status: 'PENDING',
        gatewayPaymentId: p.impUid,
        reference: p.merchantUid,
        amount: p.amount,
        rawStatus: p.status,
        extra: extra(p),
      };
    case 'DECLINED': {
      if (!p.extensionRead) {
        return unknownOutcome('unreadable_response', 'failed payment read without PayPal extension', {
          gatewayPaymentId: p.impUid,
          rawStatus: p.status,
        });
      }
      const { code, message } = parseFailReason(p.failReason);
      return declined(code, message, p);
    }
    default:
      return unknownOutcome('unmapped_status', `unmapped PortOne status ${JSON.stringify(p.status)}`, {
        gatewayPaymentId: p.impUid,
        rawStatus: p.status,
      });
  }
}

/**
 * Which of several attempts under one merchant_uid tells the truth (`findAll`, newest first): a paid or cancelled one
 * took money and wins; then one PayPal holds pending; then the newest.
 */
export function pickAttempt(attempts: readonly RtPayment[]): RtPayment | undefined {
  return (
    attempts.find((p) => p.status === 'paid' || p.status === 'cancelled') ??
    attempts.find((p) => p.paypalPending) ??
    attempts[0]
  );
}

/** A PortoneClient result that is not `ok`, for {@link failureOutcome}. */
export type PortoneFailure = Exclude<PortoneResult<unknown>, { kind: 'ok' }>;

const UNKNOWN_REASONS: Record<string, UnknownReason> = {
  response_timeout: 'timeout',
  connection_reset: 'connection',
  aborted_after_send: 'connection',
  network_error: 'connection',
  server_error: 'server_error',
};

/**
 * What a failed PortoneClient call proves, for the call kinds that change something (charge, cancel, delete):
 * nothing sent (invalid input, no connection, no token, 401/429) is NOT_SENT; a refusal with PortOne's own error (HTTP
 * 200 or 4xx with code ≠ 0) is DECLINED, classified by the refusal table; everything after the request may have been
 * written is UNKNOWN.
 */
export function failureOutcome(r: PortoneFailure): NotSentOutcome | UnknownOutcome | DeclinedOutcome {
  switch (r.kind) {
    case 'invalid_request':
      return notSent('invalid_request', 'INVALID_REQUEST', `${r.field}: ${r.message}`, false);
    case 'not_sent':
      return notSent('connection', r.reason.toUpperCase(), r.detail, true);
    case 'pg_error':
      if (r.phase === 'auth')
        return notSent('refused_by_pg', 'UNAUTHORIZED', 'PortOne refused the API key pair', false);
      if (r.httpStatus === 401) return notSent('refused_by_pg', 'UNAUTHORIZED', r.message, true);
      if (r.httpStatus === 429) return notSent('refused_by_pg', 'RATE_LIMITED', r.message, true);
      return refused(r.code, r.message);
    case 'unknown':
      return unknownOutcome(
        UNKNOWN_REASONS[r.reason] ?? 'unreadable_response',
        r.message ? `${r.detail}: ${r.message}` : r.detail,
        {
          ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
          ...(r.code !== undefined ? { code: String(r.code) } : {}),
        },
      );
  }
}

/**
 * The same for lookups: a refused lookup tells nothing about the payment (UNKNOWN); not found is HTTP 404 or a
 * not-found code (isPortoneNotFound).
 */
export function lookupFailureOutcome(
  r: PortoneFailure,
): NotSentOutcome | UnknownOutcome | { status: 'NOT_FOUND'; message: string } {
  if (isPortoneNotFound(r))
    return { status: 'NOT_FOUND', message: (r.kind === 'pg_error' && r.message) || 'not found' };
  const o = failureOutcome(r);
  return o.status === 'DECLINED'
    ? unknownOutcome('unreadable_response', `lookup refused: ${o.message}`, {
        ...('httpStatus' in r ? { httpStatus: r.httpStatus } : {}),
      })
    : o;
}

/**
 * PortOne refused the request (code ≠ 0, `response: null`). The charge's code is the table rule's id (the PG's own
 * code is in the message); an unlisted refusal is soft.
 */
function refused(code: number, message: string): DeclinedOutcome {
  const rule = classifyRefusal(code, message);
  const text = `${message || 'PortOne refused the request'} (code ${code})`;
  return { status: 'DECLINED', kind: rule.kind === 'hard' ? 'hard' : 'soft', code: rule.id, message: text };
}
