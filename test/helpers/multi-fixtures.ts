import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BillingKey } from '../../src/billing-keys/billing-key.entity';
import { createMerchant, sandboxAccountFor, TEST_ADMIN_KEY, type TestApp } from './test-app';

/**
 * Fixtures shared by the billing e2e specs and the several-instance test: a merchant with a customer, a plan and an
 * active PayPal RT billing key. The key is approved the way a buyer does it (the sandbox's buyer endpoint, which is
 * what IMP.loadUI ends in), and recorded as the billing-keys module records an active key.
 */
export type Merchant = Awaited<ReturnType<typeof createMerchant>>;

export const auth = (m: Merchant) => ({ authorization: `Bearer ${m.apiKey}` });
export const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
export const rand = (n = 6) => randomBytes(n).toString('hex');

export const fullCustomer = {
  email: 'ada.billing@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+14155550100',
  countryCode: 'US',
  accountCreatedAt: '2024-01-15T10:00:00Z',
};

/** Minimal HTTP surface: supertest in-process, or a plain base URL for other processes' apps. */
export interface Api {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export function apiOf(base: string): Api {
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { post: (p, b, h) => call('POST', p, b, h), get: (p, h) => call('GET', p, undefined, h) };
}

export async function createCustomer(
  api: Api,
  m: Merchant,
  body: Record<string, unknown> = {},
): Promise<{ id: string }> {
  const res = await api.post('/v1/customers', { ...fullCustomer, ...body }, auth(m));
  if (res.status !== 201) throw new Error(`customer: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createPlan(
  api: Api,
  m: Merchant,
  body: Record<string, unknown> = {},
): Promise<{ id: string; amount: number }> {
  const res = await api.post(
    '/v1/plans',
    { name: 'Pro', amount: 1999, currency: 'USD', interval: 'month', ...body },
    auth(m),
  );
  if (res.status !== 201) throw new Error(`plan: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * An active billing key: the buyer approves the loadUI request at the sandbox (so PortOne knows the customer_uid),
 * and the key is stored active. `sandboxBase` is where the PG sandbox the app talks to is mounted.
 */
export async function activeBillingKey(
  ds: DataSource,
  sandboxBase: string,
  m: Merchant,
  customerId: string,
  gateway = 'portone-paypal-rt',
): Promise<BillingKey> {
  const customerUid = `cu_${rand(10)}`;
  const merchantUid = `bk_${rand(10)}`;
  const res = await apiOf(sandboxBase).post('/portone/buyer/billing-keys', {
    userCode: `imp_sbx_${sandboxAccountFor(m.id)}`,
    request: {
      pg: 'paypal_v2',
      pay_method: 'paypal',
      merchant_uid: merchantUid,
      customer_uid: customerUid,
      customer_id: customerId,
      name: 'PayPal agreement',
    },
    buyer: { email: fullCustomer.email, country: 'US' },
  });
  if (res.status !== 200 || !res.body.success)
    throw new Error(`buyer approval: ${res.status} ${JSON.stringify(res.body)}`);
  const now = new Date();
  const key: BillingKey = {
    id: `bkey_${rand(8)}`,
    merchantId: m.id,
    customerId,
    gateway,
    status: 'active',
    customerUid,
    merchantUid,
    name: 'PayPal agreement',
    customData: null,
    gatewayPaymentId: res.body.imp_uid,
    failureCode: null,
    failureMessage: null,
    revokePendingAtPg: false,
    createdAt: now,
    updatedAt: now,
    activatedAt: now,
    revokedAt: null,
  };
  await ds.getRepository(BillingKey).insert(key);
  return key;
}

/** A merchant, a customer, a monthly USD plan and an active key, ready to subscribe. */
export async function billingSetup(
  t: TestApp,
  opts: { plan?: Record<string, unknown>; merchant?: Record<string, unknown> } = {},
) {
  const api = apiOf(t.url);
  const m = await createMerchant(t, opts.merchant);
  const c = await createCustomer(api, m);
  const plan = await createPlan(api, m, opts.plan);
  const key = await activeBillingKey(t.app.get(DataSource), `${t.url}/sandbox`, m, c.id);
  return { api, m, c, plan, key, account: sandboxAccountFor(m.id) };
}

/** Ledger entries of one sandbox account (`again` by default). */
export async function ledger(
  sandboxBase: string,
  account: string,
  query: Record<string, string> = {},
): Promise<Array<Record<string, any>>> {
  const q = new URLSearchParams({ account, operation: 'again', limit: '1000', ...query });
  const out: Array<Record<string, any>> = [];
  let after: string | undefined;
  for (;;) {
    if (after) q.set('after', after);
    const res = await apiOf(sandboxBase).get(`/portone/ledger?${q}`);
    out.push(...res.body.data);
    if (!res.body.next) return out;
    after = String(res.body.next);
  }
}

export async function fault(sandboxBase: string, body: Record<string, unknown>): Promise<void> {
  const res = await apiOf(sandboxBase).post('/control/faults', { gateway: 'portone', ...body });
  if (res.status !== 201) throw new Error(`fault: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Moves the app's test clock to `at` (forward only). */
export async function setClock(api: Api, at: Date): Promise<void> {
  const res = await api.post('/v1/admin/clock', { now: at.toISOString() }, admin);
  if (res.status >= 300) throw new Error(`clock: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function advanceClock(api: Api, ms: number): Promise<Date> {
  const res = await api.post('/v1/admin/clock', { advanceMs: ms }, admin);
  if (res.status >= 300) throw new Error(`clock: ${res.status} ${JSON.stringify(res.body)}`);
  return new Date(res.body.now);
}

export async function appNow(api: Api): Promise<Date> {
  const res = await api.get('/v1/admin/clock', admin);
  return new Date(res.body.now);
}
