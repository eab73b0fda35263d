import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

type Merchant = Awaited<ReturnType<typeof createMerchant>>;
type Obj = Record<string, any>;

/**
 * Client secrets: a browser holding a pending billing key's (or a created order's) secret can do exactly the
 * customer-present steps for that one object, and CORS answers only those routes, only for the merchant's origins.
 */
describe('client secrets and CORS (e2e)', () => {
  let t: TestApp;
  let m: Merchant;
  let other: Merchant;
  const SHOP = 'https://shop.example';
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    m = await createMerchant(t);
    other = await createMerchant(t);
    const res = await t
      .http()
      .patch('/v1/merchants/me')
      .set(auth(m.apiKey))
      .send({ allowedOrigins: [SHOP, 'http://localhost:5173'] });
    expect(res.status).toBe(200);
    expect(res.body.allowedOrigins).toEqual([SHOP, 'http://localhost:5173']);
  });
  afterAll(() => t.close());

  async function customer(of: Merchant): Promise<string> {
    const res = await t.http().post('/v1/customers').set(auth(of.apiKey)).send({
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      countryCode: 'US',
      accountCreatedAt: '2024-01-15T10:00:00Z',
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  async function pendingKey(of: Merchant = m): Promise<Obj> {
    const res = await t
      .http()
      .post('/v1/billing-keys')
      .set(auth(of.apiKey))
      .send({ customerId: await customer(of), gateway: 'portone-paypal-rt' });
    expect(res.status).toBe(201);
    return res.body;
  }
  async function order(path = '/v1/orders'): Promise<Obj> {
    const body = { orderName: 'Pro plan', amount: 5000, currency: 'USD', country: 'US' };
    const res = await t
      .http()
      .post(path)
      .set(auth(m.apiKey))
      .send(path === '/v1/orders' ? { gateway: 'toss-foreign-pay', ...body } : body);
    expect(res.status).toBe(201);
    return res.body;
  }
  /** The buyer approves in the sandbox's PortOne window: the loadUI callback's pointer. */
  async function approve(key: Obj): Promise<{ imp_uid: string; merchant_uid: string }> {
    const res = await t
      .http()
      .post('/sandbox/portone/buyer/billing-keys')
      .send({
        userCode: key.loadUI.userCode,
        request: key.loadUI.request,
        buyer: { email: 'buyer@example.com', country: 'US', outcome: 'approve' },
      });
    expect(res.status).toBe(200);
    return { imp_uid: res.body.imp_uid, merchant_uid: res.body.merchant_uid };
  }

  describe('billing keys', () => {
    it('opens GET, PATCH …/request and POST …/complete of its own key, then expires once the key is active', async () => {
      const key = await pendingKey();
      const secret = key.clientSecret as string;
      expect(secret.startsWith(`${key.id}_secret_`)).toBe(true);

      const read = await t.http().get(`/v1/billing-keys/${key.id}`).set(auth(secret));
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: key.id, status: 'pending' });

      const patched = await t
        .http()
        .patch(`/v1/billing-keys/${key.id}/request`)
        .set(auth(secret))
        .send({ name: 'Pro plan agreement' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: key.id, status: 'pending' });

      const done = await t
        .http()
        .post(`/v1/billing-keys/${key.id}/complete`)
        .set(auth(secret))
        .send(await approve(key));
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ id: key.id, status: 'active' });

      const expired = await t.http().get(`/v1/billing-keys/${key.id}`).set(auth(secret));
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('UNAUTHORIZED');
      // The merchant's key still reads it.
      expect((await t.http().get(`/v1/billing-keys/${key.id}`).set(auth(m.apiKey))).body.status).toBe('active');
    });

    it('refuses every route that did not opt in with 401, refunds and cancels included', async () => {
      const key = await pendingKey();
      const secret = key.clientSecret as string;
      const calls: Array<[string, () => ReturnType<ReturnType<TestApp['http']>['get']>]> = [
        ['GET merchants/me', () => t.http().get('/v1/merchants/me')],
        ['GET customer', () => t.http().get(`/v1/customers/${key.customerId}`)],
        ['GET key list', () => t.http().get(`/v1/billing-keys?customerId=${key.customerId}`)],
        ['DELETE key', () => t.http().delete(`/v1/billing-keys/${key.id}`)],
        [
          'POST charge',
          () => t.http().post(`/v1/billing-keys/${key.id}/charges`).send({ amount: 100, currency: 'USD', name: 'x' }),
        ],
        ['POST charge cancel', () => t.http().post('/v1/charges/chg_x/cancel').send({ reason: 'refund' })],
        ['POST subscription', () => t.http().post('/v1/subscriptions').send({})],
        [
          'PATCH merchants/me',
          () =>
            t
              .http()
              .patch('/v1/merchants/me')
              .send({ allowedOrigins: ['https://evil.example'] }),
        ],
        [
          'POST key',
          () => t.http().post('/v1/billing-keys').send({ customerId: key.customerId, gateway: 'portone-paypal-rt' }),
        ],
      ];
      for (const [name, call] of calls) {
        const res = await call().set(auth(secret));
        expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 401, code: 'UNAUTHORIZED' });
      }
      // Nothing was revoked or changed.
      expect((await t.http().get(`/v1/billing-keys/${key.id}`).set(auth(secret))).body.status).toBe('pending');
    });

    it("answers 404 for another key (the merchant's own or another merchant's) and 401 for an unknown secret", async () => {
      const mine = await pendingKey();
      const sibling = await pendingKey();
      const foreign = await pendingKey(other);
      for (const id of [sibling.id, foreign.id]) {
        const res = await t.http().get(`/v1/billing-keys/${id}`).set(auth(mine.clientSecret));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
        const patch = await t
          .http()
          .patch(`/v1/billing-keys/${id}/request`)
          .set(auth(mine.clientSecret))
          .send({ name: 'x' });
        expect(patch.status).toBe(404);
      }
      // The right shape with the wrong random part, and another key's id with this random part: both unknown.
      const random = (mine.clientSecret as string).slice(-32);
      const forged = [`${mine.id}_secret_${'A'.repeat(32)}`, `${sibling.id}_secret_${random}`];
      for (const token of forged) {
        const res = await t.http().get(`/v1/billing-keys/${mine.id}`).set(auth(token));
        expect(res.status).toBe(401);
      }
    });
  });

  describe('orders', () => {
    it('returns a client secret from both create routes that reads only its own order while created', async () => {
      const a = await order('/v1/orders');
      const b = await order('/v1/toss/orders');
      for (const o of [a, b]) expect(o.clientSecret).toMatch(new RegExp(`^${o.orderId}_secret_`));
      const read = await t.http().get(`/v1/orders/${a.orderId}`).set(auth(a.clientSecret));
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ orderId: a.orderId, status: 'created' });
      const alias = await t.http().get(`/v1/toss/orders/${b.orderId}`).set(auth(b.clientSecret));
      expect(alias.status).toBe(200);
      expect((await t.http().get(`/v1/orders/${b.orderId}`).set(auth(a.clientSecret))).status).toBe(404);
      // A cancel (a refund) is never open to a browser; nor is a billing-key route to an order's secret.
      const cancel = await t
        .http()
        .post(`/v1/orders/${a.orderId}/cancel`)
        .set(auth(a.clientSecret))
        .send({ reason: 'x' });
      expect(cancel.status).toBe(401);
      const cancelAlias = await t
        .http()
        .post(`/v1/toss/orders/${b.orderId}/cancel`)
        .set(auth(b.clientSecret))
        .send({ reason: 'x' });
      expect(cancelAlias.status).toBe(401);
      expect((await t.http().get(`/v1/billing-keys/${a.orderId}`).set(auth(a.clientSecret))).status).toBe(401);
    });

    it('expires once the order leaves created', async () => {
      const o = await order();
      const buyer = await t
        .http()
        .post('/sandbox/toss/buyer/payments')
        .send({
          clientKey: o.checkout.init.clientKey,
          paymentRequest: o.checkout.request,
          buyer: { outcome: 'approve' },
        });
      expect(buyer.status).toBe(200);
      const url = new URL(buyer.body.redirectUrl as string);
      await t.http().get(`${url.pathname}${url.search}`);
      expect((await t.http().get(`/v1/orders/${o.orderId}`).set(auth(m.apiKey))).body.status).toBe('paid');
      expect((await t.http().get(`/v1/orders/${o.orderId}`).set(auth(o.clientSecret))).status).toBe(401);
    });
  });

  describe('CORS', () => {
    const preflight = (path: string, origin: string, method: string) =>
      t
        .http()
        .options(path)
        .set({ origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization' });

    it("answers a preflight for a client-secret route from the merchant's allowedOrigins only", async () => {
      const key = await pendingKey();
      const ok = await preflight(`/v1/billing-keys/${key.id}/complete`, SHOP, 'POST');
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(SHOP);
      expect(ok.headers['access-control-allow-methods']).toBe('POST');
      expect(ok.headers['access-control-allow-headers']).toContain('authorization');
      expect(ok.headers.vary).toContain('Origin');

      const refused = [
        preflight(`/v1/billing-keys/${key.id}/complete`, 'https://evil.example', 'POST'),
        // A method the route does not take, a route a client secret cannot call, an unknown id.
        preflight(`/v1/billing-keys/${key.id}`, SHOP, 'DELETE'),
        preflight(`/v1/customers/${key.customerId}`, SHOP, 'GET'),
        preflight('/v1/billing-keys/bk_unknown0000000000/complete', SHOP, 'POST'),
      ];
      for (const call of refused) {
        const res = await call;
        expect(res.status).toBe(404);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
      // Another merchant's key: its merchant allowed no origin.
      const foreign = await pendingKey(other);
      const res = await preflight(`/v1/billing-keys/${foreign.id}`, SHOP, 'GET');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('adds the allowed origin on client-secret routes only, errors included, and never *', async () => {
      const key = await pendingKey();
      const o = await order();
      const read = await t.http().get(`/v1/billing-keys/${key.id}`).set(auth(key.clientSecret)).set('origin', SHOP);
      expect(read.status).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBe(SHOP);
      const orderRead = await t
        .http()
        .get(`/v1/toss/orders/${o.orderId}`)
        .set(auth(o.clientSecret))
        .set('origin', 'http://localhost:5173');
      expect(orderRead.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      // A 401 on an allowed route is still readable by the page (it can tell the secret expired).
      const bad = await t
        .http()
        .get(`/v1/billing-keys/${key.id}`)
        .set(auth(`${key.id}_secret_${'B'.repeat(32)}`))
        .set('origin', SHOP);
      expect(bad.status).toBe(401);
      expect(bad.headers['access-control-allow-origin']).toBe(SHOP);

      const elsewhere = [
        t.http().get(`/v1/billing-keys/${key.id}`).set(auth(key.clientSecret)).set('origin', 'https://evil.example'),
        t.http().get(`/v1/customers/${key.customerId}`).set(auth(m.apiKey)).set('origin', SHOP),
        t.http().get('/v1/merchants/me').set(auth(m.apiKey)).set('origin', SHOP),
        t.http().get('/health').set('origin', SHOP),
      ];
      for (const call of elsewhere) {
        const res = await call;
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
    });

    it('takes only exact origins, https in production only, and [] removes them', async () => {
      const fresh = await createMerchant(t);
      const patch = (allowedOrigins: unknown) =>
        t.http().patch('/v1/merchants/me').set(auth(fresh.apiKey)).send({ allowedOrigins });
      for (const bad of [
        ['https://shop.example/'],
        ['https://shop.example/path'],
        ['ftp://shop.example'],
        ['*'],
        ['https://SHOP.example'],
        'https://shop.example',
      ]) {
        const res = await patch(bad);
        expect({ bad, status: res.status, code: res.body.code }).toEqual({
          bad,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      expect((await patch(['https://a.example:8443', 'https://a.example:8443'])).body.allowedOrigins).toEqual([
        'https://a.example:8443',
      ]);
      expect((await patch([])).body.allowedOrigins).toEqual([]);
    });
  });
});
