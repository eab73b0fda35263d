import { GatewayRegistry } from '@app/pg-contract';
import { TossForeignPayRepository } from '../src/toss-foreign-pay/toss-foreign-pay.repository';
import { createMerchant, sandboxAccountFor, startTestApp, type TestApp } from './helpers/test-app';

type Obj = Record<string, any>;

/**
 * Toss foreign easy pay end to end: the app over real HTTP, the buyer and Toss played by the in-process sandbox
 * (`/sandbox/toss`), faults injected per orderId / paymentKey, and the sandbox ledger as the truth of what reached Toss.
 */
describe('Toss foreign easy pay (e2e)', () => {
  let t: TestApp;
  let m: { id: string; apiKey: string };
  let acct: string;
  const auth = () => ({ authorization: `Bearer ${m.apiKey}` });

  beforeAll(async () => {
    // A short PG timeout: the timeout cases wait for it.
    t = await startTestApp({ PG_TIMEOUT_MS: '1000' });
    m = await createMerchant(t);
    acct = sandboxAccountFor(m.id);
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await t.http().delete('/sandbox/control/faults');
    await t.sandbox!.idle();
  });

  const createOrder = async (body: Obj = {}, key = m.apiKey) => {
    const res = await t
      .http()
      .post('/v1/toss/orders')
      .set('authorization', `Bearer ${key}`)
      .send({ orderName: 'Pro plan', amount: 5000, currency: 'USD', country: 'US', ...body });
    return res;
  };
  const newOrder = async (body: Obj = {}) => {
    const res = await createOrder(body);
    expect(res.status).toBe(201);
    return res.body as { orderId: string; clientKey: string; paymentRequest: Obj };
  };
  /** What the SDK and PayPal do: the redirect Toss would send the buyer to. */
  const buyer = async (order: { clientKey: string; paymentRequest: Obj }, outcome = 'approve') => {
    const res = await t
      .http()
      .post('/sandbox/toss/buyer/payments')
      .send({ clientKey: order.clientKey, paymentRequest: order.paymentRequest, buyer: { outcome } });
    expect(res.status).toBe(200);
    return new URL(res.body.redirectUrl as string);
  };
  /** The browser follows the redirect to our server. */
  const follow = (url: URL) => t.http().get(`${url.pathname}${url.search}`);
  const withQuery = (url: URL, changes: Record<string, string | null>) => {
    const u = new URL(url.href);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) u.searchParams.delete(k);
      else u.searchParams.set(k, v);
    }
    return u;
  };
  const getOrder = (orderId: string) => t.http().get(`/v1/toss/orders/${orderId}`).set(auth());
  const cancel = (orderId: string, body: Obj) =>
    t.http().post(`/v1/toss/orders/${orderId}/cancel`).set(auth()).send(body);
  const ledger = async (orderId: string, operation?: string) => {
    const res = await t.http().get('/sandbox/toss/ledger').query({ orderId, account: acct, limit: 1000 });
    const data = res.body.data as Obj[];
    return operation ? data.filter((e) => e.operation === operation) : data;
  };
  const confirmsTaken = async (orderId: string) =>
    (await ledger(orderId, 'confirm')).filter((e) => e.outcome === 'approved').length;
  const fault = async (body: Obj) => {
    const res = await t
      .http()
      .post('/sandbox/control/faults')
      .send({ gateway: 'toss', ...body });
    expect(res.status).toBe(201);
  };
  /** An order the buyer paid and we confirmed. */
  const paidOrder = async (amount = 1000) => {
    const order = await newOrder({ amount });
    const res = await follow(await buyer(order));
    expect(res.body).toMatchObject({ orderId: order.orderId, status: 'paid' });
    await t.sandbox!.idle();
    return (await getOrder(order.orderId)).body as Obj;
  };

  describe('orders', () => {
    it('stores the order and returns the requestPayment parameters with the client key only', async () => {
      const res = await createOrder({ amount: 1999 });
      expect(res.status).toBe(201);
      const { orderId } = res.body;
      expect(orderId).toMatch(/^[A-Za-z0-9_=-]{6,64}$/);
      expect(res.body).toMatchObject({
        status: 'created',
        amount: 1999,
        currency: 'USD',
        clientKey: `test_ck_sbx_${acct}`,
      });
      expect(res.body.paymentRequest).toEqual({
        method: 'FOREIGN_EASY_PAY',
        amount: { currency: 'USD', value: 19.99 },
        orderId,
        orderName: 'Pro plan',
        successUrl: `${t.url}/v1/toss/success`,
        failUrl: `${t.url}/v1/toss/fail?ref=${orderId}`,
        foreignEasyPay: { provider: 'PAYPAL', country: 'US' },
      });
      expect(JSON.stringify(res.body)).not.toContain('test_sk_');
      const got = await getOrder(orderId);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ orderId, status: 'created', amount: 1999, refundedAmount: 0, cancels: [] });
    });

    it.each(['KRW', 'EUR', 'usd'])('refuses %s with 400 UNSUPPORTED_CURRENCY', async (currency) => {
      const res = await createOrder({ currency });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('UNSUPPORTED_CURRENCY');
    });

    it('validates the body and needs a country', async () => {
      expect((await createOrder({ amount: 0 })).body.code).toBe('VALIDATION_FAILED');
      expect((await createOrder({ amount: 10.5 })).body.code).toBe('VALIDATION_FAILED');
      expect((await createOrder({ country: undefined })).body).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
      });
      expect((await createOrder({ extra: 1 })).body.code).toBe('VALIDATION_FAILED');
    });

    it("adds the customer's PayPal STC and country; a required-policy merchant needs a customer", async () => {
      const customer = await t
        .http()
        .post('/v1/customers')
        .set(auth())
        .send({ email: 'jane@example.com', firstName: 'Jane', lastName: 'Doe', countryCode: 'CA' });
      expect(customer.status).toBe(201);
      const res = await createOrder({ customerId: customer.body.id, country: undefined });
      expect(res.status).toBe(201);
      // STC inside foreignEasyPay (REST contract v1.1; the SDK's ForeignEasyPayPaymentRequest), never beside it.
      expect(res.body.paymentRequest).not.toHaveProperty('paymentMethodOptions');
      expect(res.body.paymentRequest.foreignEasyPay).toMatchObject({ provider: 'PAYPAL', country: 'CA' });
      expect(res.body.paymentRequest.foreignEasyPay.paymentMethodOptions.paypal.setTransactionContext).toMatchObject({
        sender_account_id: 'ACMEPAYPAL01',
        sender_email: 'jane@example.com',
        sender_first_name: 'Jane',
        sender_country_code: 'CA',
      });
      // The STC reaches Toss with the checkout (the sandbox records it on the payment).
      const paid = await follow(await buyer(res.body));
      expect(paid.body.status).toBe('paid');
      expect((await ledger(res.body.orderId, 'confirm'))[0].stc).toMatchObject({ sender_email: 'jane@example.com' });

      const gaming = await createMerchant(t, { industry: 'gaming_digital_goods' });
      const refused = await createOrder({}, gaming.apiKey);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('STC_DATA_REQUIRED');
    });

    it("answers another merchant's order as 404", async () => {
      const order = await newOrder();
      const other = await createMerchant(t, { name: 'Other' });
      const res = await t.http().get(`/v1/toss/orders/${order.orderId}`).set('authorization', `Bearer ${other.apiKey}`);
      expect(res.status).toBe(404);
      const c = await t
        .http()
        .post(`/v1/toss/orders/${order.orderId}/cancel`)
        .set('authorization', `Bearer ${other.apiKey}`)
        .send({ reason: 'x' });
      expect(c.status).toBe(404);
    });
  });

  describe('success redirect', () => {
    it('confirms with the stored amount and stores the payment', async () => {
      const order = await newOrder({ amount: 1050 });
      const redirect = await buyer(order);
      expect(redirect.pathname).toBe('/v1/toss/success');
      const res = await follow(redirect);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        orderId: order.orderId,
        status: 'paid',
        amount: 1050,
        currency: 'USD',
        message: expect.any(String),
      });
      const confirms = await ledger(order.orderId, 'confirm');
      expect(confirms).toHaveLength(1);
      expect(confirms[0]).toMatchObject({
        outcome: 'approved',
        amount: 10.5,
        paymentKey: redirect.searchParams.get('paymentKey'),
      });
      const got = (await getOrder(order.orderId)).body;
      expect(got).toMatchObject({
        status: 'paid',
        paymentKey: redirect.searchParams.get('paymentKey'),
        tossStatus: 'DONE',
        method: '해외간편결제',
        easyPayProvider: '페이팔',
        refundableAmount: 1050,
      });
      expect(got.approvedAt).toEqual(expect.any(String));
      expect(got.receiptUrl).toEqual(expect.any(String));
    });

    it.each([
      ['lower', '49.99'],
      ['higher', '50.01'],
      ['negative', '-50'],
      ['not a number', 'NaN'],
      ['missing', null],
    ])('never confirms a %s amount: the order is marked and the buyer told', async (_case, amount) => {
      const order = await newOrder({ amount: 5000 });
      const redirect = await buyer(order);
      const res = await follow(withQuery(redirect, { amount }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('TOSS_AMOUNT_MISMATCH');
      expect(res.body.message).toMatch(/amount does not match/);
      expect(await ledger(order.orderId, 'confirm')).toEqual([]);
      expect((await getOrder(order.orderId)).body).toMatchObject({
        status: 'failed',
        failureCode: 'TOSS_AMOUNT_MISMATCH',
        flagReason: 'redirect_amount_mismatch',
      });
      // Nothing was charged; the genuine redirect can still complete the order.
      expect((await follow(redirect)).body.status).toBe('paid');
      expect(await confirmsTaken(order.orderId)).toBe(1);
    });

    it('sends one confirm for the same redirect twice', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      const first = await follow(redirect);
      const second = await follow(redirect);
      expect(first.body.status).toBe('paid');
      expect(second.status).toBe(200);
      expect(second.body.status).toBe('paid');
      expect(await ledger(order.orderId, 'confirm')).toHaveLength(1);
    });

    it('sends one confirm for concurrent redirects', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      // Slow confirms keep every redirect in flight together.
      await fault({
        operation: 'confirm',
        match: { orderId: order.orderId },
        fault: { type: 'latency', ms: 300 },
        times: 10,
      });
      const answers = await Promise.all(Array.from({ length: 6 }, () => follow(redirect)));
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(['paid', 'confirming']).toContain(a.body.status);
      }
      expect(answers.filter((a) => a.body.status === 'paid').length).toBeGreaterThanOrEqual(1);
      expect(await ledger(order.orderId, 'confirm')).toHaveLength(1);
      expect((await getOrder(order.orderId)).body.status).toBe('paid');
    });

    it('surfaces a confirm after the 10-minute window as a clear NOT_FOUND_PAYMENT_SESSION message', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      expect(
        (
          await t
            .http()
            .post('/sandbox/clock')
            .send({ advanceMs: 10 * 60_000 + 1_000 })
        ).status,
      ).toBe(200);
      const res = await follow(redirect);
      expect(res.status).toBe(410);
      expect(res.body.code).toBe('TOSS_PAYMENT_SESSION_EXPIRED');
      expect(res.body.message).toMatch(/within 10 minutes/);
      expect(res.body.details).toEqual([{ field: 'payment', errors: ['NOT_FOUND_PAYMENT_SESSION'] }]);
      expect((await getOrder(order.orderId)).body).toMatchObject({
        status: 'failed',
        failureCode: 'NOT_FOUND_PAYMENT_SESSION',
      });
      expect(await confirmsTaken(order.orderId)).toBe(0);
    });

    it.each([
      ['REJECT_CARD_COMPANY', 402, 'TOSS_PAYMENT_REJECTED'],
      ['PROVIDER_ERROR', 503, 'TOSS_PROVIDER_ERROR'],
      ['INVALID_STOPPED_CARD', 402, 'TOSS_PAYMENT_REJECTED'],
    ])('maps a %s decline on confirm to %i %s and fails the order', async (code, status, ours) => {
      const order = await newOrder();
      const redirect = await buyer(order);
      await fault({ operation: 'confirm', match: { orderId: order.orderId }, fault: { type: 'decline', code } });
      const res = await follow(redirect);
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(ours);
      expect((await getOrder(order.orderId)).body).toMatchObject({ status: 'failed', failureCode: code });
      expect(await confirmsTaken(order.orderId)).toBe(0);
    });

    it.each([
      ['FORBIDDEN_REQUEST', 403],
      ['UNAUTHORIZED_KEY', 401],
    ])(
      'treats %s as our configuration problem (5xx, logged), not the buyer’s, and keeps the order payable',
      async (code, httpStatus) => {
        const order = await newOrder();
        const redirect = await buyer(order);
        await fault({
          operation: 'confirm',
          match: { orderId: order.orderId },
          fault: { type: 'http_error', status: httpStatus, code },
        });
        const res = await follow(redirect);
        expect(res.status).toBe(502);
        expect(res.body.code).toBe('TOSS_GATEWAY_MISCONFIGURED');
        expect(JSON.stringify(res.body)).not.toContain('test_sk_');
        expect(t.logs.some((l) => l.includes(order.orderId) && l.includes(code) && l.includes('"level":50'))).toBe(
          true,
        );
        expect((await getOrder(order.orderId)).body.status).toBe('created');
        // Once fixed, the buyer's redirect goes through.
        expect((await follow(redirect)).body.status).toBe('paid');
        expect(await confirmsTaken(order.orderId)).toBe(1);
      },
    );

    it('resolves a confirm whose answer never came by looking it up: paid, one charge', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      await fault({ operation: 'confirm', match: { orderId: order.orderId }, fault: { type: 'timeout_after_commit' } });
      const res = await follow(redirect);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('paid');
      expect(await confirmsTaken(order.orderId)).toBe(1);
    });

    it('keeps a timed-out confirm unknown (never failed) while the lookup fails, then GET resolves it', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      await fault({ operation: 'confirm', match: { orderId: order.orderId }, fault: { type: 'timeout_after_commit' } });
      await fault({
        operation: 'confirm',
        match: { orderId: order.orderId },
        fault: { type: 'webhook', mode: 'drop' },
      });
      await fault({
        operation: 'retrieveByOrderId',
        match: { orderId: order.orderId },
        fault: { type: 'http_error', status: 503 },
      });
      const res = await follow(redirect);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('unknown');
      expect(res.body.message).toMatch(/do not pay again/);
      const got = await getOrder(order.orderId);
      expect(got.body.status).toBe('paid');
      expect(await confirmsTaken(order.orderId)).toBe(1);
    });

    it('looks a 5xx confirm up before re-sending it under the same key: one charge', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      await fault({
        operation: 'confirm',
        match: { orderId: order.orderId },
        fault: { type: 'http_error', status: 500 },
      });
      const res = await follow(redirect);
      expect(res.body.status).toBe('paid');
      expect(await confirmsTaken(order.orderId)).toBe(1);
      const lookups = await ledger(order.orderId);
      expect(lookups.filter((e) => e.operation === 'confirm' && e.outcome === 'approved')).toHaveLength(1);
    });

    it("answers another order's paymentKey in the redirect as the buyer's 400, never our 502; the order stays payable", async () => {
      const order = await newOrder();
      const other = await newOrder();
      const mine = await buyer(order);
      const theirs = await buyer(other);
      const swapped = await follow(withQuery(mine, { paymentKey: theirs.searchParams.get('paymentKey') }));
      expect(swapped.status).toBe(400);
      expect(swapped.body).toMatchObject({
        code: 'TOSS_REDIRECT_INVALID',
        details: [{ field: 'paymentKey', errors: ['PAYMENT_KEY_MISMATCH'] }],
      });
      expect((await getOrder(order.orderId)).body).toMatchObject({ status: 'created', paymentKey: null });
      expect(await confirmsTaken(order.orderId)).toBe(0);
      // Each genuine redirect still pays its own order, once.
      expect((await follow(mine)).body).toMatchObject({ orderId: order.orderId, status: 'paid' });
      expect((await follow(theirs)).body).toMatchObject({ orderId: other.orderId, status: 'paid' });
      await t.sandbox!.idle();
      expect((await getOrder(order.orderId)).body).toMatchObject({
        status: 'paid',
        paymentKey: mine.searchParams.get('paymentKey'),
      });
      expect((await getOrder(other.orderId)).body).toMatchObject({
        status: 'paid',
        paymentKey: theirs.searchParams.get('paymentKey'),
      });
    });

    it('answers a malformed paymentKey in the redirect as 400 and sends nothing', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      const res = await follow(withQuery(redirect, { paymentKey: 'not a key' }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'TOSS_REDIRECT_INVALID',
        details: [{ field: 'paymentKey', errors: ['PAYMENT_KEY_INVALID'] }],
      });
      expect(await ledger(order.orderId, 'confirm')).toEqual([]);
      expect((await follow(redirect)).body.status).toBe('paid');
    });

    it('answers an unknown order as 404 and a redirect without an order as 400', async () => {
      expect((await t.http().get('/v1/toss/success?paymentKey=x&orderId=tfo_nope12&amount=1')).status).toBe(404);
      const res = await t.http().get('/v1/toss/success?paymentKey=x&amount=1');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('TOSS_REDIRECT_INVALID');
    });
  });

  describe('fail redirect', () => {
    it('records PAY_PROCESS_CANCELED (no orderId) through our own ref; the order stays payable', async () => {
      const order = await newOrder();
      const redirect = await buyer(order, 'cancel');
      expect(redirect.pathname).toBe('/v1/toss/fail');
      expect(redirect.searchParams.get('orderId')).toBeNull();
      const res = await follow(redirect);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        orderId: order.orderId,
        status: 'created',
        code: 'PAY_PROCESS_CANCELED',
        message: expect.stringMatching(/cancelled the payment/),
      });
      expect((await getOrder(order.orderId)).body).toMatchObject({
        status: 'created',
        failureCode: 'PAY_PROCESS_CANCELED',
      });
      // The buyer tries again and pays.
      expect((await follow(await buyer(order))).body.status).toBe('paid');
    });

    it.each([
      ['abort', 'PAY_PROCESS_ABORTED', /could not be completed/],
      ['reject', 'REJECT_CARD_COMPANY', /refused the payment/],
    ])('records %s (%s) on the order with a buyer message for the code', async (outcome, code, message) => {
      const order = await newOrder();
      const redirect = await buyer(order, outcome);
      expect(redirect.searchParams.get('orderId')).toBe(order.orderId);
      const res = await follow(redirect);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        orderId: order.orderId,
        status: 'failed',
        code,
        message: expect.stringMatching(message),
      });
      expect((await getOrder(order.orderId)).body).toMatchObject({ status: 'failed', failureCode: code });
      expect(await ledger(order.orderId, 'confirm')).toEqual([]);
    });

    it('answers any other or missing code with a generic message and no order', async () => {
      const res = await t.http().get('/v1/toss/fail?code=SOMETHING_NEW&message=x');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        orderId: null,
        status: null,
        code: 'SOMETHING_NEW',
        message: expect.stringMatching(/could not be completed/),
      });
      expect((await t.http().get('/v1/toss/fail')).body.code).toBe('UNKNOWN');
    });

    it('never fails a paid order', async () => {
      const paid = await paidOrder();
      await t.http().get(`/v1/toss/fail?code=PAY_PROCESS_ABORTED&message=x&orderId=${paid.orderId}`);
      expect((await getOrder(paid.orderId)).body.status).toBe('paid');
    });
  });

  describe('cancels', () => {
    it('cancels in part (currency sent, pending until DONE), then the rest', async () => {
      const paid = await paidOrder(1000);
      const part = await cancel(paid.orderId, { reason: 'part', amount: 300 });
      expect(part.status).toBe(200);
      expect(part.body.cancels).toEqual([expect.objectContaining({ amount: 300, status: 'pending' })]);
      expect(part.body).toMatchObject({ pendingRefundAmount: 300, refundableAmount: 700, refundedAmount: 0 });
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({
        status: 'partially_canceled',
        refundedAmount: 300,
        pendingRefundAmount: 0,
        refundableAmount: 700,
      });

      const rest = await cancel(paid.orderId, { reason: 'rest' });
      expect(rest.status).toBe(200);
      expect(rest.body.cancels[1]).toMatchObject({ amount: 700, status: 'pending' });
      await t.sandbox!.idle();
      const done = (await getOrder(paid.orderId)).body;
      expect(done).toMatchObject({
        status: 'canceled',
        refundedAmount: 1000,
        refundableAmount: 0,
        tossStatus: 'CANCELED',
      });
      expect(done.cancels.map((c: Obj) => c.status)).toEqual(['done', 'done']);
      const sent = await ledger(paid.orderId, 'cancel');
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatchObject({ cancelAmount: 3, currency: 'USD', outcome: 'in_progress' });
      expect(sent[1]).toMatchObject({ cancelAmount: 7, currency: 'USD', outcome: 'in_progress' });
      expect((await cancel(paid.orderId, { reason: 'again' })).body.code).toBe('TOSS_ORDER_NOT_CANCELABLE');
    });

    it('cancels in full without an amount', async () => {
      const paid = await paidOrder(800);
      const res = await cancel(paid.orderId, { reason: 'full' });
      expect(res.status).toBe(200);
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({ status: 'canceled', refundedAmount: 800 });
      const sent = await ledger(paid.orderId, 'cancel');
      expect(sent).toHaveLength(1);
      expect(sent[0]).not.toHaveProperty('cancelAmount');
    });

    it.each([
      ['blank', '   '],
      ['empty', ''],
      ['over 200 characters', 'r'.repeat(201)],
    ])('refuses a %s reason with 400 VALIDATION_FAILED before calling Toss', async (_name, reason) => {
      const paid = await paidOrder(500);
      const res = await cancel(paid.orderId, { reason, amount: 100 });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(await ledger(paid.orderId, 'cancel')).toEqual([]);
      expect((await getOrder(paid.orderId)).body).toMatchObject({
        status: 'paid',
        refundedAmount: 0,
        pendingRefundAmount: 0,
        refundableAmount: 500,
        cancels: [],
      });
    });

    it('refuses an over-refund before anything is sent', async () => {
      const paid = await paidOrder(500);
      const res = await cancel(paid.orderId, { reason: 'too much', amount: 600 });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('TOSS_REFUND_EXCEEDS_BALANCE');
      expect(await ledger(paid.orderId, 'cancel')).toEqual([]);
      expect((await cancel(paid.orderId, { reason: 'bad', amount: -1 })).body.code).toBe('VALIDATION_FAILED');
    });

    it('never lets concurrent cancels take more than the balance', async () => {
      const paid = await paidOrder(1000);
      await fault({
        operation: 'cancel',
        match: { paymentKey: paid.paymentKey },
        fault: { type: 'latency', ms: 200 },
        times: 10,
      });
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) => cancel(paid.orderId, { reason: `c${i}`, amount: 400 })),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
      expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'TOSS_REFUND_EXCEEDS_BALANCE')).toBe(
        true,
      );
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({
        refundedAmount: 800,
        refundableAmount: 200,
        status: 'partially_canceled',
      });
      expect(await ledger(paid.orderId, 'cancel')).toHaveLength(2);
    });

    it('looks a timed-out cancel up instead of sending it again', async () => {
      const paid = await paidOrder(1000);
      await fault({
        operation: 'cancel',
        match: { paymentKey: paid.paymentKey },
        fault: { type: 'timeout_after_commit' },
      });
      const res = await cancel(paid.orderId, { reason: 'timeout', amount: 400 });
      expect(res.status).toBe(200);
      expect(res.body.cancels).toEqual([expect.objectContaining({ amount: 400, transactionKey: expect.any(String) })]);
      expect(['pending', 'done']).toContain(res.body.cancels[0].status);
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({ refundedAmount: 400, refundableAmount: 600 });
      expect(await ledger(paid.orderId, 'cancel')).toHaveLength(1);
    });

    it('re-sends a cancel the lookup proves was never taken, under the same key: refunded once', async () => {
      const paid = await paidOrder(1000);
      await fault({
        operation: 'cancel',
        match: { paymentKey: paid.paymentKey },
        fault: { type: 'http_error', status: 500 },
      });
      const res = await cancel(paid.orderId, { reason: '5xx', amount: 250 });
      expect(res.status).toBe(200);
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({ refundedAmount: 250, refundableAmount: 750 });
      expect((await ledger(paid.orderId, 'cancel')).filter((e) => e.outcome === 'in_progress')).toHaveLength(1);
    });

    it('keeps a cancel Toss holds pending until Toss finishes it, and releases an aborted one', async () => {
      const paid = await paidOrder(1000);
      await fault({ operation: 'cancel', match: { paymentKey: paid.paymentKey }, fault: { type: 'pending' } });
      const res = await cancel(paid.orderId, { reason: 'held', amount: 600 });
      expect(res.body.cancels[0].status).toBe('pending');
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({
        status: 'paid',
        refundedAmount: 0,
        pendingRefundAmount: 600,
        refundableAmount: 400,
      });
      expect((await cancel(paid.orderId, { reason: 'over', amount: 500 })).body.code).toBe(
        'TOSS_REFUND_EXCEEDS_BALANCE',
      );
      // Toss aborts it (CANCEL_STATUS_CHANGED webhook): the amount is refundable again.
      expect(
        (await t.http().post(`/sandbox/toss/payments/${paid.paymentKey}/settle`).send({ status: 'ABORTED' })).status,
      ).toBe(200);
      await t.sandbox!.idle();
      const got = (await getOrder(paid.orderId)).body;
      expect(got).toMatchObject({ status: 'paid', refundedAmount: 0, pendingRefundAmount: 0, refundableAmount: 1000 });
      expect(got.cancels[0]).toMatchObject({ status: 'refused', failureCode: 'CANCEL_ABORTED' });
    });

    it('keeps a cancel Toss reports without cancelStatus pending (never refunded) until a lookup shows it DONE', async () => {
      const paid = await paidOrder(1000);
      // Toss answering in the shape of our pinned API version: the 2022-11-16 Payment schema (community OpenAPI,
      // cancels[] items) has no cancelStatus. Only the sandbox's rendering changes; what happens at Toss does not.
      const toss = t.sandbox!.toss;
      const render = toss.render.bind(toss);
      const strip = jest.spyOn(toss, 'render').mockImplementation((...args: Parameters<typeof render>) => {
        const body = render(...args);
        const cancels = body.cancels as Obj[] | null;
        return { ...body, cancels: cancels ? cancels.map(({ cancelStatus: _status, ...c }) => c) : cancels };
      });
      try {
        const res = await cancel(paid.orderId, { reason: 'no status', amount: 400 });
        expect(res.status).toBe(200);
        expect(res.body.cancels).toEqual([
          expect.objectContaining({ amount: 400, status: 'pending', transactionKey: expect.any(String) }),
        ]);
        expect(res.body).toMatchObject({
          status: 'paid',
          refundedAmount: 0,
          pendingRefundAmount: 400,
          refundableAmount: 600,
        });
        // Toss finishes it and says so by webhook; the re-fetch still carries no cancelStatus: still not known done.
        await t.sandbox!.idle();
        const held = (await getOrder(paid.orderId)).body;
        expect(held).toMatchObject({ refundedAmount: 0, pendingRefundAmount: 400, refundableAmount: 600 });
        expect(held.cancels[0].status).toBe('pending');
      } finally {
        strip.mockRestore();
      }
      // A lookup that shows the cancel DONE settles it.
      const done = (await getOrder(paid.orderId)).body;
      expect(done).toMatchObject({
        status: 'partially_canceled',
        refundedAmount: 400,
        pendingRefundAmount: 0,
        refundableAmount: 600,
      });
      expect(done.cancels[0].status).toBe('done');
      expect(await ledger(paid.orderId, 'cancel')).toHaveLength(1);
    });

    it('replays a retried cancel (same Idempotency-Key) without a second refund', async () => {
      const paid = await paidOrder(1000);
      const send = () =>
        t
          .http()
          .post(`/v1/toss/orders/${paid.orderId}/cancel`)
          .set(auth())
          .set('idempotency-key', `retry-${paid.orderId}`)
          .send({ reason: 'retry', amount: 100 });
      const first = await send();
      const second = await send();
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.headers['idempotent-replayed']).toBe('true');
      await t.sandbox!.idle();
      expect(await ledger(paid.orderId, 'cancel')).toHaveLength(1);
      expect((await getOrder(paid.orderId)).body).toMatchObject({
        refundedAmount: 100,
        cancels: [expect.objectContaining({ amount: 100 })],
      });
    });

    it('refuses to cancel an order that is not paid', async () => {
      const order = await newOrder();
      const res = await cancel(order.orderId, { reason: 'nope' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('TOSS_ORDER_NOT_CANCELABLE');
    });
  });

  describe("merchant's return URL", () => {
    it('sends the buyer there with the same fields, errors included', async () => {
      const shop = await createMerchant(t, { name: 'Shop', returnUrl: 'https://shop.example/return?from=toss' });
      const order = await t
        .http()
        .post('/v1/toss/orders')
        .set('authorization', `Bearer ${shop.apiKey}`)
        .send({ orderName: 'Mug', amount: 1200, currency: 'USD', country: 'US' });
      expect(order.status).toBe(201);
      const redirect = await buyer(order.body);

      const tampered = await follow(withQuery(redirect, { amount: '1' }));
      expect(tampered.status).toBe(303);
      const bad = new URL(tampered.headers.location as string);
      expect(bad.origin + bad.pathname).toBe('https://shop.example/return');
      expect(Object.fromEntries(bad.searchParams)).toMatchObject({
        from: 'toss',
        orderId: order.body.orderId,
        status: 'failed',
        code: 'TOSS_AMOUNT_MISMATCH',
      });

      const ok = await follow(redirect);
      expect(ok.status).toBe(303);
      const good = new URL(ok.headers.location as string);
      expect(Object.fromEntries(good.searchParams)).toEqual({
        from: 'toss',
        orderId: order.body.orderId,
        status: 'paid',
        amount: '1200',
        currency: 'USD',
        message: expect.any(String),
      });

      const other = await t
        .http()
        .post('/v1/toss/orders')
        .set('authorization', `Bearer ${shop.apiKey}`)
        .send({ orderName: 'Mug', amount: 1200, currency: 'USD', country: 'US' });
      const cancelled = await follow(await buyer(other.body, 'cancel'));
      expect(cancelled.status).toBe(303);
      expect(Object.fromEntries(new URL(cancelled.headers.location as string).searchParams)).toMatchObject({
        orderId: other.body.orderId,
        status: 'created',
        code: 'PAY_PROCESS_CANCELED',
      });
    });
  });

  it('never logs the secret key', () => {
    const secret = `test_sk_sbx_${acct}`;
    expect(t.logs.length).toBeGreaterThan(100);
    expect(
      t.logs.filter((l) => l.includes(secret) || l.includes(Buffer.from(`${secret}:`).toString('base64'))),
    ).toEqual([]);
  });

  it('describes every Toss endpoint in /docs-json', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/toss/orders',
        '/v1/toss/orders/{orderId}',
        '/v1/toss/orders/{orderId}/cancel',
        '/v1/toss/success',
        '/v1/toss/fail',
        '/v1/webhooks/{gateway}/{merchantId}',
      ]),
    );
  });

  describe('webhooks', () => {
    const post = (merchantId: string, body: Obj, transmissionId = `wh-${Math.random().toString(36).slice(2)}`) =>
      t
        .http()
        .post(`/v1/webhooks/toss/${merchantId}`)
        .set('tosspayments-webhook-transmission-id', transmissionId)
        .send(body);
    const event = (data: Obj, eventType = 'PAYMENT_STATUS_CHANGED') => ({
      eventType,
      createdAt: '2026-12-01T00:00:00.000000',
      data,
    });

    it('applies the re-fetched payment, never the body, and drops a duplicate transmission', async () => {
      const paid = await paidOrder(1000);
      const forged = event({ paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'CANCELED' });
      // The sandbox ledger records no reads: the adapter's re-fetches are counted instead.
      const adapter = t.app.get(GatewayRegistry).require('toss-foreign-pay', 'oneTimePayments') as unknown as {
        inspect: (...a: unknown[]) => unknown;
      };
      const spy = jest.spyOn(adapter, 'inspect');
      const lookups = async () => spy.mock.calls.length;
      const before = await lookups();
      const first = await post(m.id, forged, 'wh-forged-1');
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ received: true });
      expect(await lookups()).toBe(before + 1);
      expect((await getOrder(paid.orderId)).body).toMatchObject({ status: 'paid', refundedAmount: 0 });
      const again = await post(m.id, forged, 'wh-forged-1');
      expect(again.body).toEqual({ received: true });
      expect(await lookups()).toBe(before + 1);
      spy.mockRestore();
    });

    it("changes nothing for another merchant's payment, and still answers 200", async () => {
      const paid = await paidOrder(1000);
      const other = await createMerchant(t, { name: 'Intruder' });
      const res = await post(
        other.id,
        event({ paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'CANCELED' }),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true });
      expect((await post('mch_doesnotexist', event({ paymentKey: 'x', orderId: 'y', status: 'DONE' }))).status).toBe(
        200,
      );
      expect((await post(m.id, { junk: true })).status).toBe(200);
      expect((await getOrder(paid.orderId)).body.status).toBe('paid');
    });

    it('ends in the true state whatever the order and repetition of deliveries', async () => {
      const paid = await paidOrder(1000);
      // Duplicate webhooks from Toss for the cancel (same transmission id on each copy).
      await fault({
        operation: 'cancel',
        match: { paymentKey: paid.paymentKey },
        fault: { type: 'webhook', mode: 'duplicate', count: 3 },
      });
      await cancel(paid.orderId, { reason: 'all' });
      await t.sandbox!.idle();
      expect((await getOrder(paid.orderId)).body).toMatchObject({ status: 'canceled', refundedAmount: 1000 });
      // A stale "DONE" arriving late changes nothing: the re-fetch says CANCELED.
      const stale = await post(m.id, event({ paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'DONE' }));
      expect(stale.status).toBe(200);
      const got = (await getOrder(paid.orderId)).body;
      expect(got).toMatchObject({ status: 'canceled', refundedAmount: 1000, tossStatus: 'CANCELED' });
      expect(got.cancels).toHaveLength(1);
    });

    it('settles an unknown confirm from the webhook', async () => {
      const order = await newOrder();
      const redirect = await buyer(order);
      await fault({ operation: 'confirm', match: { orderId: order.orderId }, fault: { type: 'timeout_after_commit' } });
      await fault({
        operation: 'confirm',
        match: { orderId: order.orderId },
        fault: { type: 'webhook', mode: 'drop' },
      });
      await fault({
        operation: 'retrieveByOrderId',
        match: { orderId: order.orderId },
        fault: { type: 'http_error', status: 503 },
      });
      expect((await follow(redirect)).body.status).toBe('unknown');
      const res = await post(
        m.id,
        event({ paymentKey: redirect.searchParams.get('paymentKey'), orderId: order.orderId, status: 'DONE' }),
      );
      expect(res.status).toBe(200);
      // Read straight from the table's view: the webhook, not a GET lookup, made it paid.
      const view = await t.app.get(TossForeignPayRepository).findOrder(m.id, order.orderId);
      expect(view?.status).toBe('paid');
      expect(await confirmsTaken(order.orderId)).toBe(1);
    });
  });
});
