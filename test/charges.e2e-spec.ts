import { advanceClock, auth, billingSetup, fault, ledger, type Api, type Merchant } from './helpers/multi-fixtures';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

describe('charges: customer-present charges, cancels, webhooks, review (e2e)', () => {
  let t: TestApp;
  let sandbox: string;
  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false', BILLING_RECONCILE_BACKOFF_MS: '60000,60000' });
    sandbox = `${t.url}/sandbox`;
  });
  afterAll(() => t.close());

  const run = async (api: Api, m: Merchant) => {
    const res = await api.post('/v1/billing/runs', {}, auth(m));
    expect(res.status).toBe(200);
    await t.sandbox?.idle();
    return res.body;
  };
  const reserve = async (api: Api, m: Merchant) => {
    const res = await api.get('/v1/risk/fraudnet?pageType=checkout-page', auth(m));
    expect(res.status).toBe(200);
    return res.body.f as string;
  };
  /** A paid customer-present charge of `amount` cents. */
  async function paidCharge(amount = 5000) {
    const s = await billingSetup(t);
    const f = await reserve(s.api, s.m);
    const res = await s.api.post(
      `/v1/billing-keys/${s.key.id}/charges`,
      { amount, currency: 'USD', name: 'Credits', merchantUid: f },
      auth(s.m),
    );
    expect(res.status).toBe(201);
    return { ...s, charge: res.body, f };
  }
  const settle = (impUid: string, body: Record<string, unknown>) =>
    fetch(`${sandbox}/portone/payments/${impUid}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  describe('customer-present charges', () => {
    it('charges with a Fraudnet-reserved merchant_uid, once; a reused or unknown one is refused before anything is sent', async () => {
      const { api, m, key, account, charge, f } = await paidCharge(5000);
      expect(charge).toMatchObject({
        kind: 'customer_present',
        merchantUid: f,
        amount: 5000,
        currency: 'USD',
        status: 'succeeded',
        gatewayPaymentId: expect.any(String),
        cancels: [],
      });
      expect((await ledger(sandbox, account)).map((e) => [e.merchant_uid, e.outcome, e.amount])).toEqual([
        [f, 'approved', 50],
      ]);

      const reused = await api.post(
        `/v1/billing-keys/${key.id}/charges`,
        { amount: 100, currency: 'USD', name: 'Again', merchantUid: f },
        auth(m),
      );
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('FRAUDNET_RESERVATION_INVALID');
      const unknown = await api.post(
        `/v1/billing-keys/${key.id}/charges`,
        { amount: 100, currency: 'USD', name: 'Again', merchantUid: 'fnt_not_reserved' },
        auth(m),
      );
      expect(unknown.status).toBe(422);
      expect(unknown.body.code).toBe('FRAUDNET_RESERVATION_INVALID');
      const krw = await api.post(
        `/v1/billing-keys/${key.id}/charges`,
        { amount: 100, currency: 'KRW', name: 'Won', merchantUid: await reserve(api, m) },
        auth(m),
      );
      expect(krw.status).toBe(400);
      expect(krw.body.code).toBe('UNSUPPORTED_CURRENCY');
      expect(await ledger(sandbox, account)).toHaveLength(1);

      const stranger = await createMerchant(t);
      expect(
        (
          await api.post(
            `/v1/billing-keys/${key.id}/charges`,
            { amount: 100, currency: 'USD', name: 'x', merchantUid: await reserve(api, stranger) },
            auth(stranger),
          )
        ).status,
      ).toBe(404);
      expect((await api.get(`/v1/charges/${charge.id}`, auth(stranger))).status).toBe(404);
      expect((await api.get(`/v1/charges/${charge.id}`, auth(m))).body).toMatchObject({
        id: charge.id,
        status: 'succeeded',
      });
    });

    it('a declined customer-present charge is failed with the PG’s code', async () => {
      const s = await billingSetup(t);
      await fault(sandbox, {
        operation: 'again',
        match: { account: s.account },
        fault: { type: 'decline', code: 'INSTRUMENT_DECLINED' },
      });
      const res = await s.api.post(
        `/v1/billing-keys/${s.key.id}/charges`,
        { amount: 700, currency: 'USD', name: 'x', merchantUid: await reserve(s.api, s.m) },
        auth(s.m),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'failed', failureCode: 'INSTRUMENT_DECLINED' });
    });
  });

  describe('cancels', () => {
    it('full cancel: the charge is canceled with its cancel history', async () => {
      const { api, m, charge, account } = await paidCharge(5000);
      const res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'customer request' }, auth(m));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'canceled',
        refundedAmount: 5000,
        cancel: { amount: 5000, status: 'succeeded' },
      });
      expect(res.body.cancels).toHaveLength(1);
      expect((await ledger(sandbox, account, { operation: 'cancel' })).map((e) => e.outcome)).toEqual(['done']);
      const again = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'twice' }, auth(m));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('CHARGE_NOT_CANCELABLE');
    });

    it('partial, then the rest; more than the balance is refused and nothing is sent', async () => {
      const { api, m, charge, account } = await paidCharge(5000);
      let res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'partial', amount: 1500 }, auth(m));
      expect(res.body).toMatchObject({ status: 'partially_canceled', refundedAmount: 1500 });
      res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'too much', amount: 3501 }, auth(m));
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: 'CANCEL_AMOUNT_EXCEEDS_BALANCE',
        details: [{ field: 'amount', refundable: 3500, currency: 'USD' }],
      });
      res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'the rest' }, auth(m));
      expect(res.body).toMatchObject({ status: 'canceled', refundedAmount: 5000 });
      expect(res.body.cancels.map((c: { amount: number; status: string }) => [c.amount, c.status])).toEqual([
        [1500, 'succeeded'],
        [3500, 'succeeded'],
      ]);
      expect((await ledger(sandbox, account, { operation: 'cancel' })).map((e) => e.outcome)).toEqual(['done', 'done']);
    });

    it('a cancel the PG holds is pending (its amount reserved) until a look-up finds it done', async () => {
      const { api, m, charge, account } = await paidCharge(5000);
      await fault(sandbox, { operation: 'cancel', match: { account }, fault: { type: 'pending' } });
      let res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'pending one', amount: 2000 }, auth(m));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'succeeded',
        refundedAmount: 0,
        cancel: { amount: 2000, status: 'pending' },
      });
      // The reserved 2000 counts against the balance: 3001 more would make it negative.
      res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'too much', amount: 3001 }, auth(m));
      expect(res.body.code).toBe('CANCEL_AMOUNT_EXCEEDS_BALANCE');
      // "The rest" is the balance net of the pending cancel, sent as an explicit amount (never "everything").
      res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'the rest' }, auth(m));
      expect(res.body).toMatchObject({
        status: 'partially_canceled',
        refundedAmount: 3000,
        cancel: { amount: 3000, status: 'succeeded' },
      });

      expect((await settle(charge.gatewayPaymentId, { cancel: 'done', webhook: { mode: 'drop' } })).status).toBe(200);
      await advanceClock(api, 61_000);
      await run(api, m);
      res = await api.get(`/v1/charges/${charge.id}`, auth(m));
      expect(res.body).toMatchObject({ status: 'canceled', refundedAmount: 5000 });
      expect(res.body.cancels).toEqual([
        expect.objectContaining({ amount: 2000, status: 'succeeded', settledAt: expect.any(String) }),
        expect.objectContaining({ amount: 3000, status: 'succeeded' }),
      ]);
      expect((await ledger(sandbox, account, { operation: 'cancel' })).map((e) => e.amount)).toEqual([20, 30]);
    });
  });

  describe('webhooks and review', () => {
    it('a pending cancel is finished by the PG’s webhook (re-fetched), without a billing run', async () => {
      const { api, m, charge, account } = await paidCharge(4000);
      await fault(sandbox, { operation: 'cancel', match: { account }, fault: { type: 'pending' } });
      const res = await api.post(`/v1/charges/${charge.id}/cancel`, { reason: 'refund' }, auth(m));
      expect(res.body.cancel).toMatchObject({ amount: 4000, status: 'pending' });
      expect((await settle(charge.gatewayPaymentId, { cancel: 'done' })).status).toBe(200);
      await t.sandbox?.idle();
      expect(
        await waitFor(async () => (await api.get(`/v1/charges/${charge.id}`, auth(m))).body.status === 'canceled'),
      ).toBe(true);
      expect((await api.get(`/v1/charges/${charge.id}`, auth(m))).body).toMatchObject({
        refundedAmount: 4000,
        cancels: [expect.objectContaining({ status: 'succeeded' })],
      });
      // PortOne sends a webhook after an API cancel only when asked (official OpenAPI: enable_webhook, default false).
      expect((await ledger(sandbox, account, { operation: 'cancel' })).map((e) => e.enable_webhook)).toEqual([true]);
    });

    it('a webhook only points: the pending charge is re-fetched and applied, and the subscription follows without a billing run', async () => {
      const s = await billingSetup(t);
      const sub = (
        await s.api.post(
          '/v1/subscriptions',
          { customerId: s.c.id, planId: s.plan.id, billingKeyId: s.key.id },
          auth(s.m),
        )
      ).body;
      await fault(sandbox, { operation: 'again', match: { account: s.account }, fault: { type: 'pending' } });
      await run(s.api, s.m);
      const [pending] = (await s.api.get(`/v1/subscriptions/${sub.id}/charges`, auth(s.m))).body.data;
      expect(pending.status).toBe('pending');
      expect((await settle(pending.gatewayPaymentId, { status: 'paid' })).status).toBe(200);
      await t.sandbox?.idle();
      expect(
        await waitFor(
          async () =>
            (await s.api.get(`/v1/subscriptions/${sub.id}/charges`, auth(s.m))).body.data[0].status === 'succeeded',
        ),
      ).toBe(true);
      expect((await s.api.get(`/v1/subscriptions/${sub.id}`, auth(s.m))).body).toMatchObject({
        status: 'active',
        cycle: 1,
      });
      expect((await ledger(sandbox, s.account)).filter((e) => e.operation === 'again')).toHaveLength(1);
    });

    it('a charge still pending after the last look-up is flagged for review, listed, and counted on /metrics', async () => {
      const s = await billingSetup(t);
      const sub = (
        await s.api.post(
          '/v1/subscriptions',
          { customerId: s.c.id, planId: s.plan.id, billingKeyId: s.key.id },
          auth(s.m),
        )
      ).body;
      await fault(sandbox, { operation: 'again', match: { account: s.account }, fault: { type: 'pending' } });
      expect(await run(s.api, s.m)).toMatchObject({ pending: 1 });
      for (let i = 0; i < 2; i++) {
        await advanceClock(s.api, 61_000);
        await run(s.api, s.m);
      }
      const review = await s.api.get('/v1/charges?review=true', auth(s.m));
      expect(review.body.data).toEqual([
        expect.objectContaining({
          subscriptionId: sub.id,
          status: 'pending',
          review: true,
          reviewReason: 'PENDING_AFTER_LAST_LOOKUP',
        }),
      ]);
      expect((await s.api.get('/v1/billing/review', auth(s.m))).body.data).toHaveLength(1);
      // Nothing more is looked up or charged on its own.
      await advanceClock(s.api, 3 * 86_400_000);
      expect(await run(s.api, s.m)).toEqual({ claimed: 0, succeeded: 0, failed: 0, pending: 0, unknown: 0 });
      const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/^charges_review_flagged [1-9]/m);
      expect((await ledger(sandbox, s.account)).filter((e) => e.operation === 'again')).toHaveLength(1);
    });
  });
});
