import { createMerchant, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';

describe('merchants (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

  it('creates a merchant with the admin key and returns its API key once', async () => {
    const res = await t
      .http()
      .post('/v1/merchants')
      .set(admin)
      .send({ name: 'Tickets Co', industry: 'event_ticketing', paypalAccountId: 'TICKETS01', country: 'US' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Tickets Co',
      industry: 'event_ticketing',
      stcPolicy: 'required',
      country: 'US',
    });
    expect(res.body.id).toMatch(/^mch_/);
    expect(res.body.apiKey).toMatch(/^mk_[A-Za-z0-9_-]{40,}$/);

    const me = await t.http().get('/v1/merchants/me').set('authorization', `Bearer ${res.body.apiKey}`);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(res.body.id);
    expect(me.body).not.toHaveProperty('apiKey');
    expect(JSON.stringify(me.body)).not.toContain(res.body.apiKey);
  });

  it.each([
    ['saas', undefined, 'recommended'],
    ['retail_food', 'in_store_mobile', 'required'],
    ['retail_food', 'third_party_delivery', 'recommended'],
    ['marketplace', undefined, 'required'],
  ])('derives stcPolicy for %s/%s as %s', async (industry, retailFulfillment, policy) => {
    const m = await createMerchant(t, { industry, ...(retailFulfillment ? { retailFulfillment } : {}) });
    expect(m.stcPolicy).toBe(policy);
  });

  it('never lets a client set stcPolicy', async () => {
    const res = await t
      .http()
      .post('/v1/merchants')
      .set(admin)
      .send({ name: 'X', industry: 'saas', stcPolicy: 'required' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('requires retailFulfillment for retail_food and refuses it elsewhere', async () => {
    const a = await t.http().post('/v1/merchants').set(admin).send({ name: 'Food', industry: 'retail_food' });
    expect(a.status).toBe(400);
    expect(a.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(a.body.details)).toContain('retailFulfillment');
    const b = await t
      .http()
      .post('/v1/merchants')
      .set(admin)
      .send({ name: 'Soft', industry: 'saas', retailFulfillment: 'own_delivery' });
    expect(b.status).toBe(400);
  });

  describe('auth', () => {
    it('401s without a key, with a wrong key, and with a merchant key on an admin route', async () => {
      const m = await createMerchant(t);
      const none = await t.http().post('/v1/merchants').send({ name: 'X', industry: 'saas' });
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('UNAUTHORIZED');
      const wrong = await t
        .http()
        .post('/v1/merchants')
        .set('authorization', 'Bearer nope')
        .send({ name: 'X', industry: 'saas' });
      expect(wrong.status).toBe(401);
      const merchantOnAdmin = await t
        .http()
        .post('/v1/merchants')
        .set('authorization', `Bearer ${m.apiKey}`)
        .send({ name: 'X', industry: 'saas' });
      expect(merchantOnAdmin.status).toBe(401);
      const adminOnMerchant = await t.http().get('/v1/merchants/me').set(admin);
      expect(adminOnMerchant.status).toBe(401);
      const noKeyMe = await t.http().get('/v1/merchants/me');
      expect(noKeyMe.status).toBe(401);
      const badScheme = await t.http().get('/v1/merchants/me').set('authorization', `Basic ${m.apiKey}`);
      expect(badScheme.status).toBe(401);
    });
  });

  describe('profile updates', () => {
    it('PATCH /me updates the profile and re-derives the policy', async () => {
      const m = await createMerchant(t);
      const auth = { authorization: `Bearer ${m.apiKey}` };
      const res = await t
        .http()
        .patch('/v1/merchants/me')
        .set(auth)
        .send({ industry: 'retail_food', retailFulfillment: 'in_store_mobile' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        industry: 'retail_food',
        retailFulfillment: 'in_store_mobile',
        stcPolicy: 'required',
      });
      const back = await t.http().patch('/v1/merchants/me').set(auth).send({ industry: 'saas' });
      expect(back.body).toMatchObject({ industry: 'saas', retailFulfillment: null, stcPolicy: 'recommended' });
    });
  });

  describe('gateway credentials', () => {
    it('stores PG credentials encrypted and only ever returns masked hints', async () => {
      const m = await createMerchant(t);
      const auth = { authorization: `Bearer ${m.apiKey}` };
      const secretKey = 'test_sk_sbx_' + 'veryprivate-1234';
      const put = await t
        .http()
        .put('/v1/merchants/me/gateways/toss-foreign-pay')
        .set(auth)
        .send({ clientKey: 'test_ck_sbx_acct1', secretKey });
      expect(put.status).toBe(200);
      expect(put.body.gateway).toBe('toss-foreign-pay');
      expect(put.body.hints.clientKey).toBe('test_ck_sbx_acct1');
      expect(put.body.hints.secretKey).toBe('••••••••1234');
      expect(JSON.stringify(put.body)).not.toContain(secretKey);

      const impSecret = 'sbx_secret_' + 'portone-private-9876';
      const put2 = await t
        .http()
        .put('/v1/merchants/me/gateways/portone-paypal-rt')
        .set(auth)
        .send({ userCode: 'imp_sbx_acct1', impKey: 'sbx_key_acct1', impSecret });
      expect(put2.status).toBe(200);
      const list = await t.http().get('/v1/merchants/me/gateways').set(auth);
      expect(list.body.data.map((g: { gateway: string }) => g.gateway)).toEqual([
        'portone-paypal-rt',
        'toss-foreign-pay',
      ]);
      expect(JSON.stringify(list.body)).not.toContain(impSecret);
      expect(JSON.stringify(list.body)).not.toContain(secretKey);

      // The row holds ciphertext, not the secret.
      const { DataSource } = await import('typeorm');
      const rows = await t.app.get(DataSource).query('SELECT ciphertext FROM merchant_gateway_credentials');
      expect(JSON.stringify(rows)).not.toContain(secretKey);
      expect(JSON.stringify(rows)).not.toContain(impSecret);

      // Replacing keeps one row per gateway; deleting removes it.
      const again = await t
        .http()
        .put('/v1/merchants/me/gateways/toss-foreign-pay')
        .set(auth)
        .send({ clientKey: 'test_ck_sbx_acct2', secretKey });
      expect(again.body.hints.clientKey).toBe('test_ck_sbx_acct2');
      expect((await t.http().get('/v1/merchants/me/gateways').set(auth)).body.data).toHaveLength(2);
      expect((await t.http().delete('/v1/merchants/me/gateways/toss-foreign-pay').set(auth)).status).toBe(204);
      expect((await t.http().delete('/v1/merchants/me/gateways/toss-foreign-pay').set(auth)).status).toBe(404);
    });

    it('validates credentials per gateway and refuses unknown gateways', async () => {
      const m = await createMerchant(t);
      const auth = { authorization: `Bearer ${m.apiKey}` };
      const bad = await t
        .http()
        .put('/v1/merchants/me/gateways/toss-foreign-pay')
        .set(auth)
        .send({ clientKey: 'nope', secretKey: 'nope' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['clientKey', 'secretKey']);
      // v1.1: any registered code is taken through one route; an unknown one is 404.
      const unknown = await t.http().put('/v1/merchants/me/gateways/stripe').set(auth).send({});
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
    });
  });
});
