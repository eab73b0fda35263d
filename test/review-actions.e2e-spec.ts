import { DataSource } from 'typeorm';
import { ChargeReviewAction } from '../src/charges/charge-review-action.entity';
import { advanceClock, auth, billingSetup, fault, ledger, type Api, type Merchant } from './helpers/multi-fixtures';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

type Obj = Record<string, any>;

/**
 * The review queue's actions: look a charge up now, or resolve it by hand; either way the charge and its subscription
 * move through the one result path, and the action is recorded with the API key's id and the time.
 */
describe('review-queue actions (e2e)', () => {
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
  const subscription = async (api: Api, m: Merchant, id: string) =>
    (await api.get(`/v1/subscriptions/${id}`, auth(m))).body as Obj;
  const actions = (chargeId: string) =>
    t.app
      .get(DataSource)
      .getRepository(ChargeReviewAction)
      .find({ where: { chargeId }, order: { createdAt: 'ASC' } });
  const charges = async (api: Api, m: Merchant, subId: string) =>
    (await api.get(`/v1/subscriptions/${subId}/charges`, auth(m))).body.data as Obj[];

  /** A subscription whose charge for the current cycle is left pending at the PG until it lands in review. */
  async function chargeInReview(opts: { renewal?: boolean } = {}) {
    const s = await billingSetup(t, { plan: { interval: 'day' } });
    const sub = (
      await s.api.post(
        '/v1/subscriptions',
        { customerId: s.c.id, planId: s.plan.id, billingKeyId: s.key.id },
        auth(s.m),
      )
    ).body as Obj;
    if (opts.renewal) {
      expect(await run(s.api, s.m)).toMatchObject({ succeeded: 1 });
      await advanceClock(s.api, 86_400_000 + 1_000);
    }
    await fault(sandbox, { operation: 'again', match: { account: s.account }, fault: { type: 'pending' } });
    expect(await run(s.api, s.m)).toMatchObject({ pending: 1 });
    for (let i = 0; i < 2; i++) {
      await advanceClock(s.api, 61_000);
      await run(s.api, s.m);
    }
    const [charge] = (await s.api.get('/v1/billing/review', auth(s.m))).body.data as Obj[];
    expect(charge).toMatchObject({ subscriptionId: sub.id, status: 'pending', review: true });
    return { ...s, sub, charge };
  }

  it('resolve succeeded: the charge is paid, leaves the queue, and the subscription becomes active', async () => {
    const { api, m, sub, charge, account } = await chargeInReview();
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'incomplete' });
    const res = await api.post(
      `/v1/charges/${charge.id}/resolve`,
      { resolution: 'succeeded', note: 'Paid in the PayPal console' },
      auth(m),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: charge.id,
      status: 'succeeded',
      review: false,
      reviewAction: {
        action: 'resolve',
        resolution: 'succeeded',
        note: 'Paid in the PayPal console',
        chargeStatus: 'succeeded',
        apiKeyId: expect.stringMatching(/^key_[A-Za-z0-9_-]{16}$/),
        createdAt: expect.any(String),
      },
    });
    expect(res.body.reviewAction.apiKeyId).not.toContain(m.apiKey);
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'active', cycle: 1 });
    expect((await api.get('/v1/billing/review', auth(m))).body.data).toEqual([]);
    // Recorded in the database, the key by id only.
    const rows = await actions(charge.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'resolve',
      resolution: 'succeeded',
      apiKeyId: res.body.reviewAction.apiKeyId,
    });
    expect(JSON.stringify(rows)).not.toContain(m.apiKey);

    // Once resolved it is not in review any more; nothing was sent to the PG again.
    const again = await api.post(`/v1/charges/${charge.id}/resolve`, { resolution: 'failed', note: 'x' }, auth(m));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CHARGE_NOT_IN_REVIEW');
    expect(await ledger(sandbox, account)).toHaveLength(1);
  });

  it('resolve failed on a renewal: the charge fails and the subscription goes past_due, as after a soft decline', async () => {
    const { api, m, sub, charge } = await chargeInReview({ renewal: true });
    const res = await api.post(
      `/v1/charges/${charge.id}/resolve`,
      { resolution: 'failed', note: 'Buyer disputed' },
      auth(m),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'failed', review: false, failureCode: 'RESOLVED_FAILED' });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'past_due', cycle: 1, attempt: 2 });
    // Dunning retries it like any soft decline: the next run charges attempt 2.
    await advanceClock(api, 2 * 86_400_000);
    expect(await run(api, m)).toMatchObject({ succeeded: 1 });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'active', cycle: 2 });
    expect((await charges(api, m, sub.id)).map((c) => [c.cycle, c.attempt, c.status])).toEqual([
      [0, 1, 'succeeded'],
      [1, 1, 'failed'],
      [1, 2, 'succeeded'],
    ]);
  });

  it('lookup asks the PG now and applies its answer; a settled charge is 409', async () => {
    const { api, m, sub, charge } = await chargeInReview();
    const still = await api.post(`/v1/charges/${charge.id}/lookup`, {}, auth(m));
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({
      status: 'pending',
      review: true,
      reviewAction: { action: 'lookup', resolution: null, chargeStatus: 'pending' },
    });
    const settle = await fetch(`${sandbox}/portone/payments/${charge.gatewayPaymentId}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'paid', webhook: { mode: 'drop' } }),
    });
    expect(settle.status).toBe(200);
    const found = await api.post(`/v1/charges/${charge.id}/lookup`, {}, auth(m));
    expect(found.body).toMatchObject({
      status: 'succeeded',
      review: false,
      reviewAction: { action: 'lookup', chargeStatus: 'succeeded' },
    });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'active', cycle: 1 });
    const settled = await api.post(`/v1/charges/${charge.id}/lookup`, {}, auth(m));
    expect(settled.status).toBe(409);
    expect(settled.body.code).toBe('CHARGE_NOT_OPEN');
    const rows = await actions(charge.id);
    expect(rows.map((r) => [r.action, r.chargeStatus])).toEqual([
      ['lookup', 'pending'],
      ['lookup', 'succeeded'],
    ]);
  });

  it("BOLA: another merchant's charge is 404; bad input is 400; a client secret is 401", async () => {
    const { api, m, c, charge } = await chargeInReview();
    const other = await createMerchant(t);
    for (const path of ['lookup', 'resolve']) {
      const res = await api.post(
        `/v1/charges/${charge.id}/${path}`,
        { resolution: 'succeeded', note: 'not mine' },
        auth(other),
      );
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
    for (const body of [
      { resolution: 'paid', note: 'x' },
      { resolution: 'succeeded' },
      { resolution: 'failed', note: '' },
    ]) {
      const res = await api.post(`/v1/charges/${charge.id}/resolve`, body, auth(m));
      expect(res.status).toBe(400);
    }
    const key = await api.post('/v1/billing-keys', { customerId: c.id, gateway: 'portone-paypal-rt' }, auth(m));
    expect(key.status).toBe(201);
    const secret = { authorization: `Bearer ${key.body.clientSecret}` };
    expect(
      (await api.post(`/v1/charges/${charge.id}/resolve`, { resolution: 'succeeded', note: 'x' }, secret)).status,
    ).toBe(401);
    expect((await api.post(`/v1/charges/${charge.id}/lookup`, {}, secret)).status).toBe(401);
    // Still in review: none of that changed it.
    expect((await api.get(`/v1/charges/${charge.id}`, auth(m))).body).toMatchObject({
      status: 'pending',
      review: true,
    });
  });
});
