import Fastify from 'fastify';
import { PgSandbox, pgSandboxPlugin, sandboxAccountOf, tossSandboxPlugin } from '@app/pg-sandbox';
import { TOSS_BILLING_SANDBOX, tossBillingAccountCredentials } from './toss-billing.sandbox';
import { startTossBillingSandbox, type TossBillingSandboxHarness } from './toss-billing.test-harness';
import { waitFor } from '../../test/helpers/wait-for';

const basic = (secretKey: string) => `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;

describe('toss-billing sandbox plugin', () => {
  let sbx: TossBillingSandboxHarness;
  const creds = tossBillingAccountCredentials('sandbox-spec');
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sbx.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(creds.secretKey), ...headers },
      body: JSON.stringify(body),
    });
  const request = { method: 'CARD', successUrl: 'https://m.example/ok?x=1', failUrl: 'https://m.example/fail' };

  beforeAll(async () => {
    sbx = await startTossBillingSandbox();
  });
  afterEach(() => sbx.clearFaults());
  afterAll(() => sbx.close());

  async function billingKey(customerKey: string): Promise<string> {
    const q = await sbx.buyer({
      sdk: 'tosspayments-v2',
      init: { clientKey: creds.clientKey, customerKey },
      method: 'requestBillingAuth',
      request,
    });
    const res = await post('/v1/billing/authorizations/issue', { authKey: q.authKey, customerKey });
    return ((await res.json()) as { billingKey: string }).billingKey;
  }

  it('mounts beside the foreign-easy-pay double under the shared toss prefix, as the app mounts it', async () => {
    expect(TOSS_BILLING_SANDBOX).toMatchObject({ prefix: 'toss' });
    const merchantId = '3f1c2d9e-aaaa-bbbb-cccc-1234567890ab';
    expect(TOSS_BILLING_SANDBOX.sandboxCredentials(merchantId)).toEqual(
      tossBillingAccountCredentials(sandboxAccountOf(merchantId)),
    );
    const app = Fastify({ logger: false });
    const sandbox = new PgSandbox();
    // Both Toss products on one host: Fastify would refuse to boot on a duplicate route.
    await app.register(pgSandboxPlugin, {
      prefix: '/sandbox',
      sandbox,
      plugins: [tossSandboxPlugin, TOSS_BILLING_SANDBOX],
    });
    await app.ready();
    try {
      const c = TOSS_BILLING_SANDBOX.sandboxCredentials(merchantId) as { clientKey: string; secretKey: string };
      const buyer = await app.inject({
        method: 'POST',
        url: '/sandbox/toss/buyer/billing-auth',
        payload: { clientKey: c.clientKey, customerKey: 'ck-mount-1', request, buyer: { outcome: 'approve' } },
      });
      expect(buyer.statusCode).toBe(200);
      const authKey = new URL(buyer.json<{ redirectUrl: string }>().redirectUrl).searchParams.get('authKey');
      const issued = await app.inject({
        method: 'POST',
        url: '/sandbox/toss/billing/v1/billing/authorizations/issue',
        headers: { authorization: basic(c.secretKey) },
        payload: { authKey, customerKey: 'ck-mount-1' },
      });
      expect(issued.statusCode).toBe(200);
      // The foreign-easy-pay double still answers its own routes (its buyer endpoint refuses an empty body, not 404).
      expect(
        (await app.inject({ method: 'POST', url: '/sandbox/toss/buyer/payments', payload: {} })).statusCode,
      ).not.toBe(404);
    } finally {
      await app.close();
    }
  });

  it('redirects the buyer like requestBillingAuth: success with customerKey/authKey, fail with code/message', async () => {
    const res = await fetch(sbx.buyerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientKey: creds.clientKey, customerKey: 'ck_buyer_1', request, buyer: {} }),
    });
    const ok = new URL(((await res.json()) as { redirectUrl: string }).redirectUrl);
    expect(`${ok.origin}${ok.pathname}`).toBe('https://m.example/ok');
    expect(ok.searchParams.get('x')).toBe('1');
    expect(ok.searchParams.get('customerKey')).toBe('ck_buyer_1');
    expect(ok.searchParams.get('authKey')).toMatch(/^bln_/);
    const cancel = await sbx.buyer(
      {
        sdk: 'tosspayments-v2',
        init: { clientKey: creds.clientKey, customerKey: 'ck_buyer_1' },
        method: 'requestBillingAuth',
        request,
      },
      'cancel',
    );
    expect(cancel).toEqual({ code: 'PAY_PROCESS_CANCELED', message: expect.any(String) });
    const bad = await fetch(sbx.buyerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        clientKey: creds.clientKey,
        customerKey: 'ck_buyer_1',
        request: { ...request, successUrl: '/relative' },
      }),
    });
    expect(bad.status).toBe(400);
  });

  it('requires Basic auth with the empty password and a key of this MID', async () => {
    const noColon = await fetch(`${sbx.base}/v1/payments/pk`, {
      headers: { authorization: `Basic ${Buffer.from(creds.secretKey).toString('base64')}` },
    });
    expect(noColon.status).toBe(401);
    expect(await noColon.json()).toMatchObject({ code: 'UNAUTHORIZED_KEY' });
    const foreign = await fetch(`${sbx.base}/v1/payments/pk`, {
      headers: { authorization: basic('test_sk_sbx_acct') },
    });
    expect(foreign.status).toBe(401);
  });

  it('charges only the customerKey a key was issued to, from 100 won, once per orderId', async () => {
    const key = await billingKey('ck_charge_1');
    expect(
      (
        await post(`/v1/billing/${key}`, {
          customerKey: 'ck_other',
          amount: 1000,
          orderId: 'order-c-1',
          orderName: 'x',
        })
      ).status,
    ).toBe(400);
    expect(
      await (
        await post(`/v1/billing/${key}`, {
          customerKey: 'ck_charge_1',
          amount: 99,
          orderId: 'order-c-1',
          orderName: 'x',
        })
      ).json(),
    ).toMatchObject({ code: 'BELOW_MINIMUM_AMOUNT' });
    const ok = await post(`/v1/billing/${key}`, {
      customerKey: 'ck_charge_1',
      amount: 1000,
      orderId: 'order-c-1',
      orderName: 'x',
    });
    expect(await ok.json()).toMatchObject({
      status: 'DONE',
      type: 'BILLING',
      currency: 'KRW',
      totalAmount: 1000,
      orderId: 'order-c-1',
    });
    expect(
      await (
        await post(`/v1/billing/${key}`, {
          customerKey: 'ck_charge_1',
          amount: 1000,
          orderId: 'order-c-1',
          orderName: 'x',
        })
      ).json(),
    ).toMatchObject({ code: 'DUPLICATED_ORDER_ID' });
    const ledger = await sbx.ledger({ orderId: 'order-c-1' });
    expect(ledger.map((e) => e.outcome)).toEqual(['refused', 'refused', 'approved', 'duplicate']);
    expect(ledger[2]).toMatchObject({
      account: 'sandbox-spec',
      billingKey: key,
      customerKey: 'ck_charge_1',
      amount: 1000,
      currency: 'KRW',
      seq: expect.any(Number),
    });
  });

  it('applies faults to matching requests only, the given number of times', async () => {
    const key = await billingKey('ck_fault_1');
    await sbx.fault('chargeBillingKey', { type: 'http_error', status: 503 }, { orderId: 'order-f-1' }, 2);
    const other = await post(`/v1/billing/${key}`, {
      customerKey: 'ck_fault_1',
      amount: 1000,
      orderId: 'order-f-2',
      orderName: 'x',
    });
    expect(other.status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect(
        (
          await post(`/v1/billing/${key}`, {
            customerKey: 'ck_fault_1',
            amount: 1000,
            orderId: 'order-f-1',
            orderName: 'x',
          })
        ).status,
      ).toBe(503);
    expect(
      (
        await post(`/v1/billing/${key}`, {
          customerKey: 'ck_fault_1',
          amount: 1000,
          orderId: 'order-f-1',
          orderName: 'x',
        })
      ).status,
    ).toBe(200);
    // http_error does no work: only the last attempt charged.
    expect((await sbx.ledger({ orderId: 'order-f-1' })).filter((e) => e.outcome === 'approved')).toHaveLength(1);
  });

  it('drops the connection before doing anything on reset_before', async () => {
    const key = await billingKey('ck_reset_1');
    await sbx.fault('chargeBillingKey', { type: 'reset_before' }, { orderId: 'order-r-1' });
    await expect(
      post(`/v1/billing/${key}`, { customerKey: 'ck_reset_1', amount: 1000, orderId: 'order-r-1', orderName: 'x' }),
    ).rejects.toThrow();
    expect(await sbx.ledger({ orderId: 'order-r-1' })).toEqual([]);
  });

  it('validates fault requests', async () => {
    const res = await fetch(`${sbx.base}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'nope', fault: { type: 'decline', code: 'X' } }),
    });
    expect(res.status).toBe(400);
    const res2 = await fetch(`${sbx.base}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'cancel', fault: { type: 'http_error', status: 200 } }),
    });
    expect(res2.status).toBe(400);
  });

  it('closes while a timeout_after_commit reply is held open', async () => {
    const own = await startTossBillingSandbox();
    const c = own.credentials('close-spec');
    await own.fault('getPayment', { type: 'timeout_after_commit' });
    const hanging = fetch(`${own.base}/v1/payments/pk`, { headers: { authorization: basic(c.secretKey) } }).catch(
      (e: unknown) => e,
    );
    // The reply is held once the request has taken its fault (the same turn).
    const faultsLeft = async () =>
      ((await (await fetch(`${own.base}/faults`)).json()) as { data: unknown[] }).data.length;
    expect(await waitFor(async () => (await faultsLeft()) === 0, { intervalMs: 5 })).toBe(true);
    await own.close();
    // fetch rejects (a TypeError from another realm under jest) instead of ever getting a response.
    expect((await hanging) as { name?: string }).toMatchObject({ name: 'TypeError' });
  });
});
