import type { PortonePayment } from '@app/portone-client';
import {
  failureOutcome,
  lookupFailureOutcome,
  parseFailReason,
  paymentOutcome,
  pickAttempt,
  readPayment,
  type RtPayment,
} from './portone-paypal-rt.mapper';

const wire = (over: Partial<PortonePayment> = {}): PortonePayment => ({
  imp_uid: 'imps_1',
  merchant_uid: 'order-1',
  amount: 19.99,
  cancel_amount: 0,
  currency: 'USD',
  status: 'paid',
  paid_at: 1_764_000_000,
  ...over,
});
const read = (over: Partial<PortonePayment> = {}): RtPayment => {
  const r = readPayment(wire(over));
  if ('problem' in r) throw new Error(r.problem);
  return r;
};
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('portone-paypal-rt mapper', () => {
  describe('readPayment', () => {
    it('reads major units exactly into minor units, with the cancel history', () => {
      const p = read({ amount: 19.99, cancel_amount: 5.5, cancel_history: [{ amount: 5.5, cancellation_id: 'c1' }] });
      expect(p).toMatchObject({
        amount: usd(1999),
        cancelled: usd(550),
        cancelHistory: [{ cancellationId: 'c1', amount: usd(550) }],
        extensionRead: false,
      });
      expect(read({ amount: 1500, currency: 'JPY' }).amount).toEqual({ amount: 1500, currency: 'JPY' });
    });

    it.each([
      ['an amount with more decimals than the currency has', { amount: 10.001 }],
      ['float noise', { amount: 0.1 + 0.2 }],
      ['an unknown currency', { currency: 'XXQ' }],
      ['a fractional yen', { amount: 10.5, currency: 'JPY' }],
    ])('answers a problem, never a guess, for %s', (_name, over) => {
      expect(readPayment(wire(over as Partial<PortonePayment>))).toEqual({ problem: expect.any(String) });
    });
  });

  describe('paymentOutcome', () => {
    it.each<[string, Partial<PortonePayment>, Record<string, unknown>]>([
      [
        'paid',
        {},
        {
          status: 'SUCCEEDED',
          amount: usd(1999),
          refunded: usd(0),
          reference: 'order-1',
          approvedAt: '2025-11-24T16:00:00.000Z',
        },
      ],
      [
        'cancelled (it was paid)',
        { status: 'cancelled', cancel_amount: 19.99 },
        { status: 'SUCCEEDED', refunded: usd(1999) },
      ],
      ['ready', { status: 'ready' }, { status: 'PENDING' }],
      [
        'failed read with extension',
        { status: 'failed', fail_reason: '[INSTRUMENT_DECLINED] no funds', extension: { PaymentStatus: 'Failed' } },
        { status: 'DECLINED', kind: 'soft', code: 'INSTRUMENT_DECLINED', message: 'no funds' },
      ],
      [
        'failed, PayPal pending',
        {
          status: 'failed',
          fail_reason: 'pending',
          extension: { PaymentStatus: 'Pending', PendingReason: 'paymentreview' },
        },
        { status: 'PENDING', reason: 'paymentreview' },
      ],
      [
        'failed read without extension (may be pending)',
        { status: 'failed' },
        { status: 'UNKNOWN', reason: 'unreadable_response' },
      ],
      [
        'an unlisted status',
        { status: 'refunded' },
        { status: 'UNKNOWN', reason: 'unmapped_status', rawStatus: 'refunded' },
      ],
      ['__proto__', { status: '__proto__' }, { status: 'UNKNOWN' }],
    ])('%s', (_name, over, expected) => {
      expect(paymentOutcome(read(over))).toMatchObject(expected);
    });

    it('classifies a Korean account as hard; a revoked agreement is soft until the adapter confirms the key is gone', () => {
      const ext = { extension: { PaymentStatus: 'Failed' } };
      expect(
        paymentOutcome(read({ status: 'failed', fail_reason: '[AGREEMENT_ALREADY_CANCELLED] gone', ...ext })),
      ).toMatchObject({ kind: 'soft', code: 'AGREEMENT_ALREADY_CANCELLED' });
      expect(paymentOutcome(read({ status: 'failed', fail_reason: '[SOMETHING_NEW] ?', ...ext }))).toMatchObject({
        kind: 'soft',
        code: 'SOMETHING_NEW',
      });
      expect(
        paymentOutcome(
          read({ status: 'failed', fail_reason: '구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.', ...ext }),
        ),
      ).toMatchObject({
        kind: 'hard',
        code: 'KOREAN_BUYER_ACCOUNT',
      });
    });
  });

  describe('parseFailReason', () => {
    it.each([
      ['구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.', 'KOREAN_BUYER_ACCOUNT'],
      ['[PayPal] 사용자가 결제를 취소하였습니다.', 'BUYER_CANCELED'],
      ['[PayPal] 빌링키 발급에 실패하였습니다.', 'PAYMENT_FAILED'],
      ['[PAYER_CANNOT_PAY] no', 'PAYER_CANNOT_PAY'],
      ['[PayPal] 구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.', 'KOREAN_BUYER_ACCOUNT'],
      // A PayPal issue code decides before the Korean-account text: a soft decline stays soft.
      ['[INSTRUMENT_DECLINED] 한국인 카드 거절', 'INSTRUMENT_DECLINED'],
      ['declined for a korean issuer', 'PAYMENT_FAILED'],
      ['', 'PAYMENT_FAILED'],
      [null, 'PAYMENT_FAILED'],
    ])('%j → %s', (text, code) => {
      expect(parseFailReason(text).code).toBe(code);
    });
  });

  it('picks the attempt that took money, then a PayPal-pending one, then the newest', () => {
    const failed = read({ imp_uid: 'a', status: 'failed', extension: { PaymentStatus: 'Failed' } });
    const pending = read({ imp_uid: 'b', status: 'failed', extension: { PaymentStatus: 'Pending' } });
    const paid = read({ imp_uid: 'c' });
    expect(pickAttempt([failed, pending, paid])?.impUid).toBe('c');
    expect(pickAttempt([failed, pending])?.impUid).toBe('b');
    expect(pickAttempt([failed])?.impUid).toBe('a');
    expect(pickAttempt([])).toBeUndefined();
  });

  describe('client failures', () => {
    it.each<[string, Parameters<typeof failureOutcome>[0], Record<string, unknown>]>([
      [
        'invalid input',
        { kind: 'invalid_request', field: 'request.currency', message: 'KRW' },
        { status: 'NOT_SENT', reason: 'invalid_request', retryable: false },
      ],
      [
        'no connection',
        { kind: 'not_sent', reason: 'connection_refused', detail: 'ECONNREFUSED' },
        { status: 'NOT_SENT', reason: 'connection', retryable: true },
      ],
      [
        'keys refused',
        { kind: 'pg_error', httpStatus: 401, code: -1, message: 'Unauthorized', phase: 'auth' },
        { status: 'NOT_SENT', code: 'UNAUTHORIZED', retryable: false },
      ],
      [
        'rate limited',
        { kind: 'pg_error', httpStatus: 429, code: -1, message: 'slow down', phase: 'call' },
        { status: 'NOT_SENT', code: 'RATE_LIMITED', retryable: true },
      ],
      [
        'a bare code -1 refusal (soft until the key is confirmed gone)',
        { kind: 'pg_error', httpStatus: 400, code: -1, message: 'unknown key', phase: 'call' },
        { status: 'DECLINED', kind: 'soft', code: 'REQUEST_FAILED' },
      ],
      [
        'a transient HTTP 200 refusal',
        { kind: 'pg_error', httpStatus: 200, code: -1, message: '카드사 요청에 실패하였습니다.', phase: 'call' },
        { status: 'DECLINED', kind: 'soft', code: 'CARD_COMPANY_REQUEST_FAILED' },
      ],
      [
        'an unlisted refusal',
        { kind: 'pg_error', httpStatus: 200, code: 7, message: '새로운 오류', phase: 'call' },
        { status: 'DECLINED', kind: 'soft', code: 'REQUEST_REFUSED' },
      ],
      [
        'a timeout',
        { kind: 'unknown', reason: 'response_timeout', detail: 'no answer' },
        { status: 'UNKNOWN', reason: 'timeout' },
      ],
      [
        'a reset',
        { kind: 'unknown', reason: 'connection_reset', detail: 'ECONNRESET' },
        { status: 'UNKNOWN', reason: 'connection' },
      ],
      [
        'a 5xx',
        { kind: 'unknown', reason: 'server_error', detail: 'HTTP 500', httpStatus: 500 },
        { status: 'UNKNOWN', reason: 'server_error', httpStatus: 500 },
      ],
    ])('%s', (_name, result, expected) => {
      expect(failureOutcome(result)).toMatchObject(expected);
    });

    it('a lookup: 404 or a not-found code is NOT_FOUND, any other refusal is UNKNOWN (never "it did not happen")', () => {
      expect(
        lookupFailureOutcome({ kind: 'pg_error', httpStatus: 404, code: -1, message: 'none', phase: 'call' }),
      ).toMatchObject({ status: 'NOT_FOUND' });
      expect(
        lookupFailureOutcome({
          kind: 'pg_error',
          httpStatus: 200,
          code: 1,
          message: '등록되지 않은 구매자입니다.',
          phase: 'call',
        }),
      ).toMatchObject({ status: 'NOT_FOUND' });
      expect(
        lookupFailureOutcome({
          kind: 'pg_error',
          httpStatus: 200,
          code: -1,
          message: '카드사 요청에 실패하였습니다.',
          phase: 'call',
        }),
      ).toMatchObject({ status: 'UNKNOWN' });
      expect(
        lookupFailureOutcome({ kind: 'pg_error', httpStatus: 400, code: -1, message: 'no', phase: 'call' }),
      ).toMatchObject({ status: 'UNKNOWN' });
      expect(lookupFailureOutcome({ kind: 'unknown', reason: 'server_error', detail: 'HTTP 503' })).toMatchObject({
        status: 'UNKNOWN',
      });
    });
  });
});
