import {
  defineStatusTable,
  fromMajorUnits,
  mapStatus,
  notSent,
  unknownOutcome,
  type CancelOutcome,
  type LookupOutcome,
  type Money,
  type NotSentOutcome,
  type PaymentOutcome,
  type UnknownOutcome,
  type WebhookInput,
  type WebhookParseResult,
} from '@app/pg-contract';
import type { PgInvalidRequest, PgNotSent, PgUnknown } from '@app/pg-http';
import { tossBillingRefusal } from './toss-billing.refusals';
import type { TossBillingCancel, TossBillingPayment, TossBillingResult } from './toss-billing.types';

/** The only currency of card automatic billing (the Billing/Payment objects in the community OpenAPI are KRW). */
export const TOSS_BILLING_CURRENCY = 'KRW';

/**
 * Payment statuses (community OpenAPI, Payment.status enum). A card billing charge is DONE when approved; cancels keep
 * it a success with a refunded total. Anything else unknown is UNKNOWN, never success.
 */
export const TOSS_BILLING_STATUS_TABLE = defineStatusTable({
  DONE: 'SUCCEEDED',
  CANCELED: 'SUCCEEDED',
  PARTIAL_CANCELED: 'SUCCEEDED',
  ABORTED: 'DECLINED',
  EXPIRED: 'DECLINED',
  READY: 'PENDING',
  IN_PROGRESS: 'PENDING',
  WAITING_FOR_DEPOSIT: 'PENDING',
});

/** Cancel statuses (Payment.cancels[].cancelStatus); absent = a synchronous, done cancel. */
export const TOSS_BILLING_CANCEL_TABLE = defineStatusTable(
  { DONE: 'SUCCEEDED', IN_PROGRESS: 'PENDING', ABORTED: 'DECLINED' },
  'PENDING',
);

/** The amount Toss reports, as Money (KRW: whole won = minor units). Throws for an unreadable amount or currency. */
function reported(p: TossBillingPayment, value: number): Money {
  const currency = typeof p.currency === 'string' ? p.currency : TOSS_BILLING_CURRENCY;
  return fromMajorUnits(value, currency);
}

/** What has been cancelled and is done (IN_PROGRESS or ABORTED cancels returned nothing yet). */
export function refundedOf(p: TossBillingPayment): Money {
  let total = reported(p, 0);
  for (const c of p.cancels ?? []) {
    if (mapStatus(TOSS_BILLING_CANCEL_TABLE, c.cancelStatus ?? 'DONE') !== 'SUCCEEDED') continue;
    total = { amount: total.amount + reported(p, c.cancelAmount).amount, currency: total.currency };
  }
  return total;
}

/** A Toss Payment → outcome. Pure and total: unreadable amounts and unknown statuses are UNKNOWN. */
export function paymentToOutcome(p: TossBillingPayment): PaymentOutcome {
  let amount: Money;
  let refunded: Money;
  try {
    amount = reported(p, p.totalAmount);
    refunded = refundedOf(p);
  } catch (err) {
    return unknownOutcome('unreadable_response', `unreadable amount: ${(err as Error).message}`, {
      gatewayPaymentId: p.paymentKey,
      rawStatus: String(p.status),
    });
  }
  const extra = { type: typeof p.type === 'string' ? p.type : null, lastTransactionKey: p.lastTransactionKey ?? null };
  switch (mapStatus(TOSS_BILLING_STATUS_TABLE, p.status)) {
    case 'SUCCEEDED':
      return {
        status: 'SUCCEEDED',
        gatewayPaymentId: p.paymentKey,
        reference: p.orderId,
        amount,
        refunded,
        rawStatus: p.status,
        ...(p.approvedAt ? { approvedAt: p.approvedAt } : {}),
        extra,
      };
    case 'PENDING':
      return {
        status: 'PENDING',
        gatewayPaymentId: p.paymentKey,
        reference: p.orderId,
        amount,
        rawStatus: p.status,
        extra,
      };
    case 'DECLINED': {
      const code = p.failure?.code ?? p.status;
      const refusal = tossBillingRefusal(code, 400);
      return {
        status: 'DECLINED',
        kind: refusal.kind === 'hard' && refusal.fault === 'buyer' ? 'hard' : 'soft',
        code,
        message: p.failure?.message ?? `Toss reports the payment ${p.status}`,
        gatewayPaymentId: p.paymentKey,
        reference: p.orderId,
        rawStatus: p.status,
      };
    }
    default:
      return unknownOutcome(
        'unmapped_status',
        `Toss status ${JSON.stringify(String(p.status).slice(0, 40))} has no mapping`,
        {
          gatewayPaymentId: p.paymentKey,
          rawStatus: String(p.status),
        },
      );
  }
}

/** A transport-level failure (anything but `ok` and `pg_error`) → NOT_SENT or UNKNOWN. */
export function transportOutcome(
  res: PgInvalidRequest | PgNotSent | PgUnknown<string>,
): NotSentOutcome | UnknownOutcome {
  switch (res.kind) {
    case 'invalid_request':
      return notSent('invalid_request', 'INVALID_REQUEST', `${res.field}: ${res.message}`, false);
    case 'not_sent':
      return notSent('connection', res.reason.toUpperCase(), res.detail, true);
    default:
      return unknownOutcome(
        res.reason === 'response_timeout'
          ? 'timeout'
          : res.reason === 'server_error'
            ? 'server_error'
            : res.reason === 'unparseable_body' || res.reason === 'unexpected_shape'
              ? 'unreadable_response'
              : 'connection',
        res.detail,
        {
          ...(res.httpStatus !== undefined ? { httpStatus: res.httpStatus } : {}),
          ...(res.code !== undefined ? { code: res.code } : {}),
        },
      );
  }
}

/**
 * A Toss refusal of a charge → outcome: the merchant's keys → NOT_SENT (never a decline of the buyer's card), our
 * request → NOT_SENT, "did it happen?" codes → UNKNOWN (the adapter looks them up), the card → DECLINED hard/soft.
 */
export function chargeRefusalToOutcome(code: string, message: string, httpStatus: number): PaymentOutcome {
  const refusal = tossBillingRefusal(code, httpStatus);
  if (refusal.kind === 'unknown')
    return unknownOutcome(httpStatus >= 500 ? 'server_error' : 'unmapped_status', message, { code, httpStatus });
  if (refusal.fault === 'merchant') return notSent('refused_by_pg', code, message, true);
  if (refusal.fault === 'input') return notSent('invalid_request', code, message, false);
  return { status: 'DECLINED', kind: refusal.kind === 'hard' ? 'hard' : 'soft', code, message };
}

/** A charge answer → outcome (before the integrity check and the look-up of "already processed" codes). */
export function chargeResultToOutcome(res: TossBillingResult<TossBillingPayment>): PaymentOutcome {
  if (res.kind === 'ok') return paymentToOutcome(res.data);
  if (res.kind === 'pg_error') return chargeRefusalToOutcome(res.code, res.message, res.httpStatus);
  return transportOutcome(res);
}

/**
 * A look-up answer → outcome. NOT_FOUND_PAYMENT is NOT_FOUND; the merchant's keys are NOT_SENT; any other refusal
 * of a look-up is UNKNOWN: a failed look-up never declines a payment.
 */
export function lookupResultToOutcome(res: TossBillingResult<TossBillingPayment>): LookupOutcome {
  if (res.kind === 'ok') return paymentToOutcome(res.data);
  if (res.kind === 'pg_error') {
    // Only Toss's own "no such payment" code means not found; another 404 (a proxy, a wrong path) proves nothing.
    if (res.code === 'NOT_FOUND_PAYMENT') return { status: 'NOT_FOUND', code: res.code, message: res.message };
    if (tossBillingRefusal(res.code, res.httpStatus).fault === 'merchant')
      return notSent('refused_by_pg', res.code, res.message, true);
    return unknownOutcome(res.httpStatus >= 500 ? 'server_error' : 'unmapped_status', res.message, {
      code: res.code,
      httpStatus: res.httpStatus,
    });
  }
  return transportOutcome(res);
}

/** A cancel answer → outcome; the new cancel is the last of `cancels`. A cancel not DONE is never SUCCEEDED. */
export function cancelResultToOutcome(res: TossBillingResult<TossBillingPayment>): CancelOutcome {
  if (res.kind === 'pg_error') {
    const refusal = tossBillingRefusal(res.code, res.httpStatus);
    if (refusal.kind === 'unknown')
      return unknownOutcome(res.httpStatus >= 500 ? 'server_error' : 'unmapped_status', res.message, {
        code: res.code,
        httpStatus: res.httpStatus,
      });
    if (refusal.fault === 'merchant' && res.code !== 'NOT_ALLOWED_PARTIAL_REFUND')
      return notSent('refused_by_pg', res.code, res.message, true);
    return { status: 'DECLINED', code: res.code, message: res.message };
  }
  if (res.kind !== 'ok') return transportOutcome(res);
  const p = res.data;
  const last: TossBillingCancel | undefined = p.cancels?.[p.cancels.length - 1];
  if (!last) return unknownOutcome('unreadable_response', 'the cancel answer lists no cancel');
  let refunded: Money;
  let total: Money;
  let paid: Money;
  try {
    refunded = reported(p, last.cancelAmount);
    total = refundedOf(p);
    paid = reported(p, p.totalAmount);
  } catch (err) {
    return unknownOutcome('unreadable_response', `unreadable cancel amount: ${(err as Error).message}`);
  }
  switch (mapStatus(TOSS_BILLING_CANCEL_TABLE, last.cancelStatus ?? 'DONE')) {
    case 'SUCCEEDED':
      return {
        status: 'SUCCEEDED',
        refunded,
        totalRefunded: total,
        remaining: { amount: paid.amount - total.amount, currency: paid.currency },
        gatewayCancelId: last.transactionKey,
        rawStatus: p.status,
      };
    case 'DECLINED':
      return { status: 'DECLINED', code: 'CANCEL_ABORTED', message: 'Toss aborted the cancel' };
    default:
      return {
        status: 'PENDING',
        requested: refunded,
        gatewayCancelId: last.transactionKey,
        rawStatus: String(last.cancelStatus),
      };
  }
}

/**
 * A Toss webhook → a pointer to re-fetch (payment webhooks are unsigned: the body is never trusted for a status).
 * Reads `eventType` and `data.paymentKey` / `data.orderId` (PAYMENT_STATUS_CHANGED) and the delivery id header
 * `tosspayments-webhook-transmission-id` for de-duplication. Pure, total, never throws.
 */
export function parseTossBillingWebhook(input: WebhookInput): WebhookParseResult {
  const body = input?.body;
  if (typeof body !== 'object' || body === null) return { kind: 'ignore', reason: 'body is not an object' };
  const b = body as Record<string, unknown>;
  const event = typeof b.eventType === 'string' ? b.eventType.slice(0, 64) : undefined;
  const data = typeof b.data === 'object' && b.data !== null ? (b.data as Record<string, unknown>) : {};
  const paymentKey =
    typeof data.paymentKey === 'string' && /^[\x21-\x7E]{1,200}$/.test(data.paymentKey) ? data.paymentKey : undefined;
  const orderId =
    typeof data.orderId === 'string' && /^[A-Za-z0-9\-_.]{6,64}$/.test(data.orderId) ? data.orderId : undefined;
  if (!paymentKey && !orderId) return { kind: 'ignore', reason: `${event ?? 'webhook'} names no payment` };
  const header = input.headers?.['tosspayments-webhook-transmission-id'];
  const dedup = typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : undefined;
  return {
    kind: 'refetch',
    ...(paymentKey ? { gatewayPaymentId: paymentKey } : {}),
    ...(orderId ? { reference: orderId } : {}),
    ...(event ? { event } : {}),
    ...(dedup ? { dedupKey: dedup } : {}),
  };
}
