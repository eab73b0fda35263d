import { sandboxPortoneKeys } from '@app/pg-sandbox';
import { DataSource } from 'typeorm';
import { Charge } from '../src/charges/charge.entity';
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

/**
 * PortOne refusals over real HTTP: PortOne answers business failures with HTTP 200, code ≠ 0, response null (official
 * OpenAPI: only 200/401 for again; official clients raise their code error only on HTTP 200). Only a Korean buyer
 * account, a refused currency or a billing key PortOne confirms gone may cancel a subscription.
 */
describe('PortOne refusals: renewals (e2e)', () => {
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
    expect(res.status).toBe(200);
    await t.sandbox?.idle();
    return res.body as { claimed: number; succeeded: number; failed: number; pending: number; unknown: number };
  };
  const charges = async (api: Api, m: Merchant, subId: string) =>
    (await api.get(`/v1/subscriptions/${subId}/charges`, auth(m))).body.data as Array<Record<string, any>>;
  const subscription = async (api: Api, m: Merchant, id: string) =>
    (await api.get(`/v1/subscriptions/${id}`, auth(m))).body;
  /** declineKind is not in the API's charge body: read from the table. */
  const declineKind = async (merchantUid: string) =>
    (await t.app.get(DataSource).getRepository(Charge).findOneByOrFail({ merchantUid })).declineKind;
  const faultsLeft = async () =>
    JSON.stringify((await fetch(`${sandbox}/control/faults`).then((r) => r.json())) as unknown);
  async function subscribe(plan?: Record<string, unknown>) {
    const s = await billingSetup(t, plan ? { plan } : {});
    const res = await s.api.post(
      '/v1/subscriptions',
      { customerId: s.c.id, planId: s.plan.id, billingKeyId: s.key.id },
      auth(s.m),
    );
    expect(res.status).toBe(201);
    return { ...s, sub: res.body };
  }
  async function advanceTo(api: Api, at: Date) {
    const now = await appNow(api);
    if (at.getTime() > now.getTime()) await advanceClock(api, at.getTime() - now.getTime());
  }

  it('HTTP 200 code -1 ("카드사 요청에 실패") on a renewal: past_due with the retry scheduled, not canceled; the retry succeeds', async () => {
    // A plan name of more than 40 code points (Korean and emoji): `again` carries its first 40 (OpenAPI maxLength 40).
    const planName = `프리미엄 구독 🎉 ${'월간플랜'.repeat(10)} 😀`;
    const { api, m, sub, account } = await subscribe({ name: planName });
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
    const a1 = `${sub.id}-c1-a1`;
    await fault(sandbox, {
      operation: 'again',
      match: { merchant_uid: a1 },
      fault: { type: 'http_error', status: 200, code: -1, message: '카드사 요청에 실패하였습니다.' },
    });
    // A marker on the look-up by merchant_uid: consumed only if the refused charge is looked up before it is settled.
    await fault(sandbox, {
      operation: 'findAllPayments',
      match: { merchant_uid: a1 },
      fault: { type: 'latency', ms: 0 },
    });

    const cycle1 = new Date(sub.currentPeriodEnd);
    await advanceTo(api, cycle1);
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    let s = await subscription(api, m, sub.id);
    expect(s).toMatchObject({
      status: 'past_due',
      cycle: 1,
      attempt: 2,
      nextChargeAt: new Date(cycle1.getTime() + DAY).toISOString(),
    });
    expect(s.cancelReason ?? null).toBeNull();
    expect((await charges(api, m, sub.id)).at(-1)).toMatchObject({
      cycle: 1,
      attempt: 1,
      status: 'failed',
      failureCode: 'CARD_COMPANY_REQUEST_FAILED',
    });
    expect(await declineKind(a1)).toBe('soft');
    expect(await faultsLeft()).not.toContain(a1);

    await advanceTo(api, new Date(cycle1.getTime() + DAY));
    expect(await run(api, m)).toMatchObject({ claimed: 1, succeeded: 1 });
    s = await subscription(api, m, sub.id);
    expect(s).toMatchObject({ status: 'active', cycle: 2, attempt: 1 });
    const entries = await ledger(sandbox, account);
    // The refused call did nothing at PortOne (no ledger entry): the paid cycle 0 and the paid retry only.
    expect(entries.map((e) => [e.merchant_uid, e.outcome])).toEqual([
      [`${sub.id}-c0-a1`, 'approved'],
      [`${sub.id}-c1-a2`, 'approved'],
    ]);
    for (const e of entries) {
      expect(e.name).toBe(Array.from(planName).slice(0, 40).join(''));
      expect(Array.from(e.name as string)).toHaveLength(40);
    }
  });

  it('a PayPal agreement-ended decline is soft while PortOne still has the billing key', async () => {
    const { api, m, sub, account } = await subscribe();
    await fault(sandbox, {
      operation: 'again',
      match: { account },
      fault: { type: 'decline', code: 'AGREEMENT_ALREADY_CANCELLED' },
    });
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    expect(await subscription(api, m, sub.id)).toMatchObject({ status: 'incomplete', attempt: 2 });
    expect((await charges(api, m, sub.id))[0]).toMatchObject({
      status: 'failed',
      failureCode: 'AGREEMENT_ALREADY_CANCELLED',
    });
    expect(await declineKind(`${sub.id}-c0-a1`)).toBe('soft');
  });

  it('a renewal on a billing key PortOne confirms deleted is hard: canceled, nothing more sent', async () => {
    const { api, m, sub, account, key } = await subscribe();
    expect(await run(api, m)).toMatchObject({ succeeded: 1 });
    // The buyer's key is deleted at PortOne behind our back (another system, the PortOne console).
    const k = sandboxPortoneKeys(account);
    const token = (await fetch(`${sandbox}/portone/users/getToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imp_key: k.impKey, imp_secret: k.impSecret }),
    }).then((r) => r.json())) as { response: { access_token: string } };
    const del = await fetch(`${sandbox}/portone/subscribe/customers/${key.customerUid}`, {
      method: 'DELETE',
      headers: { authorization: token.response.access_token },
    });
    expect(del.status).toBe(200);

    await advanceTo(api, new Date(sub.currentPeriodEnd));
    expect(await run(api, m)).toMatchObject({ claimed: 1, failed: 1 });
    expect(await subscription(api, m, sub.id)).toMatchObject({
      status: 'canceled',
      cancelReason: 'payment_declined',
      nextChargeAt: null,
    });
    expect((await charges(api, m, sub.id)).at(-1)).toMatchObject({
      status: 'failed',
      failureCode: 'BILLING_KEY_DELETED',
    });
    expect(await declineKind(`${sub.id}-c1-a1`)).toBe('hard');
    expect((await ledger(sandbox, account)).map((e) => [e.outcome, e.code])).toEqual([
      ['approved', 0],
      ['refused', -1],
    ]);
    await advanceClock(api, 10 * DAY);
    expect(await run(api, m)).toMatchObject({ claimed: 0 });
  });
});
