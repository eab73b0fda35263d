import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitFor } from '../../../test/helpers/wait-for';
import { sandboxTossKeys } from './sandbox.credentials';
import {
  basicAuth,
  call,
  startReceiver,
  startSandbox,
  type RunningSandbox,
  type WebhookReceiver,
} from './sandbox.test-harness';

const ACCT = 'shop-a';
const keys = sandboxTossKeys(ACCT);
const auth = { authorization: basicAuth(keys.secretKey) };
const MIN = 60_000;
// A frozen base clock: sandbox time moves only when a test advances it, so boundaries are exact.
const T0 = Date.parse('2026-03-01T00:00:00Z');
const now = () => T0;

let s: RunningSandbox;
let hook: WebhookReceiver;
let seq = 0;

beforeEach(async () => {
  s = await startSandbox({ now });
  hook = await startReceiver();
});
afterEach(async () => {
  await s.close();
  await hook.close();
});

function paymentRequest(overrides: Record<string, unknown> = {}) {
  return {
    method: 'FOREIGN_EASY_PAY',
    amount: { currency: 'USD', value: 10.5 },
    orderId: `order_${++seq}_abcdef`,
    orderName: 'Pro plan',
    successUrl: 'https://shop.example/toss/success?cart=42',
    failUrl: 'https://shop.example/toss/fail',
    foreignEasyPay: { provider: 'PAYPAL', country: 'US' },
    ...overrides,
  };
}

async function checkout(request = paymentRequest(), outcome?: string, clientKey = keys.clientKey) {
  const res = await call('POST', `${s.base}/toss/buyer/payments`, {
    body: { clientKey, paymentRequest: request, buyer: outcome ? { outcome } : {} },
  });
  return { res, request, url: res.body?.redirectUrl ? new URL(res.body.redirectUrl) : undefined };
}

async function approved(request = paymentRequest()) {
  const { url } = await checkout(request);
  const q = url!.searchParams;
  return { paymentKey: q.get('paymentKey')!, orderId: q.get('orderId')!, amount: Number(q.get('amount')) };
}

const confirm = (body: unknown, headers: Record<string, string> = auth) =>
  call('POST', `${s.base}/toss/v1/payments/confirm`, { headers, body });
const cancel = (paymentKey: string, body: unknown, headers: Record<string, string> = auth) =>
  call('POST', `${s.base}/toss/v1/payments/${paymentKey}/cancel`, { headers, body });
const retrieve = (paymentKey: string, headers: Record<string, string> = auth) =>
  call('GET', `${s.base}/toss/v1/payments/${paymentKey}`, { headers });
const registerHook = () => call('PUT', `${s.base}/toss/console/webhook`, { headers: auth, body: { url: hook.url } });
const fault = (body: unknown) =>
  call('POST', `${s.base}/control/faults`, { body: { gateway: 'toss', ...(body as object) } });

describe('Toss authentication', () => {
  it.each([
    ['no header', {}],
    ['Bearer instead of Basic', { authorization: `Bearer ${keys.secretKey}` }],
    ['key without the colon', { authorization: `Basic ${Buffer.from(keys.secretKey).toString('base64')}` }],
    ['a client key', { authorization: basicAuth(keys.clientKey) }],
    ['a live-looking key', { authorization: basicAuth('live_sk_abc') }],
  ])('answers 401 UNAUTHORIZED_KEY for %s', async (_name, headers) => {
    const res = await retrieve('whatever', headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED_KEY');
    expect(typeof res.body.message).toBe('string');
  });
});

describe('Toss buyer checkout', () => {
  it('redirects to successUrl with paymentType, orderId, paymentKey and amount, keeping its own query', async () => {
    const { res, request, url } = await checkout();
    expect(res.status).toBe(200);
    expect(url!.origin + url!.pathname).toBe('https://shop.example/toss/success');
    expect(url!.searchParams.get('cart')).toBe('42');
    expect(url!.searchParams.get('paymentType')).toBe('NORMAL');
    expect(url!.searchParams.get('orderId')).toBe(request.orderId);
    expect(url!.searchParams.get('paymentKey')).toMatch(/^\w{20,}$/);
    expect(url!.searchParams.get('amount')).toBe('10.5');
  });

  it('sends a buyer cancel to failUrl with PAY_PROCESS_CANCELED and no orderId', async () => {
    const { url } = await checkout(paymentRequest(), 'cancel');
    expect(url!.pathname).toBe('/toss/fail');
    expect(url!.searchParams.get('code')).toBe('PAY_PROCESS_CANCELED');
    expect(url!.searchParams.get('message')).toBeTruthy();
    expect(url!.searchParams.has('orderId')).toBe(false);
  });

  it.each([
    ['abort', 'PAY_PROCESS_ABORTED'],
    ['reject', 'REJECT_CARD_COMPANY'],
  ])('sends %s to failUrl with %s and the orderId', async (outcome, code) => {
    const request = paymentRequest();
    const { url } = await checkout(request, outcome);
    expect(url!.searchParams.get('code')).toBe(code);
    expect(url!.searchParams.get('orderId')).toBe(request.orderId);
  });

  it.each([
    ['method', { method: 'CARD' }],
    ['a currency other than USD', { amount: { currency: 'KRW', value: 1000 } }],
    ['three decimals', { amount: { currency: 'USD', value: 10.555 } }],
    ['a zero amount', { amount: { currency: 'USD', value: 0 } }],
    ['a 5-character orderId', { orderId: 'abcde' }],
    ['a 65-character orderId', { orderId: 'a'.repeat(65) }],
    ['a forbidden character in orderId', { orderId: 'order#123' }],
    ['no orderName', { orderName: '' }],
    ['a relative failUrl', { failUrl: '/fail' }],
    ['a provider other than PAYPAL', { foreignEasyPay: { provider: 'ALIPAY', country: 'US' } }],
    ['no buyer country', { foreignEasyPay: { provider: 'PAYPAL' } }],
    [
      'a non-string STC value',
      {
        foreignEasyPay: {
          provider: 'PAYPAL',
          country: 'US',
          paymentMethodOptions: { paypal: { setTransactionContext: { sender_account_id: 5 } } },
        },
      },
    ],
    [
      'STC that is not an object',
      {
        foreignEasyPay: {
          provider: 'PAYPAL',
          country: 'US',
          paymentMethodOptions: { paypal: { setTransactionContext: 'x' } },
        },
      },
    ],
  ])('refuses %s with 400 INVALID_REQUEST', async (_name, overrides) => {
    const { res } = await checkout(paymentRequest(overrides));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  });

  // Source: @tosspayments/tosspayments-sdk types/index.d.ts — ForeignEasyPayPaymentRequest takes paymentMethodOptions
  // inside foreignEasyPay (each level optional and nullable); PaymentRequest has none at top level.
  it('takes STC from foreignEasyPay.paymentMethodOptions only and ignores a top-level one, as the SDK does', async () => {
    const stc = { sender_account_id: 'A1' };
    const inside = await approved(
      paymentRequest({
        foreignEasyPay: {
          provider: 'PAYPAL',
          country: 'US',
          paymentMethodOptions: { paypal: { setTransactionContext: stc } },
        },
      }),
    );
    const beside = await approved(paymentRequest({ paymentMethodOptions: { paypal: { setTransactionContext: stc } } }));
    const badBeside = await checkout(
      paymentRequest({ paymentMethodOptions: { paypal: { setTransactionContext: { sender_account_id: 5 } } } }),
    );
    expect(badBeside.res.status).toBe(200);
    for (const p of [inside, beside]) expect((await confirm(p)).status).toBe(200);
    const stcOf = async (orderId: string) =>
      (await call('GET', `${s.base}/toss/ledger?orderId=${orderId}`)).body.data[0].stc;
    expect(await stcOf(inside.orderId)).toEqual(stc);
    expect(await stcOf(beside.orderId)).toBeNull();
  });

  it.each([
    ['null paymentMethodOptions', { paymentMethodOptions: null }],
    ['no paypal', { paymentMethodOptions: {} }],
    ['null paypal', { paymentMethodOptions: { paypal: null } }],
    ['no setTransactionContext', { paymentMethodOptions: { paypal: {} } }],
  ])('accepts %s inside foreignEasyPay (optional and nullable in the typings), without STC', async (_name, extra) => {
    const p = await approved(paymentRequest({ foreignEasyPay: { provider: 'PAYPAL', country: 'US', ...extra } }));
    expect((await confirm(p)).status).toBe(200);
    expect((await call('GET', `${s.base}/toss/ledger?orderId=${p.orderId}`)).body.data[0].stc).toBeNull();
  });

  it('accepts orderIds of exactly 6 and 64 allowed characters', async () => {
    for (const orderId of ['a_-=9Z', 'x'.repeat(64)]) {
      const { res } = await checkout(paymentRequest({ orderId }));
      expect(res.status).toBe(200);
    }
  });

  it('turns a decline fault into a failUrl redirect with the fault’s code and the orderId, and no payment', async () => {
    const request = paymentRequest();
    await fault({
      operation: 'buyerPayment',
      match: { orderId: request.orderId },
      fault: { type: 'decline', code: 'REJECT_CARD_COMPANY', message: 'PayPal refused' },
    });
    const { url } = await checkout(request);
    expect(url!.pathname).toBe('/toss/fail');
    expect(Object.fromEntries(url!.searchParams)).toEqual({
      code: 'REJECT_CARD_COMPANY',
      message: 'PayPal refused',
      orderId: request.orderId,
    });
    const byOrder = await call('GET', `${s.base}/toss/v1/payments/orders/${request.orderId}`, { headers: auth });
    expect(byOrder.status).toBe(404);
  });

  it('refuses an unknown client key with 401', async () => {
    const { res } = await checkout(paymentRequest(), undefined, 'test_ck_other');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED_KEY');
  });

  it('refuses an orderId that was already paid with DUPLICATED_ORDER_ID', async () => {
    const request = paymentRequest();
    const p = await approved(request);
    expect((await confirm(p)).status).toBe(200);
    const { res } = await checkout(request);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DUPLICATED_ORDER_ID');
  });
});

describe('Toss confirm', () => {
  it('answers 200 with a foreign-easy-pay Payment object', async () => {
    const request = paymentRequest({
      foreignEasyPay: {
        provider: 'PAYPAL',
        country: 'DE',
        paymentMethodOptions: {
          paypal: { setTransactionContext: { sender_account_id: 'A1', sender_country_code: 'US' } },
        },
      },
    });
    const p = await approved(request);
    const res = await confirm(p, { ...auth, 'TossPayments-API-Version': '2024-06-01' });
    expect(res.status).toBe(200);
    const b = res.body;
    expect(b).toMatchObject({
      version: '2024-06-01',
      paymentKey: p.paymentKey,
      type: 'NORMAL',
      orderId: p.orderId,
      orderName: 'Pro plan',
      mId: keys.mId,
      currency: 'USD',
      method: '해외간편결제',
      totalAmount: 10.5,
      balanceAmount: 10.5,
      status: 'DONE',
      isPartialCancelable: true,
      easyPay: { provider: '페이팔', amount: 0, discountAmount: 0 },
      country: 'DE',
      cancels: null,
      failure: null,
    });
    expect(b.approvedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect(b.requestedAt).toMatch(/\+09:00$/);
    expect(b.lastTransactionKey).toMatch(/^[0-9a-f]{32}$/);
    expect(b.receipt.url).toEqual(expect.any(String));
    const ledger = await call('GET', `${s.base}/toss/ledger?orderId=${p.orderId}`);
    expect(ledger.body.data).toEqual([
      expect.objectContaining({
        operation: 'confirm',
        outcome: 'approved',
        account: ACCT,
        paymentKey: p.paymentKey,
        amount: 10.5,
        currency: 'USD',
        stc: { sender_account_id: 'A1', sender_country_code: 'US' },
      }),
    ]);
  });

  it('uses the default API version when the header is absent, and refuses a malformed one', async () => {
    const p = await approved();
    expect((await confirm(p, { ...auth, 'TossPayments-API-Version': 'latest' })).body.code).toBe('INVALID_REQUEST');
    expect((await confirm(p)).body.version).toBe('2022-11-16');
  });

  it('answers 403 FORBIDDEN_REQUEST when the orderId differs from the request', async () => {
    const p = await approved();
    const res = await confirm({ ...p, orderId: 'another_order' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN_REQUEST');
  });

  it('answers 400 INVALID_REQUEST when the amount differs from the requested one (and confirms nothing)', async () => {
    const p = await approved();
    const res = await confirm({ ...p, amount: 1.05 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
    expect((await retrieve(p.paymentKey)).body.status).toBe('IN_PROGRESS');
  });

  it('answers 400 ALREADY_PROCESSED_PAYMENT on a second confirm', async () => {
    const p = await approved();
    expect((await confirm(p)).status).toBe(200);
    const again = await confirm(p);
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('ALREADY_PROCESSED_PAYMENT');
  });

  it('answers 404 NOT_FOUND_PAYMENT_SESSION for an unknown key and for another account’s key', async () => {
    const p = await approved();
    const unknown = await confirm({ ...p, paymentKey: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND_PAYMENT_SESSION');
    const other = await confirm(p, { authorization: basicAuth(sandboxTossKeys('shop-b').secretKey) });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('NOT_FOUND_PAYMENT_SESSION');
    expect((await retrieve(p.paymentKey)).body.status).toBe('IN_PROGRESS');
  });

  it('confirms up to 10 minutes after the request and answers 404 NOT_FOUND_PAYMENT_SESSION after that', async () => {
    const early = await approved();
    const late = await approved();
    s.sandbox.advance(10 * MIN);
    expect((await confirm(early)).status).toBe(200);
    s.sandbox.advance(1000);
    const res = await confirm(late);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND_PAYMENT_SESSION');
  });

  it('confirms an orderId once even when the buyer opened two checkout windows for it', async () => {
    const request = paymentRequest();
    const first = await approved(request);
    const second = await approved(request);
    expect(second.paymentKey).not.toBe(first.paymentKey);
    expect((await confirm(second)).status).toBe(200);
    const res = await confirm(first);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DUPLICATED_ORDER_ID');
    expect((await retrieve(first.paymentKey)).body.status).toBe('IN_PROGRESS');
  });

  it('answers 400 INVALID_REQUEST when a field is missing', async () => {
    const p = await approved();
    const res = await confirm({ paymentKey: p.paymentKey, orderId: p.orderId });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  });

  it('reproduces an error named by TossPayments-Test-Code without doing the work', async () => {
    const p = await approved();
    const res = await confirm(p, { ...auth, 'TossPayments-Test-Code': 'REJECT_CARD_COMPANY' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('REJECT_CARD_COMPANY');
    expect((await retrieve(p.paymentKey)).body.status).toBe('IN_PROGRESS');
  });

  it('turns a decline fault into the documented error, an ABORTED payment and its webhook', async () => {
    await registerHook();
    const p = await approved();
    await fault({
      operation: 'confirm',
      match: { orderId: p.orderId },
      fault: { type: 'decline', code: 'REJECT_CARD_COMPANY', message: 'limit exceeded' },
    });
    const res = await confirm(p);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 'REJECT_CARD_COMPANY', message: 'limit exceeded' });
    const after = await retrieve(p.paymentKey);
    expect(after.body.status).toBe('ABORTED');
    expect(after.body.failure).toEqual({ code: 'REJECT_CARD_COMPANY', message: 'limit exceeded' });
    expect(await s.sandbox.idle()).toBe(true);
    expect(hook.received.map((r) => [r.body.eventType, (r.body.data as any).status])).toEqual([
      ['PAYMENT_STATUS_CHANGED', 'ABORTED'],
    ]);
    const ledger = await call('GET', `${s.base}/toss/ledger?orderId=${p.orderId}`);
    expect(ledger.body.data[0]).toMatchObject({ outcome: 'declined', code: 'REJECT_CARD_COMPANY' });
  });
});

describe('Toss retrieve', () => {
  it('finds a payment by paymentKey and by orderId, for its own account only', async () => {
    const p = await approved();
    await confirm(p);
    const byKey = await retrieve(p.paymentKey);
    expect(byKey.status).toBe(200);
    expect(byKey.body.status).toBe('DONE');
    const byOrder = await call('GET', `${s.base}/toss/v1/payments/orders/${p.orderId}`, { headers: auth });
    expect(byOrder.body.paymentKey).toBe(p.paymentKey);
    const other = { authorization: basicAuth(sandboxTossKeys('shop-b').secretKey) };
    for (const res of [
      await retrieve(p.paymentKey, other),
      await call('GET', `${s.base}/toss/v1/payments/orders/${p.orderId}`, { headers: other }),
      await retrieve('unknown'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('NOT_FOUND_PAYMENT');
    }
  });

  it('expires an unconfirmed payment after 30 minutes with a PAYMENT_STATUS_CHANGED webhook', async () => {
    await registerHook();
    const p = await approved();
    s.sandbox.advance(30 * MIN - 1);
    expect((await retrieve(p.paymentKey)).body.status).toBe('IN_PROGRESS');
    s.sandbox.advance(1);
    expect((await retrieve(p.paymentKey)).body.status).toBe('EXPIRED');
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].body).toMatchObject({
      eventType: 'PAYMENT_STATUS_CHANGED',
      data: { status: 'EXPIRED', paymentKey: p.paymentKey },
    });
  });

  it('keeps an abandoned checkout READY until it expires', async () => {
    const { res, request } = await checkout(paymentRequest(), 'abandon');
    expect(res.body.redirectUrl).toBeNull();
    const byOrder = await call('GET', `${s.base}/toss/v1/payments/orders/${request.orderId}`, { headers: auth });
    expect(byOrder.body.status).toBe('READY');
    s.sandbox.advance(30 * MIN);
    expect((await retrieve(byOrder.body.paymentKey)).body.status).toBe('EXPIRED');
  });
});

describe('Toss idempotency', () => {
  it('replays the first answer for the same key on the same URL, whatever the body', async () => {
    const p1 = await approved();
    const p2 = await approved();
    const h = { ...auth, 'Idempotency-Key': 'idem-1' };
    const first = await confirm(p1, h);
    expect(first.status).toBe(200);
    const replay = await confirm(p2, h);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    // p2 was never confirmed: the key named one operation.
    expect((await retrieve(p2.paymentKey)).body.status).toBe('IN_PROGRESS');
    const ledger = await call('GET', `${s.base}/toss/ledger?operation=confirm`);
    expect(ledger.body.data).toHaveLength(1);
  });

  it('scopes keys by secret key and URL', async () => {
    const p = await approved();
    await confirm(p, { ...auth, 'Idempotency-Key': 'k' });
    // Same key on another URL is another operation.
    const c = await cancel(p.paymentKey, { cancelReason: 'r' }, { ...auth, 'Idempotency-Key': 'k' });
    expect(c.status).toBe(200);
    expect(c.body.cancels).toHaveLength(1);
    // Same key and URL under another secret key is another operation.
    const other = await confirm(p, {
      authorization: basicAuth(sandboxTossKeys('shop-b').secretKey),
      'Idempotency-Key': 'k',
    });
    expect(other.body.code).toBe('NOT_FOUND_PAYMENT_SESSION');
  });

  it('refuses a key longer than 300 characters with 400 INVALID_IDEMPOTENCY_KEY and accepts 300', async () => {
    const p = await approved();
    const long = await confirm(p, { ...auth, 'Idempotency-Key': 'k'.repeat(301) });
    expect(long.status).toBe(400);
    expect(long.body.code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect((await confirm(p, { ...auth, 'Idempotency-Key': 'k'.repeat(300) })).status).toBe(200);
  });

  it('answers 409 IDEMPOTENT_REQUEST_PROCESSING while the first request is still running', async () => {
    const p = await approved();
    await fault({ operation: 'confirm', fault: { type: 'latency', ms: 400 } });
    const h = { ...auth, 'Idempotency-Key': 'slow' };
    const faultsBefore = s.sandbox.stats().faults;
    const firstP = confirm(p, h);
    // The first request has claimed its key once it has taken its latency fault (both in one turn).
    expect(await waitFor(() => s.sandbox.stats().faults < faultsBefore, { intervalMs: 5 })).toBe(true);
    const second = await confirm(p, h);
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('IDEMPOTENT_REQUEST_PROCESSING');
    expect((await firstP).status).toBe(200);
    expect((await confirm(p, h)).status).toBe(200);
  });

  it('forgets a key after 15 days of sandbox time', async () => {
    const p = await approved();
    const h = { ...auth, 'Idempotency-Key': 'fortnight' };
    expect((await confirm(p, h)).status).toBe(200);
    s.sandbox.advance(15 * 24 * 60 * MIN - 1);
    expect((await confirm(p, h)).status).toBe(200);
    s.sandbox.advance(1);
    const fresh = await confirm(p, h);
    expect(fresh.status).toBe(400);
    expect(fresh.body.code).toBe('ALREADY_PROCESSED_PAYMENT');
  });

  it('does not remember an injected http_error, so a retry with the key does the work', async () => {
    const p = await approved();
    await fault({ operation: 'confirm', fault: { type: 'http_error', status: 500 } });
    const h = { ...auth, 'Idempotency-Key': 'after-500' };
    const failed = await confirm(p, h);
    expect(failed.status).toBe(500);
    expect(failed.body.code).toBe('FAILED_INTERNAL_SYSTEM_PROCESSING');
    expect((await confirm(p, h)).status).toBe(200);
  });
});

describe('Toss cancel (asynchronous for foreign easy pay)', () => {
  async function done() {
    const p = await approved(paymentRequest({ amount: { currency: 'USD', value: 20 } }));
    expect((await confirm(p)).status).toBe(200);
    return p;
  }

  it('answers the cancel IN_PROGRESS, then completes it with CANCEL_STATUS_CHANGED and PAYMENT_STATUS_CHANGED', async () => {
    await registerHook();
    const p = await done();
    await s.sandbox.idle();
    hook.received.length = 0;
    const res = await cancel(p.paymentKey, { cancelReason: 'customer asked' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('DONE');
    expect(res.body.balanceAmount).toBe(20);
    expect(res.body.cancels).toEqual([
      expect.objectContaining({
        cancelAmount: 20,
        cancelReason: 'customer asked',
        refundableAmount: 0,
        cancelStatus: 'IN_PROGRESS',
        transactionKey: expect.stringMatching(/^[0-9a-f]{32}$/),
        cancelRequestId: expect.any(String),
        canceledAt: expect.stringMatching(/\+09:00$/),
      }),
    ]);
    expect(await s.sandbox.idle()).toBe(true);
    const after = await retrieve(p.paymentKey);
    expect(after.body).toMatchObject({
      status: 'CANCELED',
      balanceAmount: 0,
      lastTransactionKey: res.body.cancels[0].transactionKey,
    });
    expect(after.body.cancels[0].cancelStatus).toBe('DONE');
    expect(hook.received.map((r) => r.body.eventType)).toEqual(['CANCEL_STATUS_CHANGED', 'PAYMENT_STATUS_CHANGED']);
    expect(hook.received[0].body.data).toMatchObject({
      transactionKey: res.body.cancels[0].transactionKey,
      cancelStatus: 'DONE',
      cancelAmount: 20,
    });
    expect((hook.received[1].body.data as any).status).toBe('CANCELED');
  });

  it('requires currency for a partial cancel, then cancels partially', async () => {
    const p = await done();
    const noCurrency = await cancel(p.paymentKey, { cancelReason: 'partial', cancelAmount: 5.25 });
    expect(noCurrency.status).toBe(400);
    expect(noCurrency.body.code).toBe('INVALID_REQUEST');
    const ok = await cancel(p.paymentKey, { cancelReason: 'partial', cancelAmount: 5.25, currency: 'USD' });
    expect(ok.status).toBe(200);
    expect(ok.body.cancels[0]).toMatchObject({ cancelAmount: 5.25, refundableAmount: 14.75 });
    await s.sandbox.idle();
    expect((await retrieve(p.paymentKey)).body).toMatchObject({
      status: 'PARTIAL_CANCELED',
      balanceAmount: 14.75,
      totalAmount: 20,
    });
  });

  it('refuses more than the cancellable balance with 403 NOT_CANCELABLE_AMOUNT, counting cancels in progress', async () => {
    const p = await done();
    await fault({ operation: 'cancel', fault: { type: 'pending' } });
    expect((await cancel(p.paymentKey, { cancelReason: 'a', cancelAmount: 15, currency: 'USD' })).status).toBe(200);
    const over = await cancel(p.paymentKey, { cancelReason: 'b', cancelAmount: 5.01, currency: 'USD' });
    expect(over.status).toBe(403);
    expect(over.body.code).toBe('NOT_CANCELABLE_AMOUNT');
    expect((await cancel(p.paymentKey, { cancelReason: 'c', cancelAmount: 5, currency: 'USD' })).status).toBe(200);
  });

  it('answers 400 ALREADY_CANCELED_PAYMENT once fully cancelled', async () => {
    const p = await done();
    await cancel(p.paymentKey, { cancelReason: 'x' });
    await s.sandbox.idle();
    const again = await cancel(p.paymentKey, { cancelReason: 'x' });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('ALREADY_CANCELED_PAYMENT');
  });

  it('refuses to cancel an unconfirmed payment (403 NOT_CANCELABLE_PAYMENT), an unknown one (404) and a missing reason (400)', async () => {
    const p = await approved();
    expect((await cancel(p.paymentKey, { cancelReason: 'x' })).body.code).toBe('NOT_CANCELABLE_PAYMENT');
    const unknown = await cancel('nope', { cancelReason: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND_PAYMENT']);
    const noReason = await cancel(p.paymentKey, {});
    expect([noReason.status, noReason.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await cancel(p.paymentKey, { cancelReason: 'r'.repeat(201) })).body.code).toBe('INVALID_REQUEST');
  });

  it('holds a cancel IN_PROGRESS under a pending fault until the settle endpoint finishes it', async () => {
    await registerHook();
    const p = await done();
    await s.sandbox.idle();
    hook.received.length = 0;
    await fault({ operation: 'cancel', match: { paymentKey: p.paymentKey }, fault: { type: 'pending' } });
    const res = await cancel(p.paymentKey, { cancelReason: 'slow refund' });
    s.sandbox.advance(24 * 60 * MIN);
    await s.sandbox.idle();
    expect((await retrieve(p.paymentKey)).body.cancels[0].cancelStatus).toBe('IN_PROGRESS');
    expect(hook.received).toHaveLength(0);
    const settled = await call('POST', `${s.base}/toss/payments/${p.paymentKey}/settle`, {
      body: { status: 'DONE', transactionKey: res.body.cancels[0].transactionKey },
    });
    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe('CANCELED');
    await s.sandbox.idle();
    expect(hook.received.map((r) => r.body.eventType)).toEqual(['CANCEL_STATUS_CHANGED', 'PAYMENT_STATUS_CHANGED']);
    const again = await call('POST', `${s.base}/toss/payments/${p.paymentKey}/settle`, {
      body: { status: 'DONE', transactionKey: res.body.cancels[0].transactionKey },
    });
    expect(again.status).toBe(409);
  });

  it('aborts a pending cancel: balance unchanged, CANCEL_STATUS_CHANGED only', async () => {
    await registerHook();
    const p = await done();
    await s.sandbox.idle();
    hook.received.length = 0;
    await fault({ operation: 'cancel', fault: { type: 'pending', settleTo: 'ABORTED', settleAfterMs: 5 * MIN } });
    await cancel(p.paymentKey, { cancelReason: 'x', cancelAmount: 5, currency: 'USD' });
    s.sandbox.advance(5 * MIN);
    await s.sandbox.idle();
    const after = await retrieve(p.paymentKey);
    expect(after.body).toMatchObject({ status: 'DONE', balanceAmount: 20 });
    expect(after.body.cancels[0].cancelStatus).toBe('ABORTED');
    expect(hook.received.map((r) => [r.body.eventType, (r.body.data as any).cancelStatus])).toEqual([
      ['CANCEL_STATUS_CHANGED', 'ABORTED'],
    ]);
  });

  it('honours tossCancelSettleMs for the default settlement', async () => {
    await s.close();
    s = await startSandbox({ now, tossCancelSettleMs: 2 * MIN });
    const p = await approved();
    await confirm(p);
    await cancel(p.paymentKey, { cancelReason: 'x' });
    await s.sandbox.idle();
    expect((await retrieve(p.paymentKey)).body.status).toBe('DONE');
    s.sandbox.advance(2 * MIN);
    expect((await retrieve(p.paymentKey)).body.status).toBe('CANCELED');
  });

  it('expires and aborts READY/IN_PROGRESS payments through the settle endpoint', async () => {
    const p1 = await approved();
    const p2 = await approved();
    const e = await call('POST', `${s.base}/toss/payments/${p1.paymentKey}/settle`, { body: { status: 'EXPIRED' } });
    expect(e.body.status).toBe('EXPIRED');
    const a = await call('POST', `${s.base}/toss/payments/${p2.paymentKey}/settle`, {
      body: { status: 'ABORTED', code: 'PROVIDER_ERROR' },
    });
    expect(a.body).toMatchObject({ status: 'ABORTED', failure: { code: 'PROVIDER_ERROR' } });
    expect((await confirm(p1)).body.code).toBe('NOT_FOUND_PAYMENT_SESSION');
    expect(
      (await call('POST', `${s.base}/toss/payments/${p1.paymentKey}/settle`, { body: { status: 'EXPIRED' } })).status,
    ).toBe(409);
    expect((await call('POST', `${s.base}/toss/payments/nope/settle`, { body: { status: 'EXPIRED' } })).status).toBe(
      404,
    );
  });
});

describe('Toss webhooks', () => {
  it('needs a console URL (authenticated) and sends transmission headers', async () => {
    const p = await approved();
    const bad = await call('PUT', `${s.base}/toss/console/webhook`, { body: { url: hook.url } });
    expect(bad.status).toBe(401);
    expect(
      (await call('PUT', `${s.base}/toss/console/webhook`, { headers: auth, body: { url: 'ftp://x' } })).status,
    ).toBe(400);
    await confirm(p);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(0);

    expect((await registerHook()).body).toEqual({ url: hook.url });
    expect((await call('GET', `${s.base}/toss/console/webhook`, { headers: auth })).body).toEqual({ url: hook.url });
    const p2 = await approved();
    await confirm(p2);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(1);
    const w = hook.received[0];
    expect(w.headers['content-type']).toMatch(/^application\/json/);
    expect(w.headers['tosspayments-webhook-transmission-id']).toEqual(expect.any(String));
    expect(w.headers['tosspayments-webhook-transmission-retried-count']).toBe('0');
    expect(w.body.eventType).toBe('PAYMENT_STATUS_CHANGED');
    expect(w.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(w.body.data).toMatchObject({ paymentKey: p2.paymentKey, status: 'DONE' });
  });

  it('sends another account’s events to that account’s URL only', async () => {
    await registerHook();
    const other = sandboxTossKeys('shop-b');
    const p = await approved();
    const { url } = await checkout(paymentRequest(), undefined, other.clientKey);
    const q = url!.searchParams;
    await confirm(
      { paymentKey: q.get('paymentKey'), orderId: q.get('orderId'), amount: 10.5 },
      { authorization: basicAuth(other.secretKey) },
    );
    await confirm(p);
    await s.sandbox.idle();
    expect(hook.received.map((r) => (r.body.data as any).paymentKey)).toEqual([p.paymentKey]);
  });

  it('retries a non-2xx answer on the sandbox clock (1, 4, ... minutes) with the retried count, same transmission id', async () => {
    await registerHook();
    hook.statuses.push(500, 503);
    const p = await approved();
    await confirm(p);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(1);
    s.sandbox.advance(MIN);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(2);
    s.sandbox.advance(4 * MIN - 1);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(2);
    s.sandbox.advance(1);
    await s.sandbox.idle();
    expect(hook.received.map((r) => r.headers['tosspayments-webhook-transmission-retried-count'])).toEqual([
      '0',
      '1',
      '2',
    ]);
    expect(new Set(hook.received.map((r) => r.headers['tosspayments-webhook-transmission-id'])).size).toBe(1);
    s.sandbox.advance(10_000 * MIN);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(3);
    const log = await call('GET', `${s.base}/control/webhooks?gateway=toss`);
    expect(log.body.data[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 500 }, { status: 503 }, { status: 200 }],
    });
  });

  it('gives up after the 7 documented retries', async () => {
    await registerHook();
    hook.statuses.push(...Array(20).fill(500));
    await confirm(await approved());
    for (const m of [1, 4, 16, 64, 256, 1024, 4096, 100_000]) {
      await s.sandbox.idle();
      s.sandbox.advance(m * MIN);
    }
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(8);
    const log = await call('GET', `${s.base}/control/webhooks`);
    expect(log.body.data[0].state).toBe('failed');
  });

  it('applies webhook faults: drop, duplicate (same transmission id), early', async () => {
    await registerHook();
    const [p1, p2, p3] = [await approved(), await approved(), await approved()];
    await fault({ operation: 'confirm', match: { orderId: p1.orderId }, fault: { type: 'webhook', mode: 'drop' } });
    await fault({
      operation: 'confirm',
      match: { orderId: p2.orderId },
      fault: { type: 'webhook', mode: 'duplicate', count: 3 },
    });
    await fault({ operation: 'confirm', match: { orderId: p3.orderId }, fault: { type: 'webhook', mode: 'early' } });
    await confirm(p1);
    await confirm(p2);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(3);
    expect(hook.received.every((r) => (r.body.data as any).paymentKey === p2.paymentKey)).toBe(true);
    expect(new Set(hook.received.map((r) => r.headers['tosspayments-webhook-transmission-id'])).size).toBe(1);
    hook.received.length = 0;
    // `early`: the answer waits for the delivery, so a slow receiver makes the answer slow too.
    hook.delayMs = 200;
    const started = performance.now();
    const res = await confirm(p3);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(hook.received).toHaveLength(1);
    const log = await call('GET', `${s.base}/control/webhooks`);
    expect(log.body.data.filter((d: any) => d.state === 'dropped')).toHaveLength(1);
  });

  it('sends an early cancel webhook before the IN_PROGRESS answer', async () => {
    await registerHook();
    const p = await approved();
    await confirm(p);
    await s.sandbox.idle();
    hook.received.length = 0;
    await fault({ operation: 'cancel', fault: { type: 'webhook', mode: 'early' } });
    hook.delayMs = 200;
    const started = performance.now();
    const res = await cancel(p.paymentKey, { cancelReason: 'race' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(res.body.cancels[0].cancelStatus).toBe('IN_PROGRESS');
    expect(hook.received.map((r) => r.body.eventType)).toEqual(['CANCEL_STATUS_CHANGED', 'PAYMENT_STATUS_CHANGED']);
  });
});

describe('Toss Payment object against the community OpenAPI (2022-11-16)', () => {
  // Vendored (testing/vendor/README.md): the check always runs, on a clean clone too.
  const file = resolve(__dirname, 'testing/vendor/toss-core-2022-11-16.openapi.json');
  it('has every required field of Payment and of cancels[], and no field the schema or digest does not know', async () => {
    const schema = JSON.parse(readFileSync(file, 'utf8')).components.schemas.Payment;
    const p = await approved();
    await confirm(p);
    const res = await cancel(p.paymentKey, { cancelReason: 'x', cancelAmount: 1, currency: 'USD' });
    const body = res.body as Record<string, unknown>;
    for (const field of schema.required as string[]) expect(body).toHaveProperty(field);
    const known = new Set([...Object.keys(schema.properties), 'foreignEasyPay', 'metadata']);
    expect(Object.keys(body).filter((k) => !known.has(k))).toEqual([]);
    const cancelSchema = schema.properties.cancels.items;
    const c = (body.cancels as Record<string, unknown>[])[0];
    for (const field of cancelSchema.required as string[]) expect(c).toHaveProperty(field);
    expect(
      Object.keys(c).filter((k) => !(k in cancelSchema.properties) && k !== 'cancelStatus' && k !== 'cancelRequestId'),
    ).toEqual([]);
    expect(schema.properties.status.enum).toContain(body.status);
  });
});
