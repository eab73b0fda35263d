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
import { createMerchant, sandboxAccountFor, startTestApp, type TestApp } from './helpers/test-app';

describe('subscriptions (e2e)', () => {
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
  const get = async (api: Api, m: Merchant, id: string) => (await api.get(`/v1/subscriptions/${id}`, auth(m))).body;

  describe('creation', () => {
    it('creates an incomplete subscription whose first charge is due at startAt, priced from the plan', async () => {
      const { api, m, c, plan, key } = await billingSetup(t, {
        plan: { amount: 4200, interval: 'week', intervalCount: 2 },
      });
      const startAt = new Date((await appNow(api)).getTime() + 3_600_000).toISOString();
      const res = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id, startAt },
        auth(m),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^sub_/),
        status: 'incomplete',
        amount: 4200,
        currency: 'USD',
        currentPeriodStart: startAt,
        currentPeriodEnd: new Date(Date.parse(startAt) + 14 * 86_400_000).toISOString(),
        nextChargeAt: startAt,
        cancelAtPeriodEnd: false,
      });
      expect(await get(api, m, res.body.id)).toEqual(res.body);
      // Not due yet: a run claims nothing.
      expect(await run(api, m)).toMatchObject({ claimed: 0 });
    });

    it('refuses a key of another customer, an inactive key, a KRW plan, another merchant’s plan, and unknown fields', async () => {
      const { api, m, c, plan, key } = await billingSetup(t);
      const other = await createCustomer(api, m, { email: 'other@example.com' });
      const body = { customerId: other.id, planId: plan.id, billingKeyId: key.id };
      let res = await api.post('/v1/subscriptions', body, auth(m));
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('BILLING_KEY_CUSTOMER_MISMATCH');

      await t.app.get(DataSource).query(`UPDATE billing_keys SET status = 'revoked' WHERE id = '${key.id}'`);
      res = await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('BILLING_KEY_NOT_ACTIVE');

      const key2 = await activeBillingKey(t.app.get(DataSource), sandbox, m, c.id);
      // No registered gateway takes KRW, so no KRW plan is made today; one stored before plans were checked is still
      // refused when a subscription names it.
      const krw = await createPlan(api, m);
      await t.app.get(DataSource).query(`UPDATE plans SET currency = 'KRW', amount = 10000 WHERE id = '${krw.id}'`);
      res = await api.post('/v1/subscriptions', { customerId: c.id, planId: krw.id, billingKeyId: key2.id }, auth(m));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('UNSUPPORTED_CURRENCY');

      const stranger = await createMerchant(t);
      const theirPlan = await createPlan(api, stranger);
      res = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: theirPlan.id, billingKeyId: key2.id },
        auth(m),
      );
      expect(res.status).toBe(404);

      res = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key2.id, amount: 1 },
        auth(m),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(await ledger(sandbox, sandboxAccountFor(m.id))).toHaveLength(0);
    });

    it('answers another merchant’s subscription (and its charges) with 404', async () => {
      const { api, m, c, plan, key } = await billingSetup(t);
      const sub = (
        await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m))
      ).body;
      const stranger = await createMerchant(t);
      expect((await api.get(`/v1/subscriptions/${sub.id}`, auth(stranger))).status).toBe(404);
      expect((await api.get(`/v1/subscriptions/${sub.id}/charges`, auth(stranger))).status).toBe(404);
      expect((await api.post(`/v1/subscriptions/${sub.id}/cancel`, {}, auth(stranger))).status).toBe(404);
    });
  });

  describe("riskContext: the STC keys every charge of the merchant's industry needs", () => {
    const subscriptionsOf = async (merchantId: string) =>
      Number(
        (
          await t.app
            .get(DataSource)
            .query(`SELECT COUNT(*) AS n FROM subscriptions WHERE merchant_id = '${merchantId}'`)
        )[0].n,
      );
    const stcOf = (entry: Record<string, any>) =>
      Object.fromEntries(
        (entry.bypass.paypal_v2.additional_data as Array<{ key: string; value: string }>).map((kv) => [
          kv.key,
          kv.value,
        ]),
      );

    it('marketplace: without receiver_account_id 422 naming it and nothing recorded; with it, every charge (first, renewal, retry) carries the keys', async () => {
      const { api, m, c, plan, key, account } = await billingSetup(t, { merchant: { industry: 'marketplace' } });
      const body = { customerId: c.id, planId: plan.id, billingKeyId: key.id };
      let res = await api.post('/v1/subscriptions', body, auth(m));
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('STC_DATA_REQUIRED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['receiver_account_id']);
      expect(await subscriptionsOf(m.id)).toBe(0);

      const riskContext = {
        receiver_account_id: 'SELLER-42',
        receiver_email: 'seller@example.com',
        receiver_address_country_code: 'kr',
        transaction_is_tangible: '0',
      };
      res = await api.post('/v1/subscriptions', { ...body, riskContext }, auth(m));
      expect(res.status).toBe(201);
      const normalised = { ...riskContext, receiver_address_country_code: 'KR' };
      expect(res.body.riskContext).toEqual(normalised);
      expect((await get(api, m, res.body.id)).riskContext).toEqual(normalised);
      const sub = res.body;

      expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
      // Renewal: the next cycle's charge; then a soft decline and its retry.
      await advanceClock(api, 32 * 86_400_000);
      expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
      await fault(sandbox, {
        operation: 'again',
        match: { account },
        fault: { type: 'decline', code: 'INSTRUMENT_DECLINED' },
        times: 1,
      });
      await advanceClock(api, 32 * 86_400_000);
      expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
      await advanceClock(api, 2 * 86_400_000);
      expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });

      const entries = await ledger(sandbox, account);
      expect(entries.map((e) => [e.merchant_uid, e.outcome])).toEqual([
        [`${sub.id}-c0-a1`, 'approved'],
        [`${sub.id}-c1-a1`, 'approved'],
        [`${sub.id}-c2-a1`, 'declined'],
        [`${sub.id}-c2-a2`, 'approved'],
      ]);
      for (const e of entries) {
        // The base keys as seed 004 sends them (sender_phone national), then the subscription's keys.
        expect(stcOf(e)).toEqual({
          sender_account_id: 'ACMEPAYPAL01',
          sender_first_name: 'Ada',
          sender_last_name: 'Lovelace',
          sender_email: 'ada.billing@example.com',
          sender_phone: '4155550100',
          sender_country_code: 'US',
          sender_create_date: '2024-01-15T10:00:00+00:00',
          ...normalised,
        });
      }
    });

    it.each<[string, string[], Record<string, string>]>([
      ['marketplace', ['receiver_account_id'], { receiver_account_id: 'SELLER-1' }],
      [
        'p2p',
        ['receiver_account_id', 'receiver_email'],
        { receiver_account_id: 'FRIEND-1', receiver_email: 'friend@example.com' },
      ],
      [
        'event_ticketing',
        ['dg_delivery_method', 'cd_string_one'],
        { dg_delivery_method: 'email', cd_string_one: '2027-06-01' },
      ],
      [
        'online_travel',
        ['ota_type', 'ota_service_start_date'],
        { ota_type: 'lodging', ota_service_start_date: '2027-06-01' },
      ],
    ])(
      '%s: 422 STC_DATA_REQUIRED naming %j at creation; created with them',
      async (industry, required, riskContext) => {
        const { api, m, c, plan, key } = await billingSetup(t, { merchant: { industry } });
        const body = { customerId: c.id, planId: plan.id, billingKeyId: key.id };
        const refused = await api.post('/v1/subscriptions', body, auth(m));
        expect(refused.status).toBe(422);
        expect(refused.body).toMatchObject({ code: 'STC_DATA_REQUIRED' });
        expect(refused.body.details.map((d: { field: string }) => d.field)).toEqual(required);
        const created = await api.post('/v1/subscriptions', { ...body, riskContext }, auth(m));
        expect(created.status).toBe(201);
        expect(created.body.riskContext).toEqual(riskContext);
      },
    );

    it.each([
      ['an unknown key', { receiver_account_id: 'S', hello: 'x' }, 'riskContext.hello'],
      ['a base key', { receiver_account_id: 'S', sender_email: 'x@example.com' }, 'riskContext.sender_email'],
      ['a non-string value', { receiver_account_id: 'S', txn_count_total: 3 }, 'riskContext.txn_count_total'],
      ['a value too long', { receiver_account_id: 'S'.repeat(256) }, 'riskContext.receiver_account_id'],
      ['not an object', 'receiver_account_id=S', 'riskContext'],
    ])('%s: 400 VALIDATION_FAILED naming it, nothing recorded', async (_case, riskContext, field) => {
      const { api, m, c, plan, key } = await billingSetup(t, { merchant: { industry: 'marketplace' } });
      const res = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id, riskContext },
        auth(m),
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await subscriptionsOf(m.id)).toBe(0);
    });

    it('the OpenAPI document describes riskContext on creation and in the view', async () => {
      const doc = (await fetch(`${t.url}/docs-json`).then((r) => r.json())) as {
        components: { schemas: Record<string, any> };
      };
      const schemas = doc.components.schemas;
      expect(schemas.CreateSubscriptionDto.properties.riskContext).toMatchObject({
        type: 'object',
        additionalProperties: { type: 'string' },
      });
      expect(schemas.CreateSubscriptionDto.required ?? []).not.toContain('riskContext');
      expect(schemas.SubscriptionView.properties.riskContext).toMatchObject({ type: 'object' });
    });

    it('a lower-risk merchant needs none: {} in the view; its generic keys are accepted', async () => {
      const { api, m, c, plan, key } = await billingSetup(t);
      const none = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id },
        auth(m),
      );
      expect(none.status).toBe(201);
      expect(none.body.riskContext).toEqual({});
      const some = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id, riskContext: { cd_string_one: 'gold tier' } },
        auth(m),
      );
      expect(some.body.riskContext).toEqual({ cd_string_one: 'gold tier' });
    });
  });

  describe('cancellation', () => {
    it('cancels now: nothing further is charged', async () => {
      const { api, m, c, plan, key, account } = await billingSetup(t);
      const sub = (
        await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m))
      ).body;
      await run(api, m);
      const res = await api.post(`/v1/subscriptions/${sub.id}/cancel`, {}, auth(m));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'canceled',
        cancelReason: 'requested',
        nextChargeAt: null,
        canceledAt: expect.any(String),
      });
      await advanceClock(api, 40 * 86_400_000);
      expect(await run(api, m)).toMatchObject({ claimed: 0 });
      expect(await ledger(sandbox, account)).toHaveLength(1);
      // Canceling again answers the same subscription.
      expect((await api.post(`/v1/subscriptions/${sub.id}/cancel`, { atPeriodEnd: true }, auth(m))).body).toMatchObject(
        { status: 'canceled', cancelAtPeriodEnd: false },
      );
    });

    it('cancels at period end: active until then, canceled instead of charging the next cycle', async () => {
      const { api, m, c, plan, key, account } = await billingSetup(t);
      const sub = (
        await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id }, auth(m))
      ).body;
      await run(api, m);
      const res = await api.post(`/v1/subscriptions/${sub.id}/cancel`, { atPeriodEnd: true }, auth(m));
      expect(res.body).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, nextChargeAt: sub.currentPeriodEnd });
      await advanceClock(api, 40 * 86_400_000);
      expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 0 });
      expect(await get(api, m, sub.id)).toMatchObject({
        status: 'canceled',
        cancelReason: 'requested_at_period_end',
        canceledAt: sub.currentPeriodEnd,
        nextChargeAt: null,
      });
      expect(await ledger(sandbox, account)).toHaveLength(1);
    });
  });
});

/** Month-end arithmetic over real billing runs: its own app, because it moves the clock to fixed dates. */
describe('subscriptions: month-end periods keep the anchor (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it('anchored on Jan 31: charged Jan 31, Feb 29 (leap year), Mar 31, Apr 30; one charge per cycle', async () => {
    const { api, m, c, plan, key, account } = await billingSetup(t);
    const startAt = '2028-01-31T09:30:00.000Z';
    const sub = (
      await api.post('/v1/subscriptions', { customerId: c.id, planId: plan.id, billingKeyId: key.id, startAt }, auth(m))
    ).body;
    const dues = [
      '2028-01-31T09:30:00.000Z',
      '2028-02-29T09:30:00.000Z',
      '2028-03-31T09:30:00.000Z',
      '2028-04-30T09:30:00.000Z',
    ];
    for (let i = 0; i < dues.length; i++) {
      // One minute early: not due yet.
      await setClock(api, new Date(Date.parse(dues[i]) - 60_000));
      expect((await apiRun(api, m)).claimed).toBe(0);
      await setClock(api, new Date(dues[i]));
      expect(await apiRun(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
      const s = (await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body;
      expect(s).toMatchObject({
        status: 'active',
        cycle: i + 1,
        currentPeriodStart: dues[i],
        nextChargeAt: nextDue(i),
      });
      expect(s.currentPeriodEnd).toBe(nextDue(i));
    }
    const charges = (await api.get(`/v1/subscriptions/${sub.id}/charges`, auth(m))).body.data;
    expect(charges.map((x: { cycle: number; status: string }) => [x.cycle, x.status])).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
      [2, 'succeeded'],
      [3, 'succeeded'],
    ]);
    expect((await ledger(`${t.url}/sandbox`, account)).map((e) => e.merchant_uid)).toEqual(
      [0, 1, 2, 3].map((k) => `${sub.id}-c${k}-a1`),
    );

    function nextDue(i: number) {
      return [
        '2028-02-29T09:30:00.000Z',
        '2028-03-31T09:30:00.000Z',
        '2028-04-30T09:30:00.000Z',
        '2028-05-31T09:30:00.000Z',
      ][i];
    }
  });

  const apiRun = async (api: Api, m: Merchant) => (await api.post('/v1/billing/runs', {}, auth(m))).body;
});
