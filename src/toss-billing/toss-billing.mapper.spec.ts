import { mapStatus } from '@app/pg-contract';
import {
  cancelResultToOutcome,
  chargeRefusalToOutcome,
  lookupResultToOutcome,
  paymentToOutcome,
  parseTossBillingWebhook,
  TOSS_BILLING_STATUS_TABLE,
  transportOutcome,
} from './toss-billing.mapper';
import type { TossBillingPayment } from './toss-billing.types';

const payment = (over: Partial<TossBillingPayment> = {}): TossBillingPayment => ({
  paymentKey: 'tbpay_1',
  orderId: 'order-0001',
  status: 'DONE',
  currency: 'KRW',
  totalAmount: 9900,
  balanceAmount: 9900,
  cancels: null,
  ...over,
});

describe('toss-billing mapper', () => {
  it.each([
    ['DONE', 'SUCCEEDED'],
    ['CANCELED', 'SUCCEEDED'],
    ['PARTIAL_CANCELED', 'SUCCEEDED'],
    ['ABORTED', 'DECLINED'],
    ['EXPIRED', 'DECLINED'],
    ['READY', 'PENDING'],
    ['IN_PROGRESS', 'PENDING'],
    ['WAITING_FOR_DEPOSIT', 'PENDING'],
    ['done', 'UNKNOWN'],
    ['SETTLED', 'UNKNOWN'],
    ['__proto__', 'UNKNOWN'],
    [null, 'UNKNOWN'],
    [42, 'UNKNOWN'],
  ])('maps status %p to %s (an unknown status is never success)', (status, cls) => {
    expect(mapStatus(TOSS_BILLING_STATUS_TABLE, status)).toBe(cls);
  });

  it('turns a DONE billing payment into SUCCEEDED in whole won, with nothing refunded', () => {
    expect(paymentToOutcome(payment({ approvedAt: '2026-01-01T00:00:00+09:00' }))).toMatchObject({
      status: 'SUCCEEDED',
      gatewayPaymentId: 'tbpay_1',
      reference: 'order-0001',
      amount: { amount: 9900, currency: 'KRW' },
      refunded: { amount: 0, currency: 'KRW' },
      approvedAt: '2026-01-01T00:00:00+09:00',
    });
  });

  it('counts only finished cancels as refunded', () => {
    const p = payment({
      status: 'PARTIAL_CANCELED',
      cancels: [
        { cancelAmount: 1000, transactionKey: 't1', cancelStatus: 'DONE' },
        { cancelAmount: 500, transactionKey: 't2' },
        { cancelAmount: 700, transactionKey: 't3', cancelStatus: 'IN_PROGRESS' },
        { cancelAmount: 300, transactionKey: 't4', cancelStatus: 'ABORTED' },
      ],
    });
    expect(paymentToOutcome(p)).toMatchObject({ status: 'SUCCEEDED', refunded: { amount: 1500, currency: 'KRW' } });
  });

  it('reads an unknown status or an unreadable amount as UNKNOWN, never success', () => {
    expect(paymentToOutcome(payment({ status: 'NEW_STATUS' }))).toMatchObject({
      status: 'UNKNOWN',
      reason: 'unmapped_status',
      rawStatus: 'NEW_STATUS',
    });
    expect(paymentToOutcome(payment({ totalAmount: 99.5 }))).toMatchObject({
      status: 'UNKNOWN',
      reason: 'unreadable_response',
    });
    expect(paymentToOutcome(payment({ currency: 'XYZ' }))).toMatchObject({
      status: 'UNKNOWN',
      reason: 'unreadable_response',
    });
  });

  it('reports the currency Toss reports, so the integrity check can catch it', () => {
    expect(paymentToOutcome(payment({ currency: 'USD', totalAmount: 99 }))).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: 9900, currency: 'USD' },
    });
  });

  it('declines an ABORTED payment with its failure code, soft unless the card is dead', () => {
    expect(
      paymentToOutcome(payment({ status: 'ABORTED', failure: { code: 'INVALID_STOPPED_CARD', message: 'm' } })),
    ).toMatchObject({ status: 'DECLINED', kind: 'hard', code: 'INVALID_STOPPED_CARD' });
    expect(
      paymentToOutcome(payment({ status: 'ABORTED', failure: { code: 'COMMON_ERROR', message: 'm' } })),
    ).toMatchObject({ status: 'DECLINED', kind: 'soft' });
    expect(
      paymentToOutcome(payment({ status: 'ABORTED', failure: { code: 'UNAUTHORIZED_KEY', message: 'm' } })),
    ).toMatchObject({ status: 'DECLINED', kind: 'soft' });
  });

  it.each([
    ['REJECT_CARD_COMPANY', 403, { status: 'DECLINED', kind: 'soft' }],
    ['INVALID_CARD_LOST_OR_STOLEN', 400, { status: 'DECLINED', kind: 'hard' }],
    ['A_CODE_NOBODY_LISTED', 400, { status: 'DECLINED', kind: 'soft' }],
    ['A_CODE_NOBODY_LISTED', 503, { status: 'UNKNOWN', reason: 'server_error' }],
    ['UNAUTHORIZED_KEY', 401, { status: 'NOT_SENT', reason: 'refused_by_pg' }],
    ['FORBIDDEN_REQUEST', 403, { status: 'NOT_SENT', reason: 'refused_by_pg' }],
    ['INVALID_REQUEST', 400, { status: 'NOT_SENT', reason: 'invalid_request' }],
    ['ALREADY_PROCESSED_PAYMENT', 400, { status: 'UNKNOWN' }],
    ['IDEMPOTENT_REQUEST_PROCESSING', 409, { status: 'UNKNOWN' }],
  ])('maps a charge refused with %s (HTTP %d)', (code, http, expected) => {
    expect(chargeRefusalToOutcome(code, 'msg', http)).toMatchObject({ ...expected, code });
  });

  it('never turns a failed look-up into a decline', () => {
    expect(
      lookupResultToOutcome({ kind: 'pg_error', httpStatus: 404, code: 'NOT_FOUND_PAYMENT', message: 'm' }),
    ).toMatchObject({ status: 'NOT_FOUND' });
    expect(lookupResultToOutcome({ kind: 'pg_error', httpStatus: 404, code: 'SOMETHING', message: 'm' })).toMatchObject(
      { status: 'UNKNOWN' },
    );
    expect(
      lookupResultToOutcome({ kind: 'pg_error', httpStatus: 400, code: 'REJECT_CARD_COMPANY', message: 'm' }),
    ).toMatchObject({ status: 'UNKNOWN' });
    expect(
      lookupResultToOutcome({ kind: 'pg_error', httpStatus: 401, code: 'UNAUTHORIZED_KEY', message: 'm' }),
    ).toMatchObject({ status: 'NOT_SENT' });
  });

  it('maps transport failures: not sent is NOT_SENT, anything after sending is UNKNOWN', () => {
    expect(transportOutcome({ kind: 'not_sent', reason: 'connection_refused', detail: 'ECONNREFUSED' })).toMatchObject({
      status: 'NOT_SENT',
      reason: 'connection',
      retryable: true,
    });
    expect(transportOutcome({ kind: 'unknown', reason: 'response_timeout', detail: 't' })).toMatchObject({
      status: 'UNKNOWN',
      reason: 'timeout',
    });
    expect(
      transportOutcome({ kind: 'unknown', reason: 'unexpected_shape', detail: 't', httpStatus: 200 }),
    ).toMatchObject({ status: 'UNKNOWN', reason: 'unreadable_response' });
    expect(transportOutcome({ kind: 'unknown', reason: 'connection_reset', detail: 't' })).toMatchObject({
      status: 'UNKNOWN',
      reason: 'connection',
    });
  });

  it('maps a cancel answer by the state of its last cancel', () => {
    const ok = (cancelStatus?: string) =>
      cancelResultToOutcome({
        kind: 'ok',
        httpStatus: 200,
        data: payment({
          status: 'PARTIAL_CANCELED',
          cancels: [{ cancelAmount: 400, transactionKey: 'tx', ...(cancelStatus ? { cancelStatus } : {}) }],
        }),
      });
    expect(ok('DONE')).toMatchObject({ status: 'SUCCEEDED', refunded: { amount: 400 }, remaining: { amount: 9500 } });
    expect(ok()).toMatchObject({ status: 'SUCCEEDED' });
    expect(ok('IN_PROGRESS')).toMatchObject({ status: 'PENDING', requested: { amount: 400 } });
    expect(ok('SOMETHING_NEW')).toMatchObject({ status: 'PENDING' });
    expect(ok('ABORTED')).toMatchObject({ status: 'DECLINED' });
    expect(cancelResultToOutcome({ kind: 'ok', httpStatus: 200, data: payment() })).toMatchObject({
      status: 'UNKNOWN',
    });
    expect(
      cancelResultToOutcome({ kind: 'pg_error', httpStatus: 403, code: 'NOT_CANCELABLE_AMOUNT', message: 'm' }),
    ).toMatchObject({ status: 'DECLINED' });
    expect(
      cancelResultToOutcome({
        kind: 'pg_error',
        httpStatus: 500,
        code: 'FAILED_INTERNAL_SYSTEM_PROCESSING',
        message: 'm',
      }),
    ).toMatchObject({ status: 'UNKNOWN' });
    expect(
      cancelResultToOutcome({ kind: 'pg_error', httpStatus: 401, code: 'UNAUTHORIZED_KEY', message: 'm' }),
    ).toMatchObject({ status: 'NOT_SENT' });
  });

  it.each([
    null,
    undefined,
    'x',
    1,
    [],
    {},
    { data: null },
    { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: '' } },
  ])('ignores a webhook that names no payment: %p', (body) => {
    expect(parseTossBillingWebhook({ headers: {}, body })).toMatchObject({ kind: 'ignore' });
  });
});
