import { DataSource } from 'typeorm';
import { Charge } from '../src/charges/charge.entity';
import { Subscription } from '../src/subscriptions/subscription.entity';
import {
  advanceClock,
  appNow,
  auth,
  billingSetup,
  fault,
  ledger,
  type Api,
  type Merchant,
} from './helpers/multi-fixtures';
import { startTestApp, type TestApp } from './helpers/test-app';

const DAY = 86_400_000;

/** The scheduler's passes driven through POST /v1/billing/runs, against the sandbox over real HTTP. */
describe('billing runs: charge outcomes (e2e)', () => {
  let t: TestApp;
  let sandbox: string;
  beforeAll(async () => {
    t = await startTestApp({
      SCHEDULER_ENABLED: 'false',
      PG_TIMEOUT_MS: '1500',
      BILLING_RECONCILE_BACKOFF_MS: '60000,60000,60000',
    });
    sandbox = `${t.url}/sandbox`;
  });
  afterAll(() => t.close());

  const run = async (api: Api, m: Merchant) => {
    const res = await api.post('/v1/billing/runs', {}, auth(m));
    if (res.status !== 200) console.log(t.logs.filter((l) => /"level":50/.test(l)).join('\n'));
    expect(res.status).toBe(200);
    await t.sandbox?.idle();
    return res.body as { claimed: number; succeeded: number; failed: number; pending: number; unknown: number };
  };
  const charges = async (api: Api, m: Merchant, subId: string) => {
    const res = await api.get(`/v1/subscriptions/${subId}/charges`, auth(m));
    expect(res.status).toBe(200);
    return res.body.data as Array<Record<string, any>>;
  };
  const subscription = async (api: Api, m: Merchant, id: string) =>
    (await api.get(`/v1/subscriptions/${id}`, auth(m))).body;
  async function subscribe(extra: { plan?: Record<string, unknown> } = {}) {
    const s = await billingSetup(t, extra);
    const res = await s.api.post(
      '/v1/subscriptions',
      { customerId: s.c.id, planId: s.plan.id, billingKeyId: s.key.id },
      auth(s.m),
    );
    expect(res.status).toBe(201);
    return { ...s, sub: res.body };
  }

  it('charges a due subscription once: intent, again with STC, succeeded; the period advances and nothing is due until the next cycle', async () => {
    const { api, m, sub, account, key } = await subscribe();
    expect(sub).toMatchObject({ status: 'incomplete', cycle: 0, attempt: 1 });
    expect(await run(api, m)).toEqual({ claimed: 1, succeeded: 1, failed: 0, pending: 0, unknown: 0 });

    const list = await charges(api, m, sub.id);
    expect(list).toEqual([
      expect.objectContaining({
        cycle: 0,
        attempt: 1,
        merchantUid: `${sub.id}-c0-a1`,
        amount: 1999,
        currency: 'USD',
        status: 'succeeded',
        gatewayPaymentId: expect.any(String),
        settledAt: expect.any(String),
      }),
    ]);
    const after = await subscription(api, m, sub.id);
    expect(after).toMatchObject({
      status: 'active',
      cycle: 1,
      attempt: 1,
      currentPeriodStart: sub.currentPeriodStart,
      currentPeriodEnd: sub.currentPeriodEnd,
      nextChargeAt: sub.currentPeriodEnd,
    });

    const entries = await ledger(sandbox, account);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      outcome: 'approved',
      merchant_uid: `${sub.id}-c0-a1`,
      customer_uid: key.customerUid,
      currency: 'USD',
      amount: 19.99,
    });
    expect(entries[0].notice_url).toBe(`${t.url}/v1/webhooks/portone-paypal-rt/${m.id}`);
    // STC travels in `bypass` (the merchant is saas: recommended policy, the base keys it has are sent).
    expect(JSON.stringify(entries[0].bypass)).toContain('sender_email');

    // Not due again: a second run claims nothing and sends nothing.
    expect(await run(api, m)).toMatchObject({ claimed: 0 });
    expect(await ledger(sandbox, account)).toHaveLength(1);
  });

  it('a soft decline is retried on the schedule with a new attempt (past_due meanwhile), and succeeds', async () => {
    const { api, m, sub, account } = await subscribe();
    await run(api, m); // cycle 0 paid
    await fault(sandbox, {
      operation: 'again',
      match: { merchant_uid: `${sub.id}-c1-a1` },
      fault: { type: 'decline', code: 'INSTRUMENT_DECLINED', message: 'funding failed' },
    });
    const cycle1 = new Date(sub.currentPeriodEnd);
    await advanceTo(api, cycle1);
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    let s = await subscription(api, m, sub.id);
    expect(s).toMatchObject({
      status: 'past_due',
      cycle: 1,
      attempt: 2,
      nextChargeAt: new Date(cycle1.getTime() + 1 * DAY).toISOString(),
    });
    expect((await charges(api, m, sub.id)).at(-1)).toMatchObject({
      cycle: 1,
      attempt: 1,
      status: 'failed',
      failureCode: 'INSTRUMENT_DECLINED',
    });

    // Before the retry date nothing happens.
    expect(await run(api, m)).toMatchObject({ claimed: 0 });
    await advanceTo(api, new Date(cycle1.getTime() + DAY));
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
    s = await subscription(api, m, sub.id);
    expect(s).toMatchObject({ status: 'active', cycle: 2, attempt: 1 });
    const uids = (await ledger(sandbox, account)).map((e) => [e.merchant_uid, e.outcome]);
    expect(uids).toEqual([
      [`${sub.id}-c0-a1`, 'approved'],
      [`${sub.id}-c1-a1`, 'declined'],
      [`${sub.id}-c1-a2`, 'approved'],
    ]);
  });

  it('soft declines exhaust the 1, 3, 5, 7-day schedule and cancel the subscription after the last', async () => {
    const { api, m, sub, account } = await subscribe();
    await fault(sandbox, {
      operation: 'again',
      match: { account },
      fault: { type: 'decline', code: 'INSTRUMENT_DECLINED' },
      times: 5,
    });
    const due = new Date(sub.nextChargeAt);
    const expected = [1, 3, 5, 7];
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    for (let i = 0; i < expected.length; i++) {
      const s = await subscription(api, m, sub.id);
      // An incomplete subscription (never paid) stays incomplete while retrying.
      expect(s).toMatchObject({
        status: 'incomplete',
        attempt: i + 2,
        nextChargeAt: new Date(due.getTime() + expected[i] * DAY).toISOString(),
      });
      await advanceTo(api, new Date(s.nextChargeAt));
      expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    }
    const s = await subscription(api, m, sub.id);
    expect(s).toMatchObject({ status: 'canceled', cancelReason: 'payment_failed', nextChargeAt: null });
    expect((await ledger(sandbox, account)).map((e) => e.outcome)).toEqual([
      'declined',
      'declined',
      'declined',
      'declined',
      'declined',
    ]);
    expect((await charges(api, m, sub.id)).map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a hard decline is not retried: the subscription is canceled and nothing more is sent', async () => {
    const { api, m, sub, account } = await subscribe();
    // A Korean buyer account is one of the three hard refusals (portone-paypal-rt.refusals.ts; seed 004).
    await fault(sandbox, {
      operation: 'again',
      match: { account },
      fault: { type: 'decline', code: 'KOREAN_BUYER_ACCOUNT' },
    });
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    expect(await subscription(api, m, sub.id)).toMatchObject({
      status: 'canceled',
      cancelReason: 'payment_declined',
      nextChargeAt: null,
    });
    expect((await charges(api, m, sub.id))[0]).toMatchObject({ status: 'failed', failureCode: 'KOREAN_BUYER_ACCOUNT' });
    await advanceClock(api, 10 * DAY);
    expect(await run(api, m)).toMatchObject({ claimed: 0 });
    expect(await ledger(sandbox, account)).toHaveLength(1);
  });

  it('PENDING waits and is never charged again; the reconciler finds it settled and the period advances', async () => {
    const { api, m, sub, account } = await subscribe();
    await fault(sandbox, {
      operation: 'again',
      match: { account },
      fault: { type: 'pending', reason: 'paymentreview' },
    });
    await fault(sandbox, { operation: 'again', match: { account }, fault: { type: 'webhook', mode: 'drop' } });
    expect(await run(api, m)).toMatchObject({ claimed: 1, pending: 1 });
    const [pending] = await charges(api, m, sub.id);
    expect(pending).toMatchObject({ status: 'pending', gatewayPaymentId: expect.any(String) });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'incomplete', nextChargeAt: null });

    // However long it waits, the subscription is not claimed and nothing is re-sent.
    await advanceClock(api, 2 * DAY);
    await run(api, m);
    expect(await ledger(sandbox, account)).toHaveLength(1);

    // PayPal settles it; the webhook is dropped, so only the reconciler's look-up can notice.
    const settle = await fetch(`${sandbox}/portone/payments/${pending.gatewayPaymentId}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'paid', webhook: { mode: 'drop' } }),
    });
    expect(settle.status).toBe(200);
    await advanceClock(api, 61_000);
    expect(await run(api, m)).toMatchObject({ succeeded: 1 });
    expect((await charges(api, m, sub.id))[0]).toMatchObject({ status: 'succeeded' });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'active', cycle: 1 });
    expect((await ledger(sandbox, account)).filter((e) => e.operation === 'again')).toHaveLength(1);
  });

  it('timeout after the PG charged: UNKNOWN, then found paid by merchant_uid; no second again is sent', async () => {
    const { api, m, sub, account } = await subscribe();
    await fault(sandbox, { operation: 'again', match: { account }, fault: { type: 'timeout_after_commit' } });
    await fault(sandbox, { operation: 'again', match: { account }, fault: { type: 'webhook', mode: 'drop' } });
    expect(await run(api, m)).toMatchObject({ claimed: 1, unknown: 1 });
    expect((await charges(api, m, sub.id))[0]).toMatchObject({ status: 'unknown' });
    expect(await subscription(api, m, sub.id)).toMatchObject({ nextChargeAt: null });

    await advanceClock(api, 61_000);
    expect(await run(api, m)).toMatchObject({ claimed: 0, succeeded: 1 });
    expect((await charges(api, m, sub.id))[0]).toMatchObject({ status: 'succeeded' });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'active', cycle: 1 });
    const entries = await ledger(sandbox, account);
    expect(entries.map((e) => e.outcome)).toEqual(['approved']);
  });

  it('a connection reset before the PG did anything: UNKNOWN, looked up (not found), then sent again with the same merchant_uid: one charge', async () => {
    const { api, m, sub, account } = await subscribe();
    await fault(sandbox, { operation: 'again', match: { account }, fault: { type: 'reset_before' } });
    expect(await run(api, m)).toMatchObject({ claimed: 1, unknown: 1 });
    await advanceClock(api, 61_000);
    await run(api, m); // look-up: nothing there -> the intent is re-sent under the same merchant_uid
    await advanceClock(api, 61_000);
    await run(api, m);
    expect((await charges(api, m, sub.id)).map((c) => [c.merchantUid, c.status])).toEqual([
      [`${sub.id}-c0-a1`, 'succeeded'],
    ]);
    expect((await ledger(sandbox, account)).map((e) => [e.merchant_uid, e.outcome])).toEqual([
      [`${sub.id}-c0-a1`, 'approved'],
    ]);
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'active', cycle: 1 });
  });

  it('NOT_SENT (the PG refused to process: 429) keeps the intent and re-sends the same merchant_uid later, without a look-up', async () => {
    const { api, m, sub, account } = await subscribe();
    await fault(sandbox, {
      operation: 'again',
      match: { account },
      fault: { type: 'http_error', status: 429, message: 'slow down' },
    });
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 0, failed: 0, unknown: 0 });
    expect((await charges(api, m, sub.id))[0]).toMatchObject({ status: 'sending', merchantUid: `${sub.id}-c0-a1` });
    const s = await subscription(api, m, sub.id);
    expect(Date.parse(s.nextChargeAt)).toBeGreaterThan(Date.parse(sub.nextChargeAt));
    await advanceClock(api, 61_000);
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
    expect((await charges(api, m, sub.id)).map((c) => [c.merchantUid, c.status])).toEqual([
      [`${sub.id}-c0-a1`, 'succeeded'],
    ]);
    expect((await ledger(sandbox, account)).map((e) => e.outcome)).toEqual(['approved']);
  });

  it('a crash after the intent was committed: the stale intent is looked up before anything is sent (paid: adopted; absent: sent once)', async () => {
    const ds = t.app.get(DataSource);
    // Two subscriptions whose previous run died holding the lease: one after the PG charged, one before sending.
    const paid = await subscribe();
    const unsent = await subscribe();
    for (const x of [paid, unsent]) {
      await ds.getRepository(Charge).insert(staleIntent(x.m.id, x.sub.id, x.c.id, x.key.id));
      await ds
        .getRepository(Subscription)
        .update(
          { id: x.sub.id },
          { leaseVersion: 5, leaseOwner: 'dead-instance', leaseExpiresAt: new Date(Date.now() - 1000) },
        );
    }
    // What the dead instance had sent for the first one.
    await sendAsDeadInstance(paid.account, paid.key.customerUid, `${paid.sub.id}-c0-a1`);

    expect(await run(paid.api, paid.m)).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(await run(unsent.api, unsent.m)).toMatchObject({ claimed: 1, succeeded: 1 });
    for (const x of [paid, unsent]) {
      expect((await charges(x.api, x.m, x.sub.id)).map((c) => c.status)).toEqual(['succeeded']);
      expect((await ledger(sandbox, x.account)).map((e) => [e.merchant_uid, e.outcome])).toEqual([
        [`${x.sub.id}-c0-a1`, 'approved'],
      ]);
      expect(await subscription(x.api, x.m, x.sub.id)).toMatchObject({ status: 'active', cycle: 1 });
    }
  });

  it('an orphaned intent of a subscription canceled meanwhile is still looked up by the reconciler: the money taken is recorded', async () => {
    const ds = t.app.get(DataSource);
    const x = await subscribe();
    await ds.getRepository(Charge).insert({
      ...staleIntent(x.m.id, x.sub.id, x.c.id, x.key.id),
      id: `chg_orphan_${x.sub.id.slice(-8)}`,
      nextLookupAt: new Date(Date.now() + 1000),
    });
    await ds
      .getRepository(Subscription)
      .update(
        { id: x.sub.id },
        { leaseVersion: 5, leaseOwner: 'dead-instance', leaseExpiresAt: new Date(Date.now() + 60_000) },
      );
    await sendAsDeadInstance(x.account, x.key.customerUid, `${x.sub.id}-c0-a1`);
    expect((await x.api.post(`/v1/subscriptions/${x.sub.id}/cancel`, {}, auth(x.m))).body).toMatchObject({
      status: 'canceled',
    });

    await advanceClock(x.api, 61_000);
    expect(await run(x.api, x.m)).toMatchObject({ claimed: 0, succeeded: 1 });
    expect((await charges(x.api, x.m, x.sub.id)).map((c) => [c.status, c.gatewayPaymentId !== undefined])).toEqual([
      ['succeeded', true],
    ]);
    expect(await subscription(x.api, x.m, x.sub.id)).toMatchObject({ status: 'canceled' });
    expect((await ledger(sandbox, x.account)).map((e) => e.outcome)).toEqual(['approved']);
  });

  it('only the calling merchant’s subscriptions are billed by POST /v1/billing/runs', async () => {
    const a = await subscribe();
    const b = await subscribe();
    expect(await run(a.api, a.m)).toMatchObject({ claimed: 1 });
    expect(await subscription(b.api, b.m, b.sub.id)).toMatchObject({ status: 'incomplete', cycle: 0 });
    expect(await ledger(sandbox, b.account)).toHaveLength(0);
    expect(await run(b.api, b.m)).toMatchObject({ claimed: 1 });
  });

  it('counts runs and results on /metrics', async () => {
    const res = await fetch(`${t.url}/metrics`).then((r) => r.text());
    expect(res).toMatch(/billing_runs_total\{trigger="api"\} [1-9]/);
    expect(res).toMatch(/billing_subscriptions_claimed_total [1-9]/);
    expect(res).toMatch(/billing_charge_results_total\{result="succeeded"\} [1-9]/);
    expect(res).toContain('charges_review_flagged');
  });

  it('describes every billing endpoint in the OpenAPI document', async () => {
    const doc = await fetch(`${t.url}/docs-json`).then(
      (r) => r.json() as Promise<{ paths: Record<string, Record<string, unknown>> }>,
    );
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        'POST /v1/subscriptions',
        'GET /v1/subscriptions/{id}',
        'POST /v1/subscriptions/{id}/cancel',
        'GET /v1/subscriptions/{id}/charges',
        'POST /v1/billing-keys/{id}/charges',
        'GET /v1/charges',
        'GET /v1/charges/{id}',
        'POST /v1/charges/{id}/cancel',
        'POST /v1/billing/runs',
        'GET /v1/billing/review',
      ]),
    );
  });

  /** An `again` straight to the sandbox, as an instance that then died would have sent it. */
  async function sendAsDeadInstance(account: string, customerUid: string, merchantUid: string) {
    const token = await fetch(`${sandbox}/portone/users/getToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imp_key: `sbx_key_${account}`, imp_secret: `sbx_secret_${account}` }),
    }).then((r) => r.json() as Promise<any>);
    const again = await fetch(`${sandbox}/portone/subscribe/payments/again`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token.response.access_token },
      body: JSON.stringify({
        customer_uid: customerUid,
        merchant_uid: merchantUid,
        currency: 'USD',
        amount: 19.99,
        name: 'Pro',
      }),
    }).then((r) => r.json() as Promise<any>);
    expect(again.response.status).toBe('paid');
    await t.sandbox?.idle();
  }

  async function advanceTo(api: Api, at: Date) {
    const now = await appNow(api);
    if (at.getTime() > now.getTime()) await advanceClock(api, at.getTime() - now.getTime());
  }
});

function staleIntent(merchantId: string, subscriptionId: string, customerId: string, billingKeyId: string): Charge {
  const now = new Date();
  return {
    id: `chg_stale_${subscriptionId.slice(-8)}`,
    merchantId,
    subscriptionId,
    customerId,
    billingKeyId,
    gateway: 'portone-paypal-rt',
    kind: 'recurring',
    cycle: 0,
    attempt: 1,
    merchantUid: `${subscriptionId}-c0-a1`,
    amount: 1999,
    currency: 'USD',
    orderName: 'Pro',
    status: 'sending',
    gatewayPaymentId: null,
    failureCode: null,
    failureMessage: null,
    declineKind: null,
    resendable: false,
    refundedAmount: 0,
    refundReserved: 0,
    leaseVersion: 5,
    lookupAttempts: 0,
    nextLookupAt: null,
    review: false,
    reviewReason: null,
    createdAt: now,
    updatedAt: now,
    settledAt: null,
  };
}
