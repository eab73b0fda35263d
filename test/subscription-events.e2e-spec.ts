import { DataSource } from 'typeorm';
import {
  activeBillingKey,
  advanceClock,
  appNow,
  auth,
  billingSetup,
  createCustomer,
  createPlan,
  fault,
  ledger,
  setClock,
  type Api,
  type Merchant,
} from './helpers/multi-fixtures';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

/** Events of subscriptions and their charges, PATCH and resume (issue 26), on whichever engine the run uses. */
describe('subscription events, PATCH and resume (e2e)', () => {
  let t: TestApp;
  let sandbox: string;
  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
    sandbox = `${t.url}/sandbox`;
  });
  afterAll(() => t.close());

  const run = async (api: Api, m: Merchant) => {
    const res = await api.post('/v1/billing/runs', {}, auth(m));
    expect(res.status).toBe(200);
    return res.body;
  };
  const patch = (m: Merchant, id: string, body: unknown, key = `k_${Math.random()}`) =>
    t
      .http()
      .patch(`/v1/subscriptions/${id}`)
      .set(auth(m))
      .set('idempotency-key', key)
      .send(body as object);
  const resume = (m: Merchant, id: string) =>
    t.http().post(`/v1/subscriptions/${id}/resume`).set(auth(m)).set('idempotency-key', `k_${Math.random()}`).send({});
  /** Every event of one object, oldest first (the list is newest first). */
  const eventsOf = async (api: Api, m: Merchant, objectId: string) => {
    const res = await api.get(`/v1/events?objectId=${objectId}&limit=100`, auth(m));
    expect(res.status).toBe(200);
    return (res.body.data as Array<Record<string, any>>).reverse();
  };
  const expectStrictlyPlusOne = (events: Array<Record<string, any>>) =>
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));

  it('recovery: a renewal is declined (charge.failed, subscription.past_due), a new key by PATCH, the next run renews', async () => {
    const { api, m, c, plan, key, account } = await billingSetup(t);
    const created = await api.post(
      '/v1/subscriptions',
      { customerId: c.id, planId: plan.id, billingKeyId: key.id },
      auth(m),
    );
    expect(created.status).toBe(201);
    const sub = created.body;
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });

    // The old key is declined from now on; the renewal fails and waits for its retry.
    await fault(sandbox, {
      operation: 'again',
      match: { customer_uid: key.customerUid },
      fault: { type: 'decline', code: 'INSTRUMENT_DECLINED' },
      times: 10,
    });
    // Exactly at the renewal: the retry is a day later, so only the new key makes it due now.
    await setClock(api, new Date((await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body.nextChargeAt));
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    const pastDue = (await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body;
    expect(pastDue).toMatchObject({ status: 'past_due', cycle: 1, attempt: 2 });
    expect(Date.parse(pastDue.nextChargeAt)).toBeGreaterThan((await appNow(api)).getTime());

    const charges = (await api.get(`/v1/subscriptions/${sub.id}/charges`, auth(m))).body.data;
    const failed = charges.find((ch: any) => ch.status === 'failed');
    const failedEvents = await eventsOf(api, m, failed.id);
    expect(failedEvents.map((e) => [e.type, e.sequence])).toEqual([['charge.failed', 1]]);
    expect(failedEvents[0].data.object).toMatchObject({ id: failed.id, status: 'failed', subscriptionId: sub.id });

    // A new key of the same customer: used at once, and the retry is due now.
    const key2 = await activeBillingKey(t.app.get(DataSource), sandbox, m, c.id);
    const res = await patch(m, sub.id, { billingKeyId: key2.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ billingKeyId: key2.id, status: 'past_due' });
    expect(Date.parse(res.body.nextChargeAt)).toBeLessThanOrEqual((await appNow(api)).getTime());
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });

    const entries = await ledger(sandbox, account);
    expect(entries.map((e) => [e.merchant_uid, e.customer_uid, e.outcome])).toEqual([
      [`${sub.id}-c0-a1`, key.customerUid, 'approved'],
      [`${sub.id}-c1-a1`, key.customerUid, 'declined'],
      [`${sub.id}-c1-a2`, key2.customerUid, 'approved'],
    ]);
    const subEvents = await eventsOf(api, m, sub.id);
    expect(subEvents.map((e) => e.type)).toEqual([
      'subscription.created',
      'subscription.activated',
      'subscription.past_due',
      'subscription.updated',
      'subscription.renewed',
    ]);
    expectStrictlyPlusOne(subEvents);
    expect(subEvents[3].data.object).toMatchObject({ billingKeyId: key2.id, status: 'past_due' });
    expect(subEvents[4].data.object).toMatchObject({ status: 'active', cycle: 2, attempt: 1, billingKeyId: key2.id });
    expect(subEvents[4].data.object).toEqual((await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body);
    const succeeded = (await api.get(`/v1/subscriptions/${sub.id}/charges`, auth(m))).body.data.filter(
      (ch: any) => ch.status === 'succeeded',
    );
    for (const ch of succeeded)
      expect((await eventsOf(api, m, ch.id)).map((e) => [e.type, e.sequence])).toEqual([['charge.succeeded', 1]]);
    // The type filter over the same story.
    const renewed = await api.get('/v1/events?type=subscription.renewed', auth(m));
    expect(renewed.body.data.map((e: any) => e.objectId)).toEqual([sub.id]);
  });

  it('a new plan takes over at the next period, without proration, with subscription.updated when it does', async () => {
    const { api, m, c, plan, key, account } = await billingSetup(t);
    const sub = (
      await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m))
    ).body;
    expect(await run(api, m)).toMatchObject({ succeeded: 1 });
    const bigger = await createPlan(api, m, { name: 'Max', amount: 4999 });
    const res = await patch(m, sub.id, { planId: bigger.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ planId: plan.id, pendingPlanId: bigger.id, amount: 1999 });

    // Weekly plans keep another interval: refused; so is a plan of another merchant (as missing).
    const weekly = await createPlan(api, m, { interval: 'week' });
    let bad = await patch(m, sub.id, { planId: weekly.id });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('PLAN_INTERVAL_MISMATCH');
    const other = await createMerchant(t);
    const foreignPlan = await createPlan(api, other);
    bad = await patch(m, sub.id, { planId: foreignPlan.id });
    expect(bad.status).toBe(404);

    await advanceClock(api, 32 * 86_400_000);
    expect(await run(api, m)).toMatchObject({ succeeded: 1 });
    const entries = await ledger(sandbox, account);
    expect(entries.map((e) => Number(e.amount))).toEqual([19.99, 49.99]);
    const now = (await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body;
    expect(now).toMatchObject({ planId: bigger.id, amount: 4999, cycle: 2 });
    expect(now.pendingPlanId).toBeUndefined();
    const types = (await eventsOf(api, m, sub.id)).map((e) => [e.type, e.data.object.planId, e.data.object.amount]);
    expect(types).toEqual([
      ['subscription.created', plan.id, 1999],
      ['subscription.activated', plan.id, 1999],
      ['subscription.updated', plan.id, 1999],
      ['subscription.updated', bigger.id, 4999],
      ['subscription.renewed', bigger.id, 4999],
    ]);
  });

  it('cancel at period end and resume emit subscription.updated; invalid transitions are clear 409s', async () => {
    const { api, m, c, plan, key } = await billingSetup(t);
    const sub = (
      await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m))
    ).body;
    let res = await resume(m, sub.id);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SUBSCRIPTION_NOT_CANCELING');
    res = await t
      .http()
      .post(`/v1/subscriptions/${sub.id}/cancel`)
      .set(auth(m))
      .set('idempotency-key', `k_${Math.random()}`)
      .send({ atPeriodEnd: true });
    expect(res.body.cancelAtPeriodEnd).toBe(true);
    res = await resume(m, sub.id);
    expect(res.status).toBe(200);
    expect(res.body.cancelAtPeriodEnd).toBe(false);
    res = await t
      .http()
      .post(`/v1/subscriptions/${sub.id}/cancel`)
      .set(auth(m))
      .set('idempotency-key', `k_${Math.random()}`)
      .send({});
    expect(res.body.status).toBe('canceled');
    for (const r of [await resume(m, sub.id), await patch(m, sub.id, { riskContext: {} })]) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('SUBSCRIPTION_CANCELED');
    }
    const events = await eventsOf(api, m, sub.id);
    expect(events.map((e) => [e.type, e.data.object.cancelAtPeriodEnd, e.data.object.status])).toEqual([
      ['subscription.created', false, 'incomplete'],
      ['subscription.updated', true, 'incomplete'],
      ['subscription.updated', false, 'incomplete'],
      ['subscription.canceled', false, 'canceled'],
    ]);
    expectStrictlyPlusOne(events);
  });

  it('refuses a key of another customer, an inactive key and unknown fields; another merchant’s subscription is 404', async () => {
    const { api, m, c, plan, key } = await billingSetup(t);
    const sub = (
      await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m))
    ).body;
    const otherCustomer = await createCustomer(api, m, { email: 'other@example.com' });
    const otherKey = await activeBillingKey(t.app.get(DataSource), sandbox, m, otherCustomer.id);
    let res = await patch(m, sub.id, { billingKeyId: otherKey.id });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('BILLING_KEY_CUSTOMER_MISMATCH');
    const revoked = await activeBillingKey(t.app.get(DataSource), sandbox, m, c.id);
    await t.app.get(DataSource).query(`UPDATE billing_keys SET status = 'revoked' WHERE id = '${revoked.id}'`);
    res = await patch(m, sub.id, { billingKeyId: revoked.id });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('BILLING_KEY_NOT_ACTIVE');
    res = await patch(m, sub.id, { status: 'active' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    res = await patch(m, sub.id, { billingKeyId: null });
    expect(res.status).toBe(400);

    const intruder = await createMerchant(t);
    for (const r of [
      await patch(intruder, sub.id, { riskContext: {} }),
      await resume(intruder, sub.id),
      await patch(intruder, 'sub_missing', { riskContext: {} }),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: 'NOT_FOUND', message: 'Subscription not found' });
    }
    // Nothing changed, nothing emitted beyond the creation.
    expect((await eventsOf(api, m, sub.id)).map((e) => e.type)).toEqual(['subscription.created']);
    expect((await api.get('/v1/events', auth(intruder))).body).toEqual({ data: [], hasMore: false, nextCursor: null });
  });
});
