/**
 * `npm run demo [adminKey] [baseUrl]`: against a running `npm start` (embedded SQLite + the PG sandbox), walks a
 * subscription through three billing cycles by moving the test clock, printing every step and the sandbox ledger.
 * The admin key comes from the argument or ADMIN_API_KEY (npm start prints the generated one); the base URL from the
 * second argument or DEMO_BASE_URL (default http://127.0.0.1:3000).
 */
const adminKey = process.argv[2] ?? process.env.ADMIN_API_KEY;
const base = (process.argv[3] ?? process.env.DEMO_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

type Json = Record<string, any>;

async function call(method: string, path: string, key: string | undefined, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Json) : {};
  if (res.status >= 400) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return json;
}

function step(title: string, data?: unknown): void {
  process.stdout.write(`\n== ${title}\n`);
  if (data !== undefined) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

async function main(): Promise<void> {
  if (!adminKey)
    throw new Error(
      'usage: npm run demo -- <adminKey> [baseUrl]   (or set ADMIN_API_KEY; npm start prints the generated key)',
    );
  const merchant = await call('POST', '/v1/merchants', adminKey, {
    name: 'Demo SaaS',
    industry: 'saas',
    paypalAccountId: 'DEMOPAYPAL01',
    country: 'US',
  });
  step('merchant', { id: merchant.id, stcPolicy: merchant.stcPolicy });
  const key = merchant.apiKey as string;

  const customer = await call('POST', '/v1/customers', key, {
    email: 'grace.demo@example.com',
    firstName: 'Grace',
    lastName: 'Hopper',
    phone: '+14155550123',
    countryCode: 'US',
    accountCreatedAt: '2024-05-01T12:00:00Z',
  });
  step('customer', { id: customer.id });
  const plan = await call('POST', '/v1/plans', key, {
    name: 'Demo Pro monthly',
    amount: 1999,
    currency: 'USD',
    interval: 'month',
  });
  step('plan', plan);

  // Billing key: the frontend would call IMP.loadUI('paypal-rt', request, callback); the sandbox's buyer endpoint
  // does what the buyer and PayPal do, and answers what the callback would receive.
  const issued = await call('POST', '/v1/billing-keys', key, { customerId: customer.id, gateway: 'portone-paypal-rt' });
  step('billing key issued (pending), loadUI request', { id: issued.id, status: issued.status, loadUI: issued.loadUI });
  const callback = await call('POST', '/sandbox/portone/buyer/billing-keys', undefined, {
    userCode: issued.loadUI.userCode,
    request: issued.loadUI.request,
    buyer: { email: customer.email ?? 'grace.demo@example.com', country: 'US' },
  });
  step('buyer approved in the PayPal window (sandbox); loadUI callback', callback);
  const completed = await call('POST', `/v1/billing-keys/${issued.id}/complete`, key, {
    imp_uid: callback.imp_uid,
    merchant_uid: callback.merchant_uid,
  });
  step('billing key completed', completed);

  const sub = await call('POST', '/v1/subscriptions', key, {
    customerId: customer.id,
    planId: plan.id,
    billingKeyId: issued.id,
  });
  step('subscription', sub);

  for (let cycle = 0; cycle < 3; cycle++) {
    const current = await call('GET', `/v1/subscriptions/${sub.id}`, key);
    // Move the application's test clock to the due date (the scheduler and every service read it).
    const clock = await call('GET', '/v1/admin/clock', adminKey);
    if (current.nextChargeAt && Date.parse(current.nextChargeAt) > Date.parse(clock.now)) {
      const moved = await call('POST', '/v1/admin/clock', adminKey, { now: current.nextChargeAt });
      step(`cycle ${cycle}: test clock moved to the due date`, { now: moved.now });
    }
    const run = await call('POST', '/v1/billing/runs', key, {});
    step(`cycle ${cycle}: billing run`, run);
    const after = await call('GET', `/v1/subscriptions/${sub.id}`, key);
    step(`cycle ${cycle}: subscription`, {
      status: after.status,
      currentPeriodStart: after.currentPeriodStart,
      currentPeriodEnd: after.currentPeriodEnd,
      nextChargeAt: after.nextChargeAt,
    });
  }

  const charges = await call('GET', `/v1/subscriptions/${sub.id}/charges`, key);
  step(
    'charges',
    charges.data.map((c: Json) => ({
      cycle: c.cycle,
      attempt: c.attempt,
      merchantUid: c.merchantUid,
      amount: c.amount,
      currency: c.currency,
      status: c.status,
      gatewayPaymentId: c.gatewayPaymentId,
    })),
  );
  const ledger: Json[] = [];
  for (const c of charges.data as Json[]) {
    const page = await call(
      'GET',
      `/sandbox/portone/ledger?merchant_uid=${encodeURIComponent(c.merchantUid)}`,
      undefined,
    );
    ledger.push(...page.data);
  }
  step(
    'sandbox ledger (what the PG did)',
    ledger.map((e) => ({
      seq: e.seq,
      operation: e.operation,
      outcome: e.outcome,
      merchant_uid: e.merchant_uid,
      amount: e.amount,
      currency: e.currency,
      imp_uid: e.imp_uid,
    })),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
