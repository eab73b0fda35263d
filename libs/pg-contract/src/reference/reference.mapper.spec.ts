import { PORTONE_STATUS_TABLE, PAYPAL_DECLINE_TABLE, paymentOutcome, parseFailReason, pickAttempt, readPayment, envelopeResponse, envelopeError, type PortonePayment } from './reference.mapper';
import { classifyDecline, mapStatus } from '../pg.mapper';

/** A PortOne V1 payment object as the API answers it (the fields the adapter reads). */
function raw(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    imp_uid: 'imp_100000000001',
    merchant_uid: 'order-1',
    status: 'paid',
    amount: 10.5,
    cancel_amount: 0,
    currency: 'USD',
    cancel_history: [],
    customer_uid: 'key-1',
    customer_uid_usage: 'payment',
    fail_reason: null,
    paid_at: 1_700_000_000,
    pg_tid: 'PAYPALTX',
    sandbox: true,
    ...over,
  };
}

function read(over: Record<string, unknown> = {}): PortonePayment {
  const p = readPayment(raw(over));
  if ('problem' in p) throw new Error(p.problem);
  return p;
}

describe('PORTONE_STATUS_TABLE', () => {
  it.each([
    ['paid', 'SUCCEEDED'],
    ['cancelled', 'SUCCEEDED'],
    ['ready', 'PENDING'],
    ['failed', 'DECLINED'],
    ['refunded', 'UNKNOWN'],
    ['PAID', 'UNKNOWN'],
  ])('%s -> %s', (status, cls) => {
    expect(mapStatus(PORTONE_STATUS_TABLE, status)).toBe(cls);
  });
});

describe('PAYPAL_DECLINE_TABLE', () => {
  it.each([
    ['AGREEMENT_ALREADY_CANCELLED', 'hard'],
    ['PAYER_ACCOUNT_LOCKED_OR_CLOSED', 'hard'],
    ['REQUEST_REFUSED', 'hard'],
    ['INSTRUMENT_DECLINED', 'soft'],
    ['PAYMENT_FAILED', 'soft'],
    ['SOMETHING_NEW', 'soft'],
  ])('%s -> %s', (code, kind) => {
    expect(classifyDecline(PAYPAL_DECLINE_TABLE, code)).toBe(kind);
  });
});

describe('readPayment', () => {
  it('reads amounts exactly into minor units', () => {
    const p = read({ amount: 19.99, cancel_amount: 5.5, cancel_history: [{ cancellation_id: 'c1', amount: 5.5 }] });
    expect(p.amount).toEqual({ amount: 1999, currency: 'USD' });
    expect(p.cancelled).toEqual({ amount: 550, currency: 'USD' });
    expect(p.cancelHistory).toEqual([{ cancellationId: 'c1', amount: { amount: 550, currency: 'USD' } }]);
    expect(read({ amount: 1500, currency: 'JPY' }).amount).toEqual({ amount: 1500, currency: 'JPY' });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no imp_uid', { imp_uid: undefined }, /imp_uid/],
    ['no status', { status: 3 }, /status/],
    ['unknown currency', { currency: 'XXX' }, /currency/],
    ['float noise', { amount: 0.1 + 0.2 }, /unreadable amount/],
    ['amount as text with too many decimals', { amount: '10.555' }, /unreadable amount/],
    ['a string cancel_history entry', { cancel_history: ['x'] }, /unreadable amount|cancel_history/],
    ['a missing amount', { amount: undefined }, /unreadable amount/],
  ])('refuses %s', (_name, over, problem) => {
    const p = readPayment(raw(over));
    expect('problem' in p && p.problem).toMatch(problem);
  });

  it('refuses what is not an object', () => {
    expect(readPayment(null)).toEqual({ problem: 'payment is not an object' });
    expect(readPayment([raw()])).toEqual({ problem: 'payment is not an object' });
  });
});

describe('paymentOutcome', () => {
  it('maps paid to SUCCEEDED with the PG amount, refunded and approval time', () => {
    expect(paymentOutcome(read())).toEqual({
      status: 'SUCCEEDED',
      gatewayPaymentId: 'imp_100000000001',
      reference: 'order-1',
      amount: { amount: 1050, currency: 'USD' },
      refunded: { amount: 0, currency: 'USD' },
      rawStatus: 'paid',
      approvedAt: '2023-11-14T22:13:20.000Z',
      extra: { pgTid: 'PAYPALTX', sandbox: true },
    });
  });

  it('maps a fully cancelled payment to SUCCEEDED with everything refunded', () => {
    expect(paymentOutcome(read({ status: 'cancelled', cancel_amount: 10.5 }))).toMatchObject({ status: 'SUCCEEDED', refunded: { amount: 1050, currency: 'USD' } });
  });

  it('maps a failed payment PayPal holds pending to PENDING with its reason', () => {
    const p = read({ status: 'failed', fail_reason: '[PayPal] pending', extension: { PaymentStatus: 'Pending', PendingReason: 'echeck' } });
    expect(paymentOutcome(p)).toMatchObject({ status: 'PENDING', reason: 'echeck', amount: { amount: 1050, currency: 'USD' } });
  });

  it('maps a failed payment to a decline with the code of its fail_reason', () => {
    const p = read({ status: 'failed', fail_reason: '[AGREEMENT_ALREADY_CANCELLED] gone', extension: { PaymentStatus: 'Failed', PendingReason: 'none' } });
    expect(paymentOutcome(p)).toEqual({
      status: 'DECLINED',
      kind: 'hard',
      code: 'AGREEMENT_ALREADY_CANCELLED',
      message: 'gone',
      gatewayPaymentId: 'imp_100000000001',
      reference: 'order-1',
      rawStatus: 'failed',
    });
  });

  it('will not call a failed payment read without extension a decline', () => {
    expect(paymentOutcome(read({ status: 'failed' }))).toMatchObject({ status: 'UNKNOWN', reason: 'unreadable_response' });
  });

  it('maps ready to PENDING and an unlisted status to UNKNOWN', () => {
    expect(paymentOutcome(read({ status: 'ready' })).status).toBe('PENDING');
    expect(paymentOutcome(read({ status: 'refunded' }))).toMatchObject({ status: 'UNKNOWN', reason: 'unmapped_status', rawStatus: 'refunded' });
  });
});

describe('parseFailReason', () => {
  it.each<[string | null, string, string]>([
    ['[INSTRUMENT_DECLINED] card refused', 'INSTRUMENT_DECLINED', 'card refused'],
    ['[PayPal] 결제 승인 대기', 'PayPal', '결제 승인 대기'],
    ['plain message', 'PAYMENT_FAILED', 'plain message'],
    [null, 'PAYMENT_FAILED', 'payment failed'],
    ['[bad code with spaces] x', 'PAYMENT_FAILED', '[bad code with spaces] x'],
  ])('%j', (reason, code, message) => {
    expect(parseFailReason(reason)).toEqual({ code, message });
  });
});

describe('pickAttempt', () => {
  const failed = read({ imp_uid: 'imp_f', status: 'failed', extension: { PaymentStatus: 'Failed' } });
  const pending = read({ imp_uid: 'imp_p', status: 'failed', extension: { PaymentStatus: 'Pending' } });
  const paid = read({ imp_uid: 'imp_ok', status: 'paid' });

  it.each<[string, PortonePayment[], string | undefined]>([
    ['a paid attempt wins over a newer failed one', [failed, paid], 'imp_ok'],
    ['a pending attempt wins over a newer failed one', [failed, pending], 'imp_p'],
    ['paid wins over pending', [pending, paid], 'imp_ok'],
    ['otherwise the newest', [failed, read({ imp_uid: 'imp_old', status: 'failed', extension: {} })], 'imp_f'],
    ['nothing', [], undefined],
  ])('%s', (_name, attempts, id) => {
    expect(pickAttempt(attempts)?.impUid).toBe(id);
  });
});

describe('envelopes', () => {
  it('takes the response of code 0 only', () => {
    expect(envelopeResponse({ code: 0, message: null, response: { a: 1 } })).toEqual({ a: 1 });
    expect(envelopeResponse({ code: -1, message: 'no', response: null })).toBeUndefined();
    expect(envelopeResponse({ code: 0, response: null })).toBeUndefined();
    expect(envelopeResponse('x')).toBeUndefined();
    expect(envelopeError({ code: -1, message: 'no' })).toEqual({ code: -1, message: 'no' });
    expect(envelopeError(undefined)).toEqual({ code: -1, message: 'no message' });
  });
});
