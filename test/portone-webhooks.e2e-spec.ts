import { sandboxPortoneKeys } from '@app/pg-sandbox';
import { BillingKeysService } from '../src/billing-keys/billing-keys.service';
import { ChargesService } from '../src/charges/charges.service';
import { MetricsService } from '../src/metrics/metrics.service';
import { PortoneWebhookService } from '../src/portone-paypal-rt/portone-webhook.service';
import { WebhookInboxRepository } from '../src/webhook-inbox/webhook-inbox.repository';
import { auth, billingSetup, fault } from './helpers/multi-fixtures';
import { createMerchant, sandboxAccountFor, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';

type Merchant = Awaited<ReturnType<typeof createMerchant>>;
type Issued = { id: string; loadUI: { userCode: string; request: Record<string, any> } };

/** Shared by both app configurations below. */
function helpers(get: () => TestApp) {
  const t = () => get();
  const auth = (m: Merchant) => ({ authorization: `Bearer ${m.apiKey}` });
  async function issued(m: Merchant): Promise<Issued> {
    const c = await t()
      .http()
      .post('/v1/customers')
      .set(auth(m))
      .send({ email: 'webhook.buyer@example.com', firstName: 'Wen', lastName: 'Hook', countryCode: 'US' });
    const res = await t()
      .http()
      .post('/v1/billing-keys')
      .set(auth(m))
      .send({ customerId: c.body.id, gateway: 'portone-paypal-rt' });
    expect(res.status).toBe(201);
    return res.body;
  }
  /** The buyer finishes the PayPal window; `webhook` says what the sandbox does with its own notification. */
  async function buyer(key: Issued, opts: { outcome?: string; webhook?: 'drop' | 'duplicate'; count?: number } = {}) {
    if (opts.webhook) {
      await t()
        .http()
        .post('/sandbox/control/faults')
        .send({
          gateway: 'portone',
          operation: 'buyerBillingKey',
          match: { merchant_uid: key.loadUI.request.merchant_uid },
          fault: { type: 'webhook', mode: opts.webhook, ...(opts.count ? { count: opts.count } : {}) },
        })
        .expect(201);
    }
    const res = await t()
      .http()
      .post('/sandbox/portone/buyer/billing-keys')
      .send({
        userCode: key.loadUI.userCode,
        request: key.loadUI.request,
        buyer: { email: 'b@example.com', country: 'US', outcome: opts.outcome ?? 'approve' },
      });
    expect(res.status).toBe(200);
    return res.body as { imp_uid: string; merchant_uid: string; success: boolean };
  }
  const post = (merchantId: string, body: unknown) =>
    t()
      .http()
      .post(`/v1/webhooks/portone/${merchantId}`)
      .send(body as object);
  const status = async (m: Merchant, id: string) =>
    (await t().http().get(`/v1/billing-keys/${id}`).set(auth(m))).body.status as string;
  const settle = async () => {
    await t().sandbox!.idle();
    await t().app.get(PortoneWebhookService).drain();
  };
  /** Deliveries counted under a disposition so far (the metric of this app instance). */
  async function deliveries(disposition: string): Promise<number> {
    const metric = t().app.get(MetricsService).registry.getSingleMetric('portone_webhook_deliveries_total');
    const values = (await metric!.get()).values;
    return values.filter((v) => v.labels.disposition === disposition).reduce((s, v) => s + v.value, 0);
  }
  return { auth, issued, buyer, post, status, settle, deliveries };
}

describe('PortOne webhooks (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await t.http().delete('/sandbox/control/faults');
    jest.restoreAllMocks();
  });
  const h = helpers(() => t);

  it('activates a pending key from PortOne’s own notification, without the completion call', async () => {
    const m = await createMerchant(t);
    const key = await h.issued(m);
    await h.buyer(key);
    await h.settle();
    expect(await h.status(m, key.id)).toBe('active');
  });

  it('answers a delivery at once with 200 and applies it in the background', async () => {
    const m = await createMerchant(t);
    const key = await h.issued(m);
    const cb = await h.buyer(key, { webhook: 'drop' });
    const res = await h.post(m.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid, status: 'paid' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    await h.settle();
    expect(await h.status(m, key.id)).toBe('active');
  });

  it('deduplicates the same imp_uid+status: duplicates cost no re-fetch', async () => {
    const m = await createMerchant(t);
    const key = await h.issued(m);
    const before = { duplicate: await h.deliveries('duplicate'), accepted: await h.deliveries('accepted') };
    await h.buyer(key, { webhook: 'duplicate', count: 3 });
    await h.settle();
    expect(await h.status(m, key.id)).toBe('active');
    expect(await h.deliveries('accepted')).toBe(before.accepted + 1);
    expect(await h.deliveries('duplicate')).toBe(before.duplicate + 2);
  });

  it('never applies a forged status: the re-fetched payment decides, both ways', async () => {
    const m = await createMerchant(t);
    // The buyer approved, a forger says it failed: the key becomes active.
    const approved = await h.issued(m);
    const ok = await h.buyer(approved, { webhook: 'drop' });
    await h.post(m.id, { imp_uid: ok.imp_uid, merchant_uid: ok.merchant_uid, status: 'failed' }).expect(200);
    await h.settle();
    expect(await h.status(m, approved.id)).toBe('active');
    // The buyer closed the window (PortOne sends nothing), a forger says paid: the key fails with the real reason.
    const closed = await h.issued(m);
    const no = await h.buyer(closed, { outcome: 'cancel' });
    await h.post(m.id, { imp_uid: no.imp_uid, merchant_uid: no.merchant_uid, status: 'paid' }).expect(200);
    await h.settle();
    const res = await t.http().get(`/v1/billing-keys/${closed.id}`).set(h.auth(m));
    expect(res.body).toMatchObject({ status: 'failed', failureCode: 'BUYER_CANCELED' });
  });

  it('ignores another merchant’s payment, whoever’s URL it is posted to', async () => {
    const a = await createMerchant(t);
    const b = await createMerchant(t, { name: 'B' });
    const keyA = await h.issued(a);
    await h.buyer(keyA, { webhook: 'drop' });
    const keyB = await h.issued(b);
    const cbB = await h.buyer(keyB, { webhook: 'drop' });
    // B's approved payment, under A's merchant_uid, posted to A: PortOne does not know it under A's account.
    await h
      .post(a.id, { imp_uid: cbB.imp_uid, merchant_uid: keyA.loadUI.request.merchant_uid, status: 'paid' })
      .expect(200);
    // B's own pointer posted to A's URL: A has no such issuance, and B's key is untouched.
    await h.post(a.id, { imp_uid: cbB.imp_uid, merchant_uid: cbB.merchant_uid, status: 'paid' }).expect(200);
    await h.settle();
    expect(await h.status(a, keyA.id)).toBe('pending');
    expect(await h.status(b, keyB.id)).toBe('pending');
  });

  it('accepts a form-encoded body, as PortOne sends it when so configured', async () => {
    const m = await createMerchant(t);
    const key = await h.issued(m);
    const cb = await h.buyer(key, { webhook: 'drop' });
    const res = await t
      .http()
      .post(`/v1/webhooks/portone/${m.id}`)
      .type('form')
      .send(
        `imp_uid=${encodeURIComponent(cb.imp_uid)}&merchant_uid=${encodeURIComponent(cb.merchant_uid)}&status=paid`,
      );
    expect(res.status).toBe(200);
    await h.settle();
    expect(await h.status(m, key.id)).toBe('active');
  });

  it('answers 200 to malformed bodies, repeated form keys and unknown merchants, and does nothing with them', async () => {
    const m = await createMerchant(t);
    const key = await h.issued(m);
    const cb = await h.buyer(key, { webhook: 'drop' });
    const malformed = await h.deliveries('malformed');
    for (const body of [
      {},
      { status: 'paid' },
      { imp_uid: 1, merchant_uid: 2, status: 'paid' },
      { imp_uid: cb.imp_uid, merchant_uid: 'm'.repeat(41), status: 'paid' },
    ]) {
      await h.post(m.id, body).expect(200);
    }
    await t
      .http()
      .post(`/v1/webhooks/portone/${m.id}`)
      .type('form')
      .send(`imp_uid=${cb.imp_uid}&imp_uid=imps_other&merchant_uid=${cb.merchant_uid}&status=paid`)
      .expect(200);
    expect(await h.deliveries('malformed')).toBe(malformed + 5);
    const unknown = await h.deliveries('unknown_merchant');
    await h
      .post('mer_doesnotexist', { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid, status: 'paid' })
      .expect(200);
    expect(await h.deliveries('unknown_merchant')).toBe(unknown + 1);
    const broken = await t
      .http()
      .post(`/v1/webhooks/portone/${m.id}`)
      .set('content-type', 'application/json')
      .send('{"imp_uid":');
    expect(broken.status).toBe(400);
    await h.settle();
    expect(await h.status(m, key.id)).toBe('pending');
  });

  it('hands a pointer that is not a billing-key issuance to charges, with our reference and the PG id', async () => {
    const m = await createMerchant(t);
    const spy = jest.spyOn(t.app.get(ChargesService), 'handleGatewayNotifications');
    await h
      .post(m.id, { imp_uid: 'imps_charge_0001', merchant_uid: 'sub-cycle-1-attempt-1', status: 'paid' })
      .expect(200);
    await h.settle();
    expect(spy).toHaveBeenCalledWith(
      'portone-paypal-rt',
      [{ merchantId: m.id, reference: 'sub-cycle-1-attempt-1', gatewayPaymentId: 'imps_charge_0001' }],
      16,
    );
    await expect(spy.mock.results[0].value).resolves.toEqual(['unknown_reference']);
  });
});

describe('PortOne webhooks for charges: the re-fetched truth decides (e2e)', () => {
  let t: TestApp;
  let sandbox: string;
  beforeAll(async () => {
    t = await startTestApp();
    sandbox = `${t.url}/sandbox`;
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await t.http().delete('/sandbox/control/faults');
  });
  const h = helpers(() => t);

  /** A customer-present charge PayPal holds pending; `settleTo` is what PayPal then decides, its webhook dropped. */
  async function heldCharge(settleTo: 'paid' | 'failed') {
    const s = await billingSetup(t);
    await fault(sandbox, { operation: 'again', match: { account: s.account }, fault: { type: 'pending' } });
    const f = (await s.api.get('/v1/risk/fraudnet?pageType=checkout-page', auth(s.m))).body.f as string;
    const res = await s.api.post(
      `/v1/billing-keys/${s.key.id}/charges`,
      { amount: 1500, currency: 'USD', name: 'Credits', merchantUid: f },
      auth(s.m),
    );
    expect(res.body).toMatchObject({ status: 'pending' });
    const settled = await fetch(`${sandbox}/portone/payments/${res.body.gatewayPaymentId}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: settleTo, webhook: { mode: 'drop' } }),
    });
    expect(settled.status).toBe(200);
    await t.sandbox!.idle();
    expect((await s.api.get(`/v1/charges/${res.body.id}`, auth(s.m))).body.status).toBe('pending'); // nothing told us yet
    return { ...s, charge: res.body as { id: string; merchantUid: string; gatewayPaymentId: string } };
  }

  it('a forged "paid" for a charge PayPal failed: the charge ends failed', async () => {
    const { api, m, charge } = await heldCharge('failed');
    await h
      .post(m.id, { imp_uid: charge.gatewayPaymentId, merchant_uid: charge.merchantUid, status: 'paid' })
      .expect(200);
    await h.settle();
    expect((await api.get(`/v1/charges/${charge.id}`, auth(m))).body).toMatchObject({ status: 'failed' });
  });

  it('a forged "failed" for a charge PayPal paid: the charge ends succeeded', async () => {
    const { api, m, charge } = await heldCharge('paid');
    await h
      .post(m.id, { imp_uid: charge.gatewayPaymentId, merchant_uid: charge.merchantUid, status: 'failed' })
      .expect(200);
    await h.settle();
    expect((await api.get(`/v1/charges/${charge.id}`, auth(m))).body).toMatchObject({ status: 'succeeded' });
  });

  it('a refund made at PortOne outside our API is applied from the cancel notice, as an external cancel', async () => {
    const s = await billingSetup(t);
    const f = (await s.api.get('/v1/risk/fraudnet?pageType=checkout-page', auth(s.m))).body.f as string;
    const charge = (
      await s.api.post(
        `/v1/billing-keys/${s.key.id}/charges`,
        { amount: 5000, currency: 'USD', name: 'Credits', merchantUid: f },
        auth(s.m),
      )
    ).body;
    expect(charge.status).toBe('succeeded');
    // The merchant refunds 20.00 in PortOne's console (its REST API with the merchant's keys), not through ours.
    const keys = sandboxPortoneKeys(s.account);
    const token = (
      await t.http().post('/sandbox/portone/users/getToken').send({ imp_key: keys.impKey, imp_secret: keys.impSecret })
    ).body.response.access_token;
    // enable_webhook: PortOne's own notice goes to the charge's notice_url, with the payment's status after the cancel
    // (`paid` for a partial one) and the cancellation_id: the shape a console refund's notice has, not a hand-made one.
    const cancelled = await t
      .http()
      .post('/sandbox/portone/payments/cancel')
      .set('authorization', token)
      .send({ imp_uid: charge.gatewayPaymentId, amount: 20, reason: 'console refund', enable_webhook: true });
    expect(cancelled.body.code).toBe(0);
    await h.settle();
    const view = (await s.api.get(`/v1/charges/${charge.id}`, auth(s.m))).body;
    expect(view).toMatchObject({ status: 'partially_canceled', refundedAmount: 2000 });
    expect(view.cancels).toEqual([expect.objectContaining({ amount: 2000, status: 'succeeded', external: true })]);
  });
});

describe('PortOne webhooks: flood limiting (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PORTONE_WEBHOOK_REFETCH_LIMIT: '3', PORTONE_WEBHOOK_WINDOW_MS: '60000' });
  });
  afterAll(async () => {
    await t.close();
    delete process.env.PORTONE_WEBHOOK_REFETCH_LIMIT;
    delete process.env.PORTONE_WEBHOOK_WINDOW_MS;
  });
  const h = helpers(() => t);

  it('spends at most the per-merchant re-fetch budget per window; past it a genuine delivery is answered 503 and kept, and the reconciler completes its key', async () => {
    const m = await createMerchant(t);
    const other = await createMerchant(t, { name: 'Other' });
    const key = await h.issued(m);
    const cb = await h.buyer(key, { webhook: 'drop' });
    const limited = await h.deliveries('rate_limited');
    const accepted = await h.deliveries('accepted');
    // A flood of distinct forged pointers: the first 3 re-fetched (200), the rest answered 503.
    const answers: number[] = [];
    for (let i = 0; i < 10; i++)
      answers.push(
        (await h.post(m.id, { imp_uid: `imps_forged_${i}`, merchant_uid: cb.merchant_uid, status: 'paid' })).status,
      );
    expect(answers).toEqual([200, 200, 200, 503, 503, 503, 503, 503, 503, 503]);
    expect(await h.deliveries('accepted')).toBe(accepted + 3);
    expect(await h.deliveries('rate_limited')).toBe(limited + 7);
    // The genuine one while the budget is spent: 503 (PortOne retries), and kept durably, never dropped.
    const genuine = await h.post(m.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid, status: 'paid' });
    expect(genuine.status).toBe(503);
    expect(genuine.body.code).toBe('PORTONE_WEBHOOK_RETRY');
    await h.settle();
    expect(await h.status(m, key.id)).toBe('pending');
    expect(await t.app.get(WebhookInboxRepository).count('portone-paypal-rt', m.id)).toBe(1);

    // Another merchant has its own budget.
    const otherKey = await h.issued(other);
    const otherCb = await h.buyer(otherKey, { webhook: 'drop' });
    await h
      .post(other.id, { imp_uid: otherCb.imp_uid, merchant_uid: otherCb.merchant_uid, status: 'paid' })
      .expect(200);
    await h.settle();
    expect(await h.status(other, otherKey.id)).toBe('active');

    // The reconciler in the same window leaves it (the budget is spent); in the next window it completes the key.
    const run = () =>
      t.http().post('/v1/billing/runs').set(h.auth(m)).set('idempotency-key', `run-${Math.random()}`).expect(200);
    await run();
    expect(await h.status(m, key.id)).toBe('pending');
    await t
      .http()
      .post('/v1/admin/clock')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ advanceMs: 61_000 })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await run();
    expect(await h.status(m, key.id)).toBe('active');
    expect(await t.app.get(WebhookInboxRepository).count('portone-paypal-rt', m.id)).toBe(0);
    expect(sandboxAccountFor(m.id)).not.toBe(sandboxAccountFor(other.id));
  });

  it('keeps an accepted pointer until it is applied: one whose apply failed is applied by the reconciler', async () => {
    const m = await createMerchant(t);
    const key = await h.issued(m);
    const cb = await h.buyer(key, { webhook: 'drop' });
    // The background apply fails (as a crash after the 200 would leave it): the kept row survives.
    jest.spyOn(t.app.get(BillingKeysService), 'applyNotification').mockRejectedValueOnce(new Error('crashed'));
    await t
      .http()
      .post('/v1/admin/clock')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ advanceMs: 61_000 })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await h.post(m.id, { imp_uid: cb.imp_uid, merchant_uid: cb.merchant_uid, status: 'paid' }).expect(200);
    await h.settle();
    expect(await h.status(m, key.id)).toBe('pending');
    expect(await t.app.get(WebhookInboxRepository).count('portone-paypal-rt', m.id)).toBe(1);
    // Due a window later (the background apply normally removes it first).
    await t
      .http()
      .post('/v1/admin/clock')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ advanceMs: 61_000 })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await t.http().post('/v1/billing/runs').set(h.auth(m)).set('idempotency-key', `run-${Math.random()}`).expect(200);
    expect(await h.status(m, key.id)).toBe('active');
    jest.restoreAllMocks();
  });
});

describe('Billing keys left pending: the reconciler pass (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BILLING_KEY_PENDING_GRACE_MS: '600000' });
  });
  afterAll(async () => {
    await t.close();
    delete process.env.BILLING_KEY_PENDING_GRACE_MS;
  });
  const h = helpers(() => t);
  const advance = (ms: number) =>
    t
      .http()
      .post('/v1/admin/clock')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ advanceMs: ms })
      .expect((r) => expect(r.status).toBeLessThan(300));
  const run = (m: { apiKey: string }) =>
    t
      .http()
      .post('/v1/billing/runs')
      .set({ authorization: `Bearer ${m.apiKey}` })
      .set('idempotency-key', `run-${Math.random()}`)
      .expect(200);

  it('completes a key whose webhook never came, after the grace period, as the webhook would (active or failed)', async () => {
    const m = await createMerchant(t);
    const approved = await h.issued(m);
    await h.buyer(approved, { webhook: 'drop' });
    const closed = await h.issued(m);
    await h.buyer(closed, { outcome: 'cancel', webhook: 'drop' });
    const never = await h.issued(m); // the buyer never opened the window
    await h.settle();
    // Within the grace period nothing is looked up.
    await run(m);
    expect(await h.status(m, approved.id)).toBe('pending');
    await advance(601_000);
    await run(m);
    expect(await h.status(m, approved.id)).toBe('active');
    const res = await t.http().get(`/v1/billing-keys/${closed.id}`).set(h.auth(m));
    expect(res.body).toMatchObject({ status: 'failed', failureCode: 'BUYER_CANCELED' });
    expect(await h.status(m, never.id)).toBe('pending');
  });
});
