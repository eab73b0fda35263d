import { parseTossWebhook } from './toss-webhook.parser';

const paymentData = {
  paymentKey: 'pk_1',
  orderId: 'order-0001',
  status: 'DONE',
  currency: 'USD',
  totalAmount: 10.5,
  balanceAmount: 10.5,
  cancels: null,
};
const cancelData = {
  transactionKey: 'tx_c1',
  cancelReason: 'r',
  cancelAmount: 5.5,
  canceledAt: '2026-01-01T00:00:00+09:00',
  cancelStatus: 'DONE',
};

describe('parseTossWebhook', () => {
  it('accepts PAYMENT_STATUS_CHANGED with the Payment object and reads the delivery headers', () => {
    const body = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-01-01T00:00:00.000', data: paymentData };
    const out = parseTossWebhook(body, {
      'TossPayments-Webhook-Transmission-Id': 'wh_abc',
      'tosspayments-webhook-transmission-retried-count': '2',
    });
    expect(out).toEqual({ ok: true, event: body, transmission: { id: 'wh_abc', retriedCount: 2 } });
  });

  it('accepts the minimal PAYMENT_STATUS_CHANGED data (key, order id, status)', () => {
    const body = {
      eventType: 'PAYMENT_STATUS_CHANGED',
      createdAt: 'x',
      data: { paymentKey: 'pk', orderId: 'o-0001', status: 'CANCELED' },
    };
    expect(parseTossWebhook(body)).toMatchObject({ ok: true, transmission: {} });
  });

  it('accepts CANCEL_STATUS_CHANGED, as a raw JSON string and as a Buffer', () => {
    const body = { eventType: 'CANCEL_STATUS_CHANGED', createdAt: '2026-01-01T00:00:00.000', data: cancelData };
    expect(parseTossWebhook(JSON.stringify(body))).toEqual({ ok: true, event: body, transmission: {} });
    expect(parseTossWebhook(Buffer.from(JSON.stringify(body)))).toMatchObject({
      ok: true,
      event: { data: { cancelStatus: 'DONE' } },
    });
  });

  it.each([
    ['not JSON', '{oops', 'not_json'],
    ['null', null, 'not_an_event'],
    ['an array', [], 'not_an_event'],
    ['no eventType', { createdAt: 'x', data: paymentData }, 'not_an_event'],
    ['no createdAt', { eventType: 'PAYMENT_STATUS_CHANGED', data: paymentData }, 'not_an_event'],
    ['an unhandled event type', { eventType: 'DEPOSIT_CALLBACK', createdAt: 'x', data: {} }, 'unsupported_event_type'],
    [
      'payment data without paymentKey',
      { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: 'x', data: { ...paymentData, paymentKey: undefined } },
      'invalid_data',
    ],
    [
      'payment data with a string amount',
      { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: 'x', data: { ...paymentData, totalAmount: '10.5' } },
      'invalid_data',
    ],
    ['payment data missing', { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: 'x' }, 'invalid_data'],
    [
      'cancel data without cancelStatus',
      { eventType: 'CANCEL_STATUS_CHANGED', createdAt: 'x', data: { ...cancelData, cancelStatus: undefined } },
      'invalid_data',
    ],
    [
      'cancel data without transactionKey',
      { eventType: 'CANCEL_STATUS_CHANGED', createdAt: 'x', data: { ...cancelData, transactionKey: '' } },
      'invalid_data',
    ],
  ])('rejects %s', (_name, body, reason) => {
    expect(parseTossWebhook(body)).toMatchObject({ ok: false, reason });
  });

  it('ignores a malformed retry counter rather than guessing', () => {
    const body = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: 'x', data: paymentData };
    expect(parseTossWebhook(body, { 'tosspayments-webhook-transmission-retried-count': 'many' })).toMatchObject({
      ok: true,
      transmission: {},
    });
    expect(parseTossWebhook(body, { 'tosspayments-webhook-transmission-id': ['a', 'b'] })).toMatchObject({
      transmission: { id: 'a' },
    });
  });

  it('names the unhandled event type so the controller can answer 2xx and log it', () => {
    expect(parseTossWebhook({ eventType: 'PAYOUT_STATUS_CHANGED', createdAt: 'x', data: {} })).toEqual({
      ok: false,
      reason: 'unsupported_event_type',
      detail: 'event type not handled',
      eventType: 'PAYOUT_STATUS_CHANGED',
    });
  });
});
