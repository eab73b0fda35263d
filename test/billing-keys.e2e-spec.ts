import { GatewayRegistry } from '@app/pg-contract';
import { BillingKeysService } from '../src/billing-keys/billing-keys.service';
import { GatewayCredentialsService } from '../src/gateway-credentials/gateway-credentials.service';
import { PortoneWebhookService } from '../src/portone-paypal-rt/portone-webhook.service';
import { createMerchant, sandboxAccountFor, startTestApp, type TestApp } from './helpers/test-app';

type Merchant = Awaited<ReturnType<typeof createMerchant>>;
type Issued = {
  id: string;
  status: string;
  gateway: string;
  customerId: string;
  loadUI: { uiType: string; userCode: string; request: Record<string, any> };
};

const fullCustomer = {
  email: 'ada.rt@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+14155550123',
  countryCode: 'US',
  accountCreatedAt: '2024-01-15T10:00:00Z',
};

describe('billing keys through PortOne PayPal RT (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A short PG timeout: the revoke-timeout case waits for it.
    t = await startTestApp({ PG_TIMEOUT_MS: '1000' });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await t.http().delete('/sandbox/control/faults');
  });

  const auth = (m: Merchant) => ({ authorization: `Bearer ${m.apiKey}` });
  async function customer(m: Merchant, body: Record<string, unknown> = {}): Promise<{ id: string }> {
    const res = await t
      .http()
      .post('/v1/customers')
      .set(auth(m))
      .send({ ...fullCustomer, ...body });
    expect(res.status).toBe(201);
    return res.body;
  }
  const issue = (m: Merchant, body: Record<string, unknown>) =>
    t
      .http()
      .post('/v1/billing-keys')
      .set(auth(m))
      .send({ gateway: 'portone-paypal-rt', ...body });
  async function issued(m: Merchant, body: Record<string, unknown> = {}): Promise<Issued> {
    const res = await issue(m, { customerId: (await customer(m)).id, ...body });
    expect(res.status).toBe(201);
    return res.body;
  }
  /** What the buyer's PayPal RT window ends in: the loadUI callback's data. */
  async function buyer(
    key: Issued,
    outcome: 'approve' | 'cancel' | 'fail' = 'approve',
    country = 'US',
  ): Promise<{ imp_uid: string; merchant_uid: string; success: boolean }> {
    const res = await t
      .http()
      .post('/sandbox/portone/buyer/billing-keys')
      .send({
        userCode: key.loadUI.userCode,
        request: key.loadUI.request,
        buyer: { email: 'buyer@example.com', country, outcome },
      });
    expect(res.status).toBe(200);
    return res.body;
  }
  const complete = (m: Merchant, id: string, body: Record<string, unknown>) =>
    t.http().post(`/v1/billing-keys/${id}/complete`).set(auth(m)).send(body);
  const get = (m: Merchant, id: string) => t.http().get(`/v1/billing-keys/${id}`).set(auth(m));
  const ledger = async (m: Merchant, query: Record<string, string>) =>
    (
      await t
        .http()
        .get('/sandbox/portone/ledger')
        .query({ account: sandboxAccountFor(m.id), ...query })
    ).body.data as Array<Record<string, any>>;
  const fault = (body: Record<string, unknown>) =>
    t
      .http()
      .post('/sandbox/control/faults')
      .send({ gateway: 'portone', ...body })
      .expect(201);
  /** Lets the sandbox's webhook (and our background handling of it) finish, so no test leaks work into the next. */
  const settle = async () => {
    await t.sandbox!.idle();
    await t.app.get(PortoneWebhookService).drain();
  };
  async function activeKey(m: Merchant): Promise<Issued> {
    const key = await issued(m);
    const cb = await buyer(key);
    const res = await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid });
    expect(res.body).toEqual({ id: key.id, status: 'active' });
    await settle();
    return key;
  }

  describe('issue', () => {
    it('serves the redirect return routes without auth, scoped by key id: a callback-flow key has none (404), nor an unknown id', async () => {
      const m = await createMerchant(t);
      const key = await issued(m);
      for (const path of [
        `/v1/billing-keys/${key.id}/return?authKey=x&customerKey=y`,
        `/v1/billing-keys/${key.id}/fail?code=X`,
        '/v1/billing-keys/bk_nope/return',
      ]) {
        const res = await t.http().get(path);
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
      // Nothing changed, nothing was sent.
      expect((await get(m, key.id)).body.status).toBe('pending');
      // A successUrl that is not an http(s) URL is refused at creation.
      const c = await customer(m);
      const bad = await issue(m, {
        customerId: c.id,
        successUrl: 'javascript:alert(1)',
        failUrl: 'https://shop.example/ko',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['successUrl']);
    });

    it('mints a client secret per key: kept only as a hash, and sealed in the Idempotency-Key replay store', async () => {
      const m = await createMerchant(t);
      const c = await customer(m);
      const send = () =>
        t
          .http()
          .post('/v1/billing-keys')
          .set(auth(m))
          .set('idempotency-key', `bk-${c.id}`)
          .send({ customerId: c.id, gateway: 'portone-paypal-rt' });
      const first = await send();
      expect(first.status).toBe(201);
      expect(first.body.clientSecret).toMatch(new RegExp(`^${first.body.id}_secret_[A-Za-z0-9_-]{32}$`));
      expect(first.body.checkout).toMatchObject({
        sdk: 'iamport-v1',
        method: 'loadUI',
        init: { userCode: first.body.loadUI.userCode },
      });
      const replay = await send();
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      const { DataSource } = await import('typeorm');
      const rows = await t.app.get(DataSource).query('SELECT * FROM idempotency_records');
      const keys = await t.app.get(DataSource).query('SELECT * FROM billing_keys');
      expect(JSON.stringify([rows, keys])).not.toContain(first.body.clientSecret);
      const other = await t
        .http()
        .post('/v1/billing-keys')
        .set(auth(m))
        .send({ customerId: c.id, gateway: 'portone-paypal-rt' });
      expect(other.body.clientSecret).not.toBe(first.body.clientSecret);
    });

    it('records a pending key and answers the IMP.loadUI request with a server-minted customer_uid, our notice_url and STC; sends nothing', async () => {
      const m = await createMerchant(t);
      const c = await customer(m);
      const res = await issue(m, { customerId: c.id, name: 'Pro plan agreement', customData: { plan: 'pro' } });
      expect(res.status).toBe(201);
      const body = res.body as Issued;
      expect(body).toMatchObject({
        id: expect.stringMatching(/^bk_/),
        status: 'pending',
        gateway: 'portone-paypal-rt',
        customerId: c.id,
        name: 'Pro plan agreement',
      });
      const userCode = (
        await t.app
          .get(GatewayCredentialsService)
          .for<{ userCode: string; impKey: string; impSecret: string }>(m.id, 'portone-paypal-rt')
      ).userCode;
      expect(body.loadUI).toEqual({
        uiType: 'paypal-rt',
        userCode,
        request: {
          pg: 'paypal_v2',
          pay_method: 'paypal',
          amount: 0,
          merchant_uid: expect.any(String),
          customer_uid: expect.any(String),
          customer_id: c.id,
          name: 'Pro plan agreement',
          buyer_email: fullCustomer.email,
          buyer_name: 'Ada Lovelace',
          buyer_tel: fullCustomer.phone,
          notice_url: `${t.url}/v1/webhooks/portone-paypal-rt/${m.id}`,
          custom_data: { plan: 'pro' },
          bypass: {
            paypal_v2: {
              additional_data: expect.arrayContaining([
                { key: 'sender_account_id', value: 'ACMEPAYPAL01' },
                { key: 'sender_country_code', value: 'US' },
              ]),
            },
          },
        },
      });
      const { merchant_uid, customer_uid } = body.loadUI.request;
      expect(merchant_uid.length).toBeLessThanOrEqual(40);
      expect(customer_uid.length).toBeLessThanOrEqual(80);
      // Opaque: nothing of ours in the PG-side key.
      for (const v of [m.id, c.id, body.id]) expect(customer_uid).not.toContain(v);
      expect(JSON.stringify(body)).not.toMatch(/sbx_secret|sbx_key/);

      const second = await issued(m);
      expect(second.loadUI.request.customer_uid).not.toBe(customer_uid);
      expect(second.loadUI.request.merchant_uid).not.toBe(merchant_uid);

      expect(await ledger(m, { merchant_uid })).toEqual([]);
      expect((await get(m, body.id)).body).toMatchObject({
        id: body.id,
        status: 'pending',
        failureCode: null,
        activatedAt: null,
        revokedAt: null,
        revokedAtGateway: null,
      });
    });

    it('refuses a gateway without billing keys, an unknown gateway and another merchant’s customer, recording nothing', async () => {
      const m = await createMerchant(t);
      const other = await createMerchant(t, { name: 'Other' });
      const c = await customer(m);
      const toss = await issue(m, { customerId: c.id, gateway: 'toss-foreign-pay' });
      expect(toss.status).toBe(400);
      expect(toss.body.code).toBe('UNSUPPORTED_GATEWAY');
      expect((await issue(m, { customerId: c.id, gateway: 'no-such-pg' })).body.code).toBe('UNSUPPORTED_GATEWAY');
      const foreign = await issue(other, { customerId: c.id });
      expect(foreign.status).toBe(404);
      expect(foreign.body.code).toBe('NOT_FOUND');
      const bad = await issue(m, { customerId: c.id, customer_uid: 'mine-please' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect((await t.http().get('/v1/billing-keys').query({ customerId: c.id }).set(auth(m))).body).toEqual({
        data: [],
        hasMore: false,
        nextCursor: null,
      });
    });
  });

  describe('idempotency', () => {
    it('replays POST /v1/billing-keys under the same Idempotency-Key: one key, one customer_uid', async () => {
      const m = await createMerchant(t);
      const c = await customer(m);
      const send = () =>
        t
          .http()
          .post('/v1/billing-keys')
          .set(auth(m))
          .set('idempotency-key', 'issue-once-1')
          .send({ customerId: c.id, gateway: 'portone-paypal-rt' });
      const first = await send();
      const second = await send();
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      expect((await t.http().get('/v1/billing-keys').query({ customerId: c.id }).set(auth(m))).body.data).toHaveLength(
        1,
      );
    });
  });

  describe('STC by policy', () => {
    it('required and missing: 422 STC_DATA_REQUIRED before anything is recorded or sent', async () => {
      const m = await createMerchant(t, { industry: 'marketplace', paypalAccountId: undefined });
      const c = await customer(m);
      const res = await issue(m, { customerId: c.id });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('STC_DATA_REQUIRED');
      expect(res.body.details).toEqual([
        { field: 'sender_account_id', source: 'merchant.paypalAccountId', errors: ['missing'] },
      ]);
      expect((await t.http().get('/v1/billing-keys').query({ customerId: c.id }).set(auth(m))).body).toEqual({
        data: [],
        hasMore: false,
        nextCursor: null,
      });
    });

    it('required and present: the STC goes in bypass.paypal_v2.additional_data as an object and reaches PortOne with the issuance', async () => {
      const m = await createMerchant(t, { industry: 'gaming_digital_goods' });
      const key = await issued(m);
      const stc = key.loadUI.request.bypass.paypal_v2.additional_data as Array<{ key: string; value: string }>;
      expect(stc).toEqual(
        expect.arrayContaining([
          { key: 'sender_phone', value: expect.any(String) },
          { key: 'sender_create_date', value: expect.any(String) },
        ]),
      );
      await buyer(key);
      await settle();
      const [entry] = await ledger(m, { merchant_uid: key.loadUI.request.merchant_uid, operation: 'issueBillingKey' });
      expect(entry.bypass).toEqual({ paypal_v2: { additional_data: stc } });
    });

    it('recommended with gaps: what exists is sent, the missing keys are absent, nothing is refused', async () => {
      const m = await createMerchant(t, { industry: 'saas' });
      const key = await issued(m, {
        customerId: (await customer(m, { phone: undefined, accountCreatedAt: undefined })).id,
      });
      const keys = (key.loadUI.request.bypass.paypal_v2.additional_data as Array<{ key: string }>).map((kv) => kv.key);
      expect(keys).toContain('sender_account_id');
      expect(keys).not.toContain('sender_phone');
      expect(keys).not.toContain('sender_create_date');
    });
  });

  describe('complete', () => {
    it('activates a key the buyer approved, from the PG’s answer; completing again is idempotent; it becomes chargeable', async () => {
      const m = await createMerchant(t);
      const key = await issued(m);
      const cb = await buyer(key);
      expect(cb.success).toBe(true);
      const res = await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: key.id, status: 'active' });
      expect((await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid })).body).toEqual({
        id: key.id,
        status: 'active',
      });
      await settle();
      expect((await get(m, key.id)).body).toMatchObject({ status: 'active', activatedAt: expect.any(String) });
      const chargeable = await t.app.get(BillingKeysService).requireChargeable(m.id, key.id);
      expect(chargeable.customerUid).toBe(key.loadUI.request.customer_uid);
    });

    it.each([
      ['the buyer closed the window', 'cancel', 'US', 'BUYER_CANCELED'],
      ['a Korean buyer account', 'approve', 'KR', 'KOREAN_BUYER_ACCOUNT'],
      ['PayPal refused the agreement', 'fail', 'US', 'PAYMENT_FAILED'],
    ] as const)(
      'fails the key when %s, with its own failure code, and never charges it',
      async (_name, outcome, country, code) => {
        const m = await createMerchant(t);
        const key = await issued(m);
        const cb = await buyer(key, outcome, country);
        expect(cb.success).toBe(false);
        const res = await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          id: key.id,
          status: 'failed',
          failureCode: code,
          failureMessage: expect.any(String),
        });
        await expect(t.app.get(BillingKeysService).requireChargeable(m.id, key.id)).rejects.toMatchObject({
          code: 'BILLING_KEY_NOT_ACTIVE',
        });
      },
    );

    it('takes the callback only as a pointer: another issuance’s imp_uid, another merchant’s payment, a made-up id or a wrong merchant_uid change nothing', async () => {
      const m = await createMerchant(t);
      const other = await createMerchant(t, { name: 'Other' });
      const key = await issued(m);
      // No webhook for this issuance: the key stays pending until a completion names the right payment.
      await fault({
        operation: 'buyerBillingKey',
        match: { merchant_uid: key.loadUI.request.merchant_uid },
        fault: { type: 'webhook', mode: 'drop' },
      });
      const mine = await buyer(key);
      // Another approved issuance of the same merchant.
      const sibling = await issued(m);
      const siblingCb = await buyer(sibling);
      // Another merchant's approved issuance (its payment lives under another PortOne account).
      const foreign = await issued(other);
      const foreignCb = await buyer(foreign);
      await settle();
      expect((await get(m, sibling.id)).body.status).toBe('active');
      for (const pointer of [
        { imp_uid: siblingCb.imp_uid, merchant_uid: key.loadUI.request.merchant_uid },
        { imp_uid: foreignCb.imp_uid, merchant_uid: key.loadUI.request.merchant_uid },
        { imp_uid: 'imps_000000000000', merchant_uid: key.loadUI.request.merchant_uid },
        { imp_uid: mine.imp_uid, merchant_uid: sibling.loadUI.request.merchant_uid },
      ]) {
        const res = await complete(m, key.id, pointer);
        expect(res.status).toBe(422);
        expect(res.body.code).toBe('BILLING_KEY_POINTER_MISMATCH');
      }
      // Another merchant cannot complete (or see) this key at all.
      expect((await complete(other, key.id, { imp_uid: mine.imp_uid, merchant_uid: mine.merchant_uid })).status).toBe(
        404,
      );
      expect((await get(other, key.id)).status).toBe(404);
      expect((await get(m, key.id)).body.status).toBe('pending');
      expect((await complete(m, key.id, { imp_uid: mine.imp_uid, merchant_uid: mine.merchant_uid })).body).toEqual({
        id: key.id,
        status: 'active',
      });
      // Once decided, the key still answers only its own pointer.
      const late = await complete(m, key.id, {
        imp_uid: siblingCb.imp_uid,
        merchant_uid: key.loadUI.request.merchant_uid,
      });
      expect(late.status).toBe(422);
      expect(late.body.code).toBe('BILLING_KEY_POINTER_MISMATCH');
    });

    it('answers 503 GATEWAY_UNAVAILABLE and keeps the key pending when PortOne cannot be read; a retry activates it', async () => {
      const m = await createMerchant(t);
      const key = await issued(m);
      // The sandbox's own webhook would complete the key too: drop it, so only the API path is exercised.
      await fault({
        operation: 'buyerBillingKey',
        match: { account: sandboxAccountFor(m.id) },
        fault: { type: 'webhook', mode: 'drop' },
      });
      const cb = await buyer(key);
      await fault({
        operation: 'getPayment',
        match: { account: sandboxAccountFor(m.id) },
        fault: { type: 'http_error', status: 500 },
      });
      const res = await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('GATEWAY_UNAVAILABLE');
      expect((await get(m, key.id)).body.status).toBe('pending');
      expect((await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid })).body).toEqual({
        id: key.id,
        status: 'active',
      });
    });

    it('keeps a key PayPal holds pending as pending, then activates it once settled', async () => {
      const m = await createMerchant(t);
      const key = await issued(m);
      await fault({
        operation: 'buyerBillingKey',
        match: { account: sandboxAccountFor(m.id) },
        fault: { type: 'pending' },
      });
      const cb = await buyer(key);
      expect((await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid })).body).toEqual({
        id: key.id,
        status: 'pending',
      });
      await t.http().post(`/sandbox/portone/payments/${cb.imp_uid}/settle`).send({ status: 'paid' }).expect(200);
      await settle();
      expect((await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid })).body).toEqual({
        id: key.id,
        status: 'active',
      });
    });
  });

  describe('update the pending request', () => {
    it('answers the updated loadUI request while pending, and the buyer’s window uses it', async () => {
      const m = await createMerchant(t);
      const key = await issued(m, { name: 'Register KakaoPay' });
      const res = await t
        .http()
        .patch(`/v1/billing-keys/${key.id}/request`)
        .set(auth(m))
        .send({ name: 'Register PayPal', customData: { step: 2 } });
      expect(res.status).toBe(200);
      const updated = { ...key.loadUI.request, name: 'Register PayPal', custom_data: { step: 2 } };
      // v1.1 adds `checkout` (the same request for any gateway's SDK) beside the v1 `loadUI`.
      expect(res.body).toEqual({
        id: key.id,
        status: 'pending',
        loadUI: { ...key.loadUI, request: updated },
        checkout: { sdk: 'iamport-v1', init: { userCode: key.loadUI.userCode }, method: 'loadUI', request: updated },
      });
      expect((await get(m, key.id)).body.name).toBe('Register PayPal');
      const cb = await buyer({ ...key, loadUI: res.body.loadUI });
      await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid });
      await settle();
      const [entry] = await ledger(m, { merchant_uid: key.loadUI.request.merchant_uid, operation: 'issueBillingKey' });
      expect(entry).toMatchObject({ customer_uid: key.loadUI.request.customer_uid, outcome: 'approved' });

      const late = await t.http().patch(`/v1/billing-keys/${key.id}/request`).set(auth(m)).send({ name: 'Too late' });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('BILLING_KEY_NOT_PENDING');
    });

    it('is scoped by merchant and validated', async () => {
      const m = await createMerchant(t);
      const other = await createMerchant(t, { name: 'Other' });
      const key = await issued(m);
      expect(
        (await t.http().patch(`/v1/billing-keys/${key.id}/request`).set(auth(other)).send({ name: 'x' })).status,
      ).toBe(404);
      const bad = await t
        .http()
        .patch(`/v1/billing-keys/${key.id}/request`)
        .set(auth(m))
        .send({ merchant_uid: 'mine' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('list', () => {
    it('lists a customer’s keys, scoped by merchant', async () => {
      const m = await createMerchant(t);
      const other = await createMerchant(t, { name: 'Other' });
      const c = await customer(m);
      const a = (await issue(m, { customerId: c.id })).body;
      const b = (await issue(m, { customerId: c.id })).body;
      await issued(m); // another customer's
      const res = await t.http().get('/v1/billing-keys').query({ customerId: c.id }).set(auth(m));
      expect(res.status).toBe(200);
      expect(res.body.data.map((k: { id: string }) => k.id).sort()).toEqual([a.id, b.id].sort());
      expect(res.body.data[0]).not.toHaveProperty('loadUI');
      expect((await t.http().get('/v1/billing-keys').query({ customerId: c.id }).set(auth(other))).status).toBe(404);
      // v1.1: without customerId, every key of the merchant, newest first (this one's two and the other customer's).
      const all = await t.http().get('/v1/billing-keys').set(auth(m));
      expect(all.status).toBe(200);
      expect(all.body.data).toHaveLength(3);
      const listed = all.body.data as Array<{ id: string; createdAt: string }>;
      expect(listed.map((k) => k.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(listed.map((k) => k.createdAt)).toEqual(
        listed
          .map((k) => k.createdAt)
          .sort()
          .reverse(),
      );
      expect((await t.http().get('/v1/billing-keys').query({ customerId: '' }).set(auth(m))).body.code).toBe(
        'VALIDATION_FAILED',
      );
    });
  });

  describe('revoke', () => {
    it('deletes the customer_uid at PortOne and marks the key revoked; a revoked key is never charged; DELETE again is idempotent', async () => {
      const m = await createMerchant(t);
      const key = await activeKey(m);
      const customerUid = key.loadUI.request.customer_uid;
      const res = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: key.id,
        status: 'revoked',
        revokedAtGateway: true,
        revokedAt: expect.any(String),
      });
      const deletes = await ledger(m, { operation: 'deleteCustomer' });
      expect(deletes.filter((e) => e.customer_uid === customerUid)).toEqual([
        expect.objectContaining({ outcome: 'deleted' }),
      ]);

      await expect(t.app.get(BillingKeysService).requireChargeable(m.id, key.id)).rejects.toMatchObject({
        code: 'BILLING_KEY_NOT_ACTIVE',
      });
      // And PortOne itself no longer charges it.
      const adapter = t.app.get(GatewayRegistry).require('portone-paypal-rt', 'billingKeys');
      const creds = await t.app
        .get(GatewayCredentialsService)
        .for<{ userCode: string; impKey: string; impSecret: string }>(m.id, 'portone-paypal-rt');
      const charge = await adapter.chargeBillingKey(creds, {
        billingKey: customerUid,
        issuedAs: customerUid,
        reference: `after-revoke-${Date.now()}`,
        amount: { amount: 1000, currency: 'USD' },
        orderName: 'x',
      });
      expect(charge).toMatchObject({ status: 'DECLINED', kind: 'hard' });

      const again = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
      expect(again.body).toMatchObject({ status: 'revoked', revokedAtGateway: true });
      expect(
        (await ledger(m, { operation: 'deleteCustomer' })).filter((e) => e.customer_uid === customerUid),
      ).toHaveLength(1);
      expect(
        (
          await t
            .http()
            .delete(`/v1/billing-keys/${key.id}`)
            .set(auth(await createMerchant(t)))
        ).status,
      ).toBe(404);
    });

    it('a delete that times out is not "revoked at the PG": revoked here (never charged), revokedAtGateway false, and DELETE again confirms it', async () => {
      const m = await createMerchant(t);
      const key = await activeKey(m);
      await fault({
        operation: 'deleteCustomer',
        match: { account: sandboxAccountFor(m.id) },
        fault: { type: 'timeout_after_commit' },
      });
      const res = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'revoked', revokedAtGateway: false });
      await expect(t.app.get(BillingKeysService).requireChargeable(m.id, key.id)).rejects.toMatchObject({
        code: 'BILLING_KEY_NOT_ACTIVE',
      });
      expect((await get(m, key.id)).body).toMatchObject({ status: 'revoked', revokedAtGateway: false });

      const retry = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
      expect(retry.body).toMatchObject({ status: 'revoked', revokedAtGateway: true });
    });

    it('a pending key revoked before the buyer finished stays revoked, and the key PayPal then creates is deleted again', async () => {
      const m = await createMerchant(t);
      const key = await issued(m);
      const customerUid = key.loadUI.request.customer_uid;
      const res = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
      expect(res.body).toMatchObject({ status: 'revoked', revokedAtGateway: true });
      // The buyer approves in the window still open; PortOne creates the key and notifies us.
      const cb = await buyer(key);
      await settle();
      expect((await get(m, key.id)).body.status).toBe('revoked');
      expect((await complete(m, key.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid })).body.status).toBe(
        'revoked',
      );
      const deleted = (await ledger(m, { operation: 'deleteCustomer' })).filter((e) => e.customer_uid === customerUid);
      expect(deleted.map((e) => e.outcome)).toEqual(['refused', 'deleted']);
    });

    it('a refused delete leaves the PG side unconfirmed too, and the key revoked here', async () => {
      const m = await createMerchant(t);
      const key = await activeKey(m);
      await fault({
        operation: 'deleteCustomer',
        match: { account: sandboxAccountFor(m.id) },
        fault: { type: 'http_error', status: 500 },
        times: 2,
      });
      const res = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
      expect(res.body).toMatchObject({ status: 'revoked', revokedAtGateway: false });
      expect((await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m))).body).toMatchObject({
        revokedAtGateway: false,
      });
      expect((await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m))).body).toMatchObject({
        revokedAtGateway: true,
      });
    });
  });

  it('describes every billing-key endpoint in the OpenAPI document', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/billing-keys',
        '/v1/billing-keys/{id}',
        '/v1/billing-keys/{id}/request',
        '/v1/billing-keys/{id}/complete',
        '/v1/webhooks/{gateway}/{merchantId}',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/billing-keys/{id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
  });
});
