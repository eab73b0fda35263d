import {
  advanceClock,
  apiOf,
  appNow,
  auth,
  createCustomer,
  createPlan,
  type Api,
  type Merchant,
} from '../../test/helpers/multi-fixtures';
import { createMerchant, startTestApp, type TestApp } from '../../test/helpers/test-app';
import { tossBillingSandboxAccount, tossBillingSandboxCredentials } from './toss-billing.sandbox';

/**
 * A KRW card subscription bills, renews and refunds through the REST API (contract v1.1) and the toss-billing sandbox
 * plugin, on both engines (DATABASE_URL selects PostgreSQL).
 */
const HOUR = 3_600_000;
// The buyer endpoint the REST contract names; the plugin's Toss API and control routes are under /sandbox/toss/billing.
const BUYER = '/sandbox/toss/buyer/billing-auth';
const SANDBOX_API = '/sandbox/toss/billing';

describe('toss-billing: a KRW card subscription through the REST API (e2e)', () => {
  let t: TestApp;
  let api: Api;
  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false', PG_TIMEOUT_MS: '1500' });
    api = apiOf(t.url);
  });
  afterAll(() => t.close());

  const ledger = async (m: Merchant, query: Record<string, string> = {}) => {
    const q = new URLSearchParams({ account: tossBillingSandboxAccount(m.id), limit: '1000', ...query });
    const res = await fetch(`${t.url}${SANDBOX_API}/ledger?${q}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
  };
  const run = async (m: Merchant) => {
    const res = await api.post('/v1/billing/runs', {}, auth(m));
    expect(res.status).toBe(200);
    return res.body as { claimed: number; succeeded: number; failed: number; pending: number; unknown: number };
  };

  /** The buyer in Toss's window, then the browser following Toss's redirect to our return route. */
  async function buyerRedirect(
    checkout: { init: Record<string, unknown>; request: Record<string, unknown> },
    outcome: 'approve' | 'cancel' | 'decline',
  ) {
    const res = await fetch(`${t.url}${BUYER}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientKey: checkout.init.clientKey,
        customerKey: checkout.init.customerKey,
        request: checkout.request,
        buyer: { outcome },
      }),
    });
    expect(res.status).toBe(200);
    const { redirectUrl } = (await res.json()) as { redirectUrl: string };
    const back = await fetch(redirectUrl, { redirect: 'manual' });
    return { redirectUrl, status: back.status, location: back.headers.get('location') ?? '' };
  }

  async function merchantWithPlan() {
    const m = await createMerchant(t);
    const c = await createCustomer(api, m);
    const plan = await createPlan(api, m, { name: '월간 구독', amount: 9900, currency: 'KRW', interval: 'month' });
    return { m, c, plan };
  }

  it('lists toss-billing as a KRW gateway that redirects and cannot delete keys', async () => {
    const m = await createMerchant(t);
    const res = await api.get('/v1/gateways', auth(m));
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('toss-billing');
    const g = (res.body.data as Array<Record<string, any>>).find((x) => x.code === 'toss-billing');
    // Contract v1.1 lists { code, displayName, capabilities }; the descriptor's paymentMethod ('card': no PayPal risk
    // rules) shows in the charges below, which carry no STC.
    expect(g).toMatchObject({
      displayName: expect.any(String),
      capabilities: { billingKeys: true, billingKeyFlow: 'redirect', billingKeyDeletion: false, currencies: ['KRW'] },
    });
  });

  it("validates the merchant's own Toss keys with the adapter's schema", async () => {
    const m = await createMerchant(t);
    const put = await fetch(`${t.url}/v1/merchants/me/gateways/toss-billing`, {
      method: 'PUT',
      headers: { ...auth(m), 'content-type': 'application/json' },
      body: JSON.stringify({ clientKey: 'nope', secretKey: 'nope' }),
    });
    expect(put.status).toBe(400);
    const own = tossBillingSandboxCredentials(m.id);
    const ok = await fetch(`${t.url}/v1/merchants/me/gateways/toss-billing`, {
      method: 'PUT',
      headers: { ...auth(m), 'content-type': 'application/json' },
      body: JSON.stringify(own),
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).not.toContain(own.secretKey);
  });

  it('requires successUrl and failUrl for a redirect gateway', async () => {
    const { m, c } = await merchantWithPlan();
    const res = await api.post('/v1/billing-keys', { customerId: c.id, gateway: 'toss-billing' }, auth(m));
    expect(res.status).toBe(400);
  });

  it('bills, renews and refunds a KRW card subscription', async () => {
    const { m, c, plan } = await merchantWithPlan();
    const successUrl = 'https://merchant.example/billing/ok';
    const failUrl = 'https://merchant.example/billing/fail';

    // 1. The billing key: the checkout is exactly v1.1's for requestBillingAuth.
    const created = await api.post(
      '/v1/billing-keys',
      { customerId: c.id, gateway: 'toss-billing', successUrl, failUrl },
      auth(m),
    );
    expect(created.status).toBe(201);
    const key = created.body;
    expect(key).toMatchObject({ status: 'pending', gateway: 'toss-billing', clientSecret: expect.any(String) });
    expect(key.checkout).toEqual({
      sdk: 'tosspayments-v2',
      init: { clientKey: tossBillingSandboxCredentials(m.id).clientKey, customerKey: expect.any(String) },
      method: 'requestBillingAuth',
      request: expect.objectContaining({
        method: 'CARD',
        successUrl: `${t.url}/v1/billing-keys/${key.id}/return`,
        failUrl: `${t.url}/v1/billing-keys/${key.id}/fail`,
      }),
    });
    expect(JSON.stringify(key)).not.toContain('test_sk_');
    const customerKey = key.checkout.init.customerKey as string;

    // 2. The buyer registers a card; Toss redirects to our return route, which issues the key and sends the buyer on.
    const back = await buyerRedirect(key.checkout, 'approve');
    expect(back.redirectUrl).toContain(`customerKey=${encodeURIComponent(customerKey)}`);
    expect(back.status).toBe(303);
    expect(back.location.startsWith(successUrl)).toBe(true);
    expect(new URL(back.location).searchParams.get('billingKeyId')).toBe(key.id);
    expect(new URL(back.location).searchParams.get('status')).toBe('active');
    expect((await api.get(`/v1/billing-keys/${key.id}`, auth(m))).body).toMatchObject({ status: 'active' });
    const issued = (await ledger(m)).filter((e) => e.operation === 'issueBillingKey');
    expect(issued).toEqual([expect.objectContaining({ outcome: 'issued', customerKey })]);
    const tossKey = issued[0].billingKey as string;
    expect(tossKey).not.toBe(customerKey);

    // 3. Subscribe and bill: Toss's key is charged for the customerKey it was issued to, in whole won, no STC.
    const sub = await api.post(
      '/v1/subscriptions',
      { customerId: c.id, planId: plan.id, billingKeyId: key.id },
      auth(m),
    );
    expect(sub.status).toBe(201);
    expect(await run(m)).toMatchObject({ claimed: 1, succeeded: 1, failed: 0, unknown: 0 });
    let charges = (await ledger(m)).filter((e) => e.operation === 'chargeBillingKey');
    expect(charges).toEqual([
      expect.objectContaining({ outcome: 'approved', billingKey: tossKey, customerKey, amount: 9900, currency: 'KRW' }),
    ]);
    expect(JSON.stringify(charges)).not.toMatch(/bypass|setTransactionContext|sender_/);

    // 4. Renew: a month later the next cycle is charged once.
    const s1 = (await api.get(`/v1/subscriptions/${sub.body.id}`, auth(m))).body;
    expect(s1).toMatchObject({ status: 'active', cycle: 1 });
    await advanceClock(api, new Date(s1.nextChargeAt).getTime() - (await appNow(api)).getTime() + HOUR);
    expect(await run(m)).toMatchObject({ claimed: 1, succeeded: 1 });
    charges = (await ledger(m)).filter((e) => e.operation === 'chargeBillingKey' && e.outcome === 'approved');
    expect(charges).toHaveLength(2);
    expect(new Set(charges.map((e) => e.orderId)).size).toBe(2);
    expect((await api.get(`/v1/subscriptions/${sub.body.id}`, auth(m))).body).toMatchObject({
      status: 'active',
      cycle: 2,
    });

    // 5. Refund the renewal in full through the charges API.
    const list = (await api.get(`/v1/subscriptions/${sub.body.id}/charges`, auth(m))).body.data as Array<
      Record<string, any>
    >;
    expect(list.filter((x) => x.status === 'succeeded')).toHaveLength(2);
    const renewal = list.find((x) => x.cycle === 1);
    expect(renewal).toMatchObject({ status: 'succeeded', amount: 9900 });
    if (!renewal) return;
    const refund = await api.post(`/v1/charges/${renewal.id}/cancel`, { reason: 'customer request' }, auth(m));
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ status: 'canceled', refundedAmount: 9900, currency: 'KRW' });
    expect((await ledger(m)).filter((e) => e.operation === 'cancel').map((e) => e.outcome)).toEqual(['canceled']);

    // 6. Toss has no delete API: DELETE revokes here and says so.
    const del = await fetch(`${t.url}/v1/billing-keys/${key.id}`, { method: 'DELETE', headers: auth(m) });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ status: 'revoked', revokedAtGateway: false, reason: 'NOT_SUPPORTED' });
  });

  it('sends the buyer to failUrl when the card registration is cancelled, and the key never activates', async () => {
    const { m, c } = await merchantWithPlan();
    const failUrl = 'https://merchant.example/billing/fail';
    const key = (
      await api.post(
        '/v1/billing-keys',
        { customerId: c.id, gateway: 'toss-billing', successUrl: 'https://merchant.example/ok', failUrl },
        auth(m),
      )
    ).body;
    const back = await buyerRedirect(key.checkout, 'cancel');
    expect(back.redirectUrl).toContain('code=PAY_PROCESS_CANCELED');
    expect(back.status).toBe(303);
    expect(back.location.startsWith(failUrl)).toBe(true);
    // The unauthenticated fail route changes nothing (a forged one must not fail a genuine issuance): never active.
    expect((await api.get(`/v1/billing-keys/${key.id}`, auth(m))).body).toMatchObject({ status: 'pending' });
    expect((await ledger(m)).filter((e) => e.operation === 'issueBillingKey')).toEqual([]);
    // A forged return with a made-up authKey (or a fail code) leaves the key pending, and the buyer on failUrl.
    const customerKey = key.checkout.init.customerKey as string;
    for (const q of [
      `customerKey=${encodeURIComponent(customerKey)}&authKey=made-up`,
      'code=PAY_PROCESS_CANCELED&message=x',
    ]) {
      const forged = await fetch(`${t.url}/v1/billing-keys/${key.id}/return?${q}`, { redirect: 'manual' });
      expect(forged.status).toBe(303);
      expect(forged.headers.get('location')?.startsWith(failUrl)).toBe(true);
    }
    expect((await api.get(`/v1/billing-keys/${key.id}`, auth(m))).body).toMatchObject({ status: 'pending' });
  });

  it('a declined card: the buyer window refuses it, and a charge Toss refuses fails the attempt without charging', async () => {
    const { m, c, plan } = await merchantWithPlan();
    const failUrl = 'https://merchant.example/billing/fail';
    const refused = (
      await api.post(
        '/v1/billing-keys',
        { customerId: c.id, gateway: 'toss-billing', successUrl: 'https://merchant.example/ok', failUrl },
        auth(m),
      )
    ).body;
    const back = await buyerRedirect(refused.checkout, 'decline');
    expect(back.redirectUrl).toContain('code=REJECT_CARD_COMPANY');
    expect(back.location.startsWith(failUrl)).toBe(true);
    // The fail route changes nothing (its query cannot be verified): the key stays pending, never active.
    expect((await api.get(`/v1/billing-keys/${refused.id}`, auth(m))).body.status).toBe('pending');

    const key = (
      await api.post(
        '/v1/billing-keys',
        { customerId: c.id, gateway: 'toss-billing', successUrl: 'https://merchant.example/ok', failUrl },
        auth(m),
      )
    ).body;
    expect((await buyerRedirect(key.checkout, 'approve')).status).toBe(303);
    const sub = await api.post(
      '/v1/subscriptions',
      { customerId: c.id, planId: plan.id, billingKeyId: key.id },
      auth(m),
    );
    expect(sub.status).toBe(201);
    const fault = await fetch(`${t.url}${SANDBOX_API}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        operation: 'chargeBillingKey',
        fault: { type: 'decline', code: 'REJECT_CARD_COMPANY' },
        match: { account: tossBillingSandboxAccount(m.id) },
      }),
    });
    expect(fault.status).toBe(201);
    expect(await run(m)).toMatchObject({ claimed: 1, succeeded: 0, failed: 1, unknown: 0 });
    const charges = (await ledger(m)).filter((e) => e.operation === 'chargeBillingKey');
    expect(charges.map((e) => e.outcome)).toEqual(['declined']);
    const list = (await api.get(`/v1/subscriptions/${sub.body.id}/charges`, auth(m))).body.data as Array<
      Record<string, any>
    >;
    expect(list).toEqual([expect.objectContaining({ status: 'failed', failureCode: 'REJECT_CARD_COMPANY' })]);
  });
});
