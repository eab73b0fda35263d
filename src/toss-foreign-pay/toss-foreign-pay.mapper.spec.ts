import { mapStatus } from '@app/pg-contract';
import type { TossPayment, TossResult } from '@app/toss-client';
import { TOSS_ERROR_STATUS as ERROR_STATUS } from './toss-foreign-pay.errors';
import { cancelResultToOutcome } from './toss-foreign-pay.adapter';
import {
  cancelStateOf,
  confirmErrorRule,
  confirmResultToOutcome,
  failCodeRule,
  lookupResultToOutcome,
  paymentToOutcome,
  TOSS_CANCEL_STATUS_TABLE,
  TOSS_CONFIRM_ERRORS,
  TOSS_FAIL_CODES,
  TOSS_PAYMENT_STATUS_TABLE,
} from './toss-foreign-pay.mapper';
import { checkRedirect, confirmIdempotencyKey, redirectAmountMinor } from './toss-foreign-pay.redirect';

const usd = (amount: number) => ({ amount, currency: 'USD' });

function payment(over: Partial<TossPayment> = {}): TossPayment {
  return {
    paymentKey: 'pk_1',
    orderId: 'order_1',
    currency: 'USD',
    totalAmount: 10.5,
    balanceAmount: 10.5,
    status: 'DONE',
    ...over,
  } as TossPayment;
}

const pgError = (code: string, httpStatus: number): TossResult<TossPayment> => ({
  kind: 'pg_error',
  code,
  httpStatus,
  message: 'm',
});

describe('toss-foreign-pay mapper', () => {
  it.each([
    ['DONE', 'SUCCEEDED'],
    ['CANCELED', 'SUCCEEDED'],
    ['PARTIAL_CANCELED', 'SUCCEEDED'],
    ['READY', 'PENDING'],
    ['IN_PROGRESS', 'PENDING'],
    ['WAITING_FOR_DEPOSIT', 'PENDING'],
    ['ABORTED', 'DECLINED'],
    ['EXPIRED', 'DECLINED'],
    ['SOMETHING_NEW', 'UNKNOWN'],
    ['__proto__', 'UNKNOWN'],
    [null, 'UNKNOWN'],
    [42, 'UNKNOWN'],
  ])('maps payment status %p to %s', (status, cls) => {
    expect(mapStatus(TOSS_PAYMENT_STATUS_TABLE, status)).toBe(cls);
  });

  it.each([
    ['DONE', 'SUCCEEDED'],
    ['IN_PROGRESS', 'PENDING'],
    ['ABORTED', 'DECLINED'],
    ['WHATEVER', 'PENDING'],
  ])('maps cancel status %s to %s (unlisted is still in progress, never done)', (status, cls) => {
    expect(mapStatus(TOSS_CANCEL_STATUS_TABLE, status)).toBe(cls);
    expect(cancelStateOf({ cancelStatus: status })).toBe(cls);
  });

  it('has an answer with a known HTTP status for every documented confirm error', () => {
    const documented = [
      'NOT_FOUND_PAYMENT_SESSION',
      'REJECT_CARD_COMPANY',
      'FORBIDDEN_REQUEST',
      'UNAUTHORIZED_KEY',
      'ALREADY_PROCESSED_PAYMENT',
      'PROVIDER_ERROR',
      'INVALID_REQUEST',
      'NOT_FOUND_PAYMENT',
      'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING',
      'FAILED_INTERNAL_SYSTEM_PROCESSING',
      'UNKNOWN_PAYMENT_ERROR',
      'DUPLICATED_ORDER_ID',
      'IDEMPOTENT_REQUEST_PROCESSING',
      'INVALID_IDEMPOTENCY_KEY',
    ];
    for (const code of documented) {
      const r = TOSS_CONFIRM_ERRORS[code];
      expect(r).toBeDefined();
      expect(r.message.length).toBeGreaterThan(10);
      if (r.class !== 'lookup' && r.class !== 'unknown') expect(ERROR_STATUS[r.code!]).toBeGreaterThanOrEqual(400);
    }
  });

  it.each([
    ['NOT_FOUND_PAYMENT_SESSION', 404, 'decline_hard', 'TOSS_PAYMENT_SESSION_EXPIRED', 410],
    ['REJECT_CARD_COMPANY', 403, 'decline_soft', 'TOSS_PAYMENT_REJECTED', 402],
    ['FORBIDDEN_REQUEST', 403, 'refused', 'TOSS_GATEWAY_MISCONFIGURED', 502],
    ['UNAUTHORIZED_KEY', 401, 'refused', 'TOSS_GATEWAY_MISCONFIGURED', 502],
    ['PROVIDER_ERROR', 400, 'decline_soft', 'TOSS_PROVIDER_ERROR', 503],
    ['INVALID_REQUEST', 400, 'refused', 'TOSS_GATEWAY_REQUEST_INVALID', 502],
    ['DUPLICATED_ORDER_ID', 400, 'decline_hard', 'TOSS_ORDER_ALREADY_PAID', 409],
    ['IDEMPOTENT_REQUEST_PROCESSING', 409, 'busy', 'TOSS_CONFIRM_IN_PROGRESS', 409],
    ['ALREADY_PROCESSED_PAYMENT', 400, 'lookup', undefined, undefined],
    ['UNKNOWN_PAYMENT_ERROR', 500, 'unknown', undefined, undefined],
    // Unlisted codes, classified by HTTP status; never a success.
    ['NEW_AUTH_CODE', 401, 'refused', 'TOSS_GATEWAY_MISCONFIGURED', 502],
    ['NEW_BUSY_CODE', 409, 'busy', 'TOSS_CONFIRM_IN_PROGRESS', 409],
    ['NEW_SERVER_CODE', 503, 'unknown', undefined, undefined],
    ['NEW_CLIENT_CODE', 400, 'decline_soft', 'TOSS_PAYMENT_DECLINED', 402],
    ['__proto__', 400, 'decline_soft', 'TOSS_PAYMENT_DECLINED', 402],
  ])('confirm error %s (HTTP %i) is %s → %s (%p)', (code, httpStatus, cls, ours, ourStatus) => {
    const r = confirmErrorRule(code, httpStatus);
    expect(r.class).toBe(cls);
    expect(r.code).toBe(ours);
    if (ours) expect(ERROR_STATUS[r.code!]).toBe(ourStatus);
  });

  it('flags our configuration problems for operators, never buyer problems', () => {
    expect(confirmErrorRule('FORBIDDEN_REQUEST').operatorAlert).toBe(true);
    expect(confirmErrorRule('UNAUTHORIZED_KEY').operatorAlert).toBe(true);
    expect(confirmErrorRule('REJECT_CARD_COMPANY').operatorAlert).toBeUndefined();
  });

  it.each([
    [pgError('REJECT_CARD_COMPANY', 403), { status: 'DECLINED', kind: 'soft', code: 'REJECT_CARD_COMPANY' }],
    [
      pgError('NOT_FOUND_PAYMENT_SESSION', 404),
      { status: 'DECLINED', kind: 'hard', code: 'NOT_FOUND_PAYMENT_SESSION' },
    ],
    [pgError('UNAUTHORIZED_KEY', 401), { status: 'NOT_SENT', reason: 'refused_by_pg', retryable: false }],
    [pgError('IDEMPOTENT_REQUEST_PROCESSING', 409), { status: 'NOT_SENT', reason: 'refused_by_pg', retryable: true }],
    [pgError('ALREADY_PROCESSED_PAYMENT', 400), { status: 'UNKNOWN' }],
    [
      { kind: 'unknown', reason: 'response_timeout', detail: 't' },
      { status: 'UNKNOWN', reason: 'timeout' },
    ],
    [
      { kind: 'unknown', reason: 'server_error', detail: '500', httpStatus: 500 },
      { status: 'UNKNOWN', reason: 'server_error', httpStatus: 500 },
    ],
    [
      { kind: 'unknown', reason: 'connection_reset', detail: 'r' },
      { status: 'UNKNOWN', reason: 'connection' },
    ],
    [
      { kind: 'not_sent', reason: 'connection_refused', detail: 'c' },
      { status: 'NOT_SENT', reason: 'connection', retryable: true },
    ],
    [
      { kind: 'invalid_request', field: 'body.amount', message: 'bad' },
      { status: 'NOT_SENT', reason: 'invalid_request', retryable: false },
    ],
  ] as Array<[TossResult<TossPayment>, object]>)('confirm answer %j → %j', (res, expected) => {
    expect(confirmResultToOutcome(res)).toMatchObject(expected);
  });

  it('reads a Payment exactly, refunds only from finished cancels, and never calls an unreadable one a success', () => {
    const paid = paymentToOutcome(
      payment({
        status: 'PARTIAL_CANCELED',
        cancels: [
          { cancelAmount: 2.5, transactionKey: 't1', cancelStatus: 'DONE' },
          { cancelAmount: 1, transactionKey: 't2', cancelStatus: 'IN_PROGRESS' },
        ],
      }),
    );
    expect(paid).toMatchObject({
      status: 'SUCCEEDED',
      amount: usd(1050),
      refunded: usd(250),
      reference: 'order_1',
      gatewayPaymentId: 'pk_1',
    });
    expect(paymentToOutcome(payment({ totalAmount: 10.555 }))).toMatchObject({
      status: 'UNKNOWN',
      reason: 'unreadable_response',
    });
    expect(paymentToOutcome(payment({ status: 'NEW' }))).toMatchObject({
      status: 'UNKNOWN',
      reason: 'unmapped_status',
    });
    expect(
      paymentToOutcome(payment({ status: 'ABORTED', failure: { code: 'REJECT_CARD_COMPANY', message: 'x' } })),
    ).toMatchObject({
      status: 'DECLINED',
      kind: 'soft',
      code: 'REJECT_CARD_COMPANY',
    });
    expect(paymentToOutcome(payment({ status: 'IN_PROGRESS' }))).toMatchObject({ status: 'PENDING' });
  });

  it('never turns a failed lookup into NOT_FOUND', () => {
    expect(lookupResultToOutcome(pgError('NOT_FOUND_PAYMENT', 404))).toMatchObject({ status: 'NOT_FOUND' });
    expect(lookupResultToOutcome(pgError('FORBIDDEN_REQUEST', 403))).toMatchObject({ status: 'UNKNOWN' });
    expect(lookupResultToOutcome({ kind: 'not_sent', reason: 'dns_failure', detail: 'd' })).toMatchObject({
      status: 'UNKNOWN',
    });
    expect(
      lookupResultToOutcome({ kind: 'unknown', reason: 'server_error', detail: 'd', httpStatus: 503 }),
    ).toMatchObject({ status: 'UNKNOWN' });
  });

  it('reports a cancel as done only when Toss says DONE', () => {
    const ok = (cancelStatus: string): TossResult<TossPayment> => ({
      kind: 'ok',
      httpStatus: 200,
      data: payment({ cancels: [{ cancelAmount: 3, transactionKey: 'tx9', cancelStatus }] }),
    });
    expect(cancelResultToOutcome(ok('IN_PROGRESS'))).toEqual({
      status: 'PENDING',
      requested: usd(300),
      gatewayCancelId: 'tx9',
      rawStatus: 'IN_PROGRESS',
    });
    expect(cancelResultToOutcome(ok('DONE'))).toMatchObject({
      status: 'SUCCEEDED',
      refunded: usd(300),
      totalRefunded: usd(300),
      remaining: usd(750),
    });
    expect(cancelResultToOutcome(ok('ABORTED'))).toMatchObject({ status: 'DECLINED' });
    expect(cancelResultToOutcome(ok('LATER'))).toMatchObject({ status: 'PENDING' });
    expect(cancelResultToOutcome(pgError('NOT_CANCELABLE_AMOUNT', 403))).toMatchObject({
      status: 'DECLINED',
      code: 'NOT_CANCELABLE_AMOUNT',
    });
    expect(cancelResultToOutcome(pgError('UNAUTHORIZED_KEY', 401))).toMatchObject({
      status: 'NOT_SENT',
      retryable: false,
    });
    expect(cancelResultToOutcome({ kind: 'unknown', reason: 'response_timeout', detail: 't' })).toMatchObject({
      status: 'UNKNOWN',
      reason: 'timeout',
    });
    expect(cancelResultToOutcome({ kind: 'ok', httpStatus: 200, data: payment() })).toMatchObject({
      status: 'UNKNOWN',
    });
  });

  // Foreign easy pay cancels are asynchronous (pg-api-reference.md, Cancel); the 2022-11-16 Payment schema we pin
  // (community OpenAPI) has no cancelStatus, so its absence says nothing about completion.
  it.each([
    ['absent', undefined, 'PENDING', 'UNREPORTED'],
    ['null', null, 'PENDING', 'UNREPORTED'],
    ['IN_PROGRESS', 'IN_PROGRESS', 'PENDING', 'IN_PROGRESS'],
    ['DONE', 'DONE', 'SUCCEEDED', 'DONE'],
    ['ABORTED', 'ABORTED', 'DECLINED', 'ABORTED'],
    ['unlisted', 'LATER', 'PENDING', 'LATER'],
  ] as Array<[string, string | null | undefined, string, string]>)(
    'cancelStatus %s → %s, never booked as refunded unless DONE',
    (_name, cancelStatus, state, rawStatus) => {
      const cancel = {
        cancelAmount: 3,
        transactionKey: 'tx1',
        ...(cancelStatus === undefined ? {} : { cancelStatus }),
      } as NonNullable<TossPayment['cancels']>[number];
      expect(cancelStateOf(cancel)).toBe(state);
      const data = payment({ status: 'PARTIAL_CANCELED', cancels: [cancel] });
      const outcome = cancelResultToOutcome({ kind: 'ok', httpStatus: 200, data });
      expect(outcome.status).toBe(state);
      if (state === 'PENDING')
        expect(outcome).toEqual({ status: 'PENDING', requested: usd(300), gatewayCancelId: 'tx1', rawStatus });
      expect(paymentToOutcome(data)).toMatchObject({
        status: 'SUCCEEDED',
        refunded: usd(state === 'SUCCEEDED' ? 300 : 0),
      });
    },
  );

  it.each([
    ['50', 5000],
    ['10.5', 1050],
    ['0.01', 1],
    ['19.99', 1999],
    ['-50', null],
    ['5e1', null],
    ['50.001', null],
    [' 50', null],
    ['NaN', null],
    ['', null],
    [undefined, null],
    [50, null],
  ])('reads redirect amount %p as %p minor units', (value, minor) => {
    expect(redirectAmountMinor(value)).toBe(minor);
  });

  it('checks the redirect against the stored order', () => {
    const ok = { paymentKey: 'pk', orderId: 'order_1', amount: '50' };
    expect(checkRedirect('order_1', usd(5000), ok)).toEqual({ ok: true, paymentKey: 'pk' });
    expect(checkRedirect('order_1', usd(5001), ok)).toMatchObject({ ok: false, refused: { code: 'AMOUNT_MISMATCH' } });
    expect(checkRedirect('order_2', usd(5000), ok)).toMatchObject({ ok: false, refused: { code: 'ORDER_MISMATCH' } });
    expect(checkRedirect('order_1', usd(5000), { ...ok, paymentKey: '' })).toMatchObject({
      ok: false,
      refused: { code: 'PAYMENT_KEY_MISSING' },
    });
    for (const paymentKey of ['pk 1', 'pk\u00e9', 'p'.repeat(201), 'pk\n']) {
      expect(checkRedirect('order_1', usd(5000), { ...ok, paymentKey })).toMatchObject({
        ok: false,
        refused: { code: 'PAYMENT_KEY_INVALID', reason: 'invalid_request' },
      });
    }
    expect(checkRedirect('order_1', usd(5000), { ...ok, paymentKey: 'p'.repeat(200) })).toMatchObject({ ok: true });
    expect(checkRedirect('order_1', { amount: 5000, currency: 'KRW' }, ok)).toMatchObject({ ok: false });
  });

  it('derives one confirm Idempotency-Key per order and checkout, within Toss’s 300 characters', () => {
    expect(confirmIdempotencyKey('o1', 'pk')).toBe(confirmIdempotencyKey('o1', 'pk'));
    expect(confirmIdempotencyKey('o1', 'pk')).not.toBe(confirmIdempotencyKey('o1', 'pk2'));
    expect(confirmIdempotencyKey('o'.repeat(64), 'p'.repeat(200)).length).toBeLessThanOrEqual(300);
  });

  it('has a buyer message for every documented fail code, and one for anything else', () => {
    for (const code of ['PAY_PROCESS_CANCELED', 'PAY_PROCESS_ABORTED', 'REJECT_CARD_COMPANY'])
      expect(TOSS_FAIL_CODES[code]).toBeDefined();
    expect(failCodeRule('PAY_PROCESS_CANCELED').failsOrder).toBe(false);
    expect(failCodeRule('PAY_PROCESS_ABORTED').failsOrder).toBe(true);
    expect(failCodeRule('__proto__')).toEqual({ message: expect.any(String), failsOrder: true });
    expect(failCodeRule(undefined).message).toMatch(/could not be completed/);
  });
});
