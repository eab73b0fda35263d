import { DataSource } from 'typeorm';
import { OneTimeOrdersGateway1764201600016 } from '../src/database/migrations/1764201600016-OneTimeOrdersGateway';
import { createMerchant, sandboxAccountFor, startTestApp, type TestApp } from './helpers/test-app';

type Obj = Record<string, any>;

/**
 * One-time payments through the PG-agnostic core (`/v1/orders`), end to end over real HTTP with the in-process sandbox
 * playing the buyer and the PG. The gateway is named in the body; the return routes carry the order id in the path.
 * The v1 Toss routes are aliases of the same core: an order is one order whichever routes created it.
 */
describe('one-time orders through the core (e2e)', () => {
  let t: TestApp;
  let m: { id: string; apiKey: string };
  let acct: string;
  const auth = () => ({ authorization: `Bearer ${m.apiKey}` });
  const GATEWAY = 'toss-foreign-pay';

  beforeAll(async () => {
    t = await startTestApp();
    m = await createMerchant(t);
    acct = sandboxAccountFor(m.id);
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await t.http().delete('/sandbox/control/faults');
    await t.sandbox!.idle();
  });

  const create = (body: Obj = {}) =>
    t
      .http()
      .post('/v1/orders')
      .set(auth())
      .send({ gateway: GATEWAY, orderName: 'Pro plan', amount: 5000, currency: 'USD', country: 'US', ...body });
  const newOrder = async (body: Obj = {}) => {
    const res = await create(body);
    expect(res.status).toBe(201);
    return res.body as {
      orderId: string;
      gateway: string;
      checkout: { sdk: string; init: Obj; method: string; request: Obj };
    };
  };
  /** What the SDK and the buyer do (the sandbox plays Toss's window): the redirect the PG sends the browser to. */
  const buyer = async (order: { checkout: { init: Obj; request: Obj } }, outcome = 'approve') => {
    const res = await t
      .http()
      .post('/sandbox/toss/buyer/payments')
      .send({ clientKey: order.checkout.init.clientKey, paymentRequest: order.checkout.request, buyer: { outcome } });
    expect(res.status).toBe(200);
    return new URL(res.body.redirectUrl as string);
  };
  const follow = (url: URL) => t.http().get(`${url.pathname}${url.search}`);
  const getOrder = (orderId: string) => t.http().get(`/v1/orders/${orderId}`).set(auth());
  const cancel = (orderId: string, body: Obj) => t.http().post(`/v1/orders/${orderId}/cancel`).set(auth()).send(body);
  const confirms = async (orderId: string) => {
    const res = await t.http().get('/sandbox/toss/ledger').query({ orderId, account: acct, limit: 1000 });
    return (res.body.data as Obj[]).filter((e) => e.operation === 'confirm');
  };

  it("creates an order at the named gateway and returns that gateway's SDK checkout with our return routes", async () => {
    const order = await newOrder();
    expect(order).toMatchObject({ gateway: GATEWAY, status: 'created', amount: 5000, currency: 'USD' });
    expect(order.checkout).toMatchObject({
      sdk: 'tosspayments-v2',
      method: 'requestPayment',
      init: { clientKey: expect.stringMatching(/^test_ck_/) },
    });
    expect(order.checkout.request).toMatchObject({ orderId: order.orderId, amount: { currency: 'USD', value: 50 } });
    expect(order.checkout.request.successUrl).toMatch(new RegExp(`/v1/orders/${order.orderId}/success$`));
    expect(order.checkout.request.failUrl).toMatch(new RegExp(`/v1/orders/${order.orderId}/fail$`));
    expect(JSON.stringify(order)).not.toMatch(/test_sk_/);
  });

  it('refuses an unknown or non-one-time gateway and a currency the gateway does not take, with our 400 body', async () => {
    const unknown = await create({ gateway: 'no-such-gateway' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('UNSUPPORTED_GATEWAY');
    // A registered gateway without oneTimePayments (billing keys only).
    const billingOnly = await create({ gateway: 'portone-paypal-rt' });
    expect(billingOnly.status).toBe(400);
    expect(billingOnly.body.code).toBe('UNSUPPORTED_GATEWAY');
    const krw = await create({ currency: 'KRW' });
    expect(krw.status).toBe(400);
    expect(krw.body.code).toBe('UNSUPPORTED_CURRENCY');
  });

  it('confirms once through the generic success route, and answers a reload without a second confirm', async () => {
    const order = await newOrder();
    const redirect = await buyer(order);
    expect(redirect.pathname).toBe(`/v1/orders/${order.orderId}/success`);
    const first = await follow(redirect);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ orderId: order.orderId, status: 'paid', amount: 5000, currency: 'USD' });
    const again = await follow(redirect);
    expect(again.body).toMatchObject({ status: 'paid' });
    expect((await confirms(order.orderId)).filter((e) => e.outcome === 'approved')).toHaveLength(1);
    const view = await getOrder(order.orderId);
    expect(view.body).toMatchObject({
      orderId: order.orderId,
      gateway: GATEWAY,
      status: 'paid',
      gatewayPaymentId: expect.any(String),
      refundableAmount: 5000,
    });
  });

  it('never confirms a tampered amount, nor a redirect naming another order than the path', async () => {
    const order = await newOrder();
    const redirect = await buyer(order);
    const tampered = new URL(redirect.href);
    tampered.searchParams.set('amount', '0.50');
    const res = await follow(tampered);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TOSS_AMOUNT_MISMATCH');
    const other = await newOrder();
    const swapped = await follow(new URL(`${redirect.origin}/v1/orders/${other.orderId}/success${redirect.search}`));
    expect(swapped.status).toBe(400);
    expect(await confirms(order.orderId)).toHaveLength(0);
    expect(await confirms(other.orderId)).toHaveLength(0);
    // The untampered redirect still pays the order (nothing was charged).
    expect((await follow(redirect)).body).toMatchObject({ status: 'paid' });
  });

  it('records a fail redirect on the order and answers the buyer message for the code', async () => {
    const order = await newOrder();
    const res = await t
      .http()
      .get(`/v1/orders/${order.orderId}/fail`)
      .query({ code: 'REJECT_CARD_COMPANY', message: 'refused', orderId: order.orderId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ orderId: order.orderId, status: 'failed', code: 'REJECT_CARD_COMPANY' });
    const closed = await newOrder();
    const canceled = await t.http().get(`/v1/orders/${closed.orderId}/fail`).query({ code: 'PAY_PROCESS_CANCELED' });
    expect(canceled.body).toMatchObject({ orderId: closed.orderId, status: 'created' });
    const missing = await t.http().get('/v1/orders/tfo_missing_order/fail').query({ code: 'X' });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ orderId: null, status: null });
  });

  it('cancels in part then in full, reserving the balance, and never refunds more than was paid', async () => {
    const order = await newOrder({ amount: 1000 });
    await follow(await buyer(order));
    const part = await cancel(order.orderId, { reason: 'partial', amount: 400 });
    expect(part.status).toBe(200);
    await t.sandbox!.idle();
    const after = await getOrder(order.orderId);
    expect(after.body).toMatchObject({ refundedAmount: 400, refundableAmount: 600, status: 'partially_canceled' });
    expect(after.body.cancels).toEqual([
      expect.objectContaining({ amount: 400, status: 'done', gatewayCancelId: expect.any(String) }),
    ]);
    const tooMuch = await cancel(order.orderId, { reason: 'too much', amount: 700 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('TOSS_REFUND_EXCEEDS_BALANCE');
    expect((await cancel(order.orderId, { reason: 'rest' })).status).toBe(200);
    await t.sandbox!.idle();
    expect((await getOrder(order.orderId)).body).toMatchObject({
      status: 'canceled',
      refundedAmount: 1000,
      refundableAmount: 0,
    });
  });

  it('is one order whichever routes made it: the v1 Toss alias reads a generic order and the reverse', async () => {
    const generic = await newOrder();
    const viaAlias = await t.http().get(`/v1/toss/orders/${generic.orderId}`).set(auth());
    expect(viaAlias.status).toBe(200);
    expect(viaAlias.body).toMatchObject({ orderId: generic.orderId, status: 'created', paymentKey: null });
    const v1 = await t
      .http()
      .post('/v1/toss/orders')
      .set(auth())
      .send({ orderName: 'v1', amount: 700, currency: 'USD', country: 'US' });
    expect(v1.status).toBe(201);
    expect((await getOrder(v1.body.orderId)).body).toMatchObject({ gateway: GATEWAY, amount: 700, status: 'created' });
  });

  it("hides another merchant's order", async () => {
    const order = await newOrder();
    const other = await createMerchant(t);
    const res = await t.http().get(`/v1/orders/${order.orderId}`).set('authorization', `Bearer ${other.apiKey}`);
    expect(res.status).toBe(404);
  });

  it('lists every generic route in the OpenAPI document', async () => {
    const doc = (await t.http().get('/docs-json')).body as { paths: Record<string, Obj> };
    expect(Object.keys(doc.paths['/v1/orders'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/v1/orders/{orderId}'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/v1/orders/{orderId}/cancel'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/v1/orders/{orderId}/success'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/v1/orders/{orderId}/fail'] ?? {})).toContain('get');
  });

  // Last: it rebuilds the orders table under the running app.
  it('migration 1764201600016 marks every order stored before it as a toss-foreign-pay order (either engine)', async () => {
    const paid = await newOrder({ amount: 1200 });
    await follow(await buyer(paid));
    const runner = t.app.get(DataSource).createQueryRunner();
    try {
      await new OneTimeOrdersGateway1764201600016().down(runner);
      await new OneTimeOrdersGateway1764201600016().up(runner);
    } finally {
      await runner.release();
    }
    expect((await getOrder(paid.orderId)).body).toMatchObject({ gateway: GATEWAY, status: 'paid', amount: 1200 });
    expect((await t.http().get(`/v1/toss/orders/${paid.orderId}`).set(auth())).body).toMatchObject({
      status: 'paid',
      paymentKey: expect.any(String),
    });
  });
});
