import { GatewayRegistry } from '@app/pg-contract';
import { DataSource } from 'typeorm';
import { TossWebhookEvent } from '../src/toss-foreign-pay/toss-webhook-event.entity';
import { WebhookInboxRepository } from '../src/webhook-inbox/webhook-inbox.repository';
import { createMerchant, sandboxAccountFor, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';

type Obj = Record<string, any>;
type Merchant = { id: string; apiKey: string };

const LIMIT = 5;

/**
 * Toss webhooks attacked as a hostile client would (issue 23 items 2 and 7): unsigned deliveries with fresh
 * transmission ids, for existing and made-up orders, and refunds made at Toss outside our API. The re-fetches are
 * counted on the registered adapter (the sandbox ledger records no reads).
 */
describe('Toss webhooks: bounded work, genuine deliveries kept (e2e)', () => {
  let t: TestApp;
  let inspect: jest.SpyInstance;
  let inFlight = 0;
  let peak = 0;

  beforeAll(async () => {
    t = await startTestApp({
      TOSS_WEBHOOK_REFETCH_LIMIT: String(LIMIT),
      TOSS_WEBHOOK_WINDOW_MS: '60000',
      TOSS_WEBHOOK_EVENT_RETENTION_MS: '600000',
    });
    const adapter = t.app.get(GatewayRegistry).require('toss-foreign-pay', 'oneTimePayments') as unknown as {
      inspect: (...a: unknown[]) => Promise<unknown>;
    };
    const original = adapter.inspect.bind(adapter);
    inspect = jest.spyOn(adapter, 'inspect').mockImplementation(async (...args: unknown[]) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await original(...args);
      } finally {
        inFlight--;
      }
    });
  });
  afterAll(async () => {
    await t.close();
    for (const k of ['TOSS_WEBHOOK_REFETCH_LIMIT', 'TOSS_WEBHOOK_WINDOW_MS', 'TOSS_WEBHOOK_EVENT_RETENTION_MS'])
      delete process.env[k];
  });
  afterEach(async () => {
    await t.http().delete('/sandbox/control/faults');
    await t.sandbox!.idle();
    // Each test starts in a fresh budget window.
    await advance(61_000);
  });

  const advance = (ms: number) =>
    t
      .http()
      .post('/v1/admin/clock')
      .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
      .send({ advanceMs: ms })
      .expect((r) => expect(r.status).toBeLessThan(300));
  const auth = (m: Merchant) => ({ authorization: `Bearer ${m.apiKey}` });
  const run = (m: Merchant) =>
    t.http().post('/v1/billing/runs').set(auth(m)).set('idempotency-key', `run-${Math.random()}`).expect(200);
  const getOrder = async (m: Merchant, orderId: string) =>
    (await t.http().get(`/v1/toss/orders/${orderId}`).set(auth(m))).body as Obj;
  let seq = 0;
  const post = (m: Merchant, data: Obj, eventType = 'PAYMENT_STATUS_CHANGED') =>
    t
      .http()
      .post(`/v1/webhooks/toss/${m.id}`)
      .set('tosspayments-webhook-transmission-id', `wh-forged-${++seq}-${Math.random().toString(36).slice(2)}`)
      .send({ eventType, createdAt: '2026-12-01T00:00:00.000000', data });
  const fault = async (body: Obj) => {
    const res = await t
      .http()
      .post('/sandbox/control/faults')
      .send({ gateway: 'toss', ...body });
    expect(res.status).toBe(201);
  };
  /** An order the buyer paid and we confirmed. */
  async function paidOrder(m: Merchant, amount = 1000): Promise<Obj> {
    const created = await t
      .http()
      .post('/v1/toss/orders')
      .set(auth(m))
      .send({ orderName: 'Pro plan', amount, currency: 'USD', country: 'US' });
    expect(created.status).toBe(201);
    const pay = await t
      .http()
      .post('/sandbox/toss/buyer/payments')
      .send({
        clientKey: created.body.clientKey,
        paymentRequest: created.body.paymentRequest,
        buyer: { outcome: 'approve' },
      });
    const url = new URL(pay.body.redirectUrl as string);
    const res = await t.http().get(`${url.pathname}${url.search}`);
    expect(res.body).toMatchObject({ status: 'paid' });
    await t.sandbox!.idle();
    return getOrder(m, created.body.orderId);
  }
  /** A refund made directly at Toss's API with the merchant's secret key (as Toss's console would), not through ours. */
  async function refundAtToss(m: Merchant, paymentKey: string, cancelAmount?: number) {
    const basic = Buffer.from(`test_sk_sbx_${sandboxAccountFor(m.id)}:`).toString('base64');
    const res = await t
      .http()
      .post(`/sandbox/toss/v1/payments/${paymentKey}/cancel`)
      .set('authorization', `Basic ${basic}`)
      .send({
        cancelReason: 'refunded in the console',
        ...(cancelAmount !== undefined ? { cancelAmount, currency: 'USD' } : {}),
      });
    expect([res.status, res.status === 200 ? null : res.body]).toEqual([200, null]);
    await t.sandbox!.idle();
  }

  it('N forged deliveries with fresh transmission ids for one payment: one re-fetch in flight at most, the budget at most in total', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m);
    inspect.mockClear();
    peak = 0;
    // 200 at once, all claiming a status Toss does not have.
    const burst = await Promise.all(
      Array.from({ length: 200 }, () =>
        post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'CANCELED' }),
      ),
    );
    expect(peak).toBe(1);
    // This payment's re-fetches only: an earlier test's background re-fetch of its own order may land after mockClear.
    const refetchesOfThisOrder = () => inspect.mock.calls.filter((args: unknown[]) => args[3] === paid.orderId).length;
    // Deliveries arriving during a re-fetch cause one more after it, each paid from the budget.
    expect(refetchesOfThisOrder()).toBeGreaterThan(0);
    expect(refetchesOfThisOrder()).toBeLessThanOrEqual(LIMIT);
    // Past the budget: 503 (nothing else), the order kept for the reconciler.
    expect([...new Set(burst.map((r) => r.status))].filter((x) => x !== 200 && x !== 503)).toEqual([]);
    // Then 300 one after another, each with another forged claim: the budget bounds them.
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++)
      statuses.push(
        (await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: `FORGED_${i}` })).status,
      );
    expect(refetchesOfThisOrder()).toBeLessThanOrEqual(LIMIT);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(290);
    expect(await getOrder(m, paid.orderId)).toMatchObject({ status: 'paid', refundedAmount: 0 });
  });

  it('answers the same for an existing and a non-existing order, within the budget and past it', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m);
    const real = await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'DONE' });
    const none = await post(m, { paymentKey: 'tpk_made_up_000000000000', orderId: 'tfo_made_up', status: 'DONE' });
    expect([real.status, real.body]).toEqual([none.status, none.body]);
    expect(real.body).toEqual({ received: true });
    for (let i = 0; i < LIMIT; i++)
      await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: `FORGED_${i}` });
    const realSpent = await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'DONE_AGAIN' });
    const noneSpent = await post(m, {
      paymentKey: 'tpk_made_up_000000000000',
      orderId: 'tfo_made_up',
      status: 'DONE_AGAIN',
    });
    expect(realSpent.status).toBe(503);
    expect([realSpent.status, realSpent.body.code]).toEqual([noneSpent.status, noneSpent.body.code]);
  });

  it('a refund made at Toss outside our API is applied from the delivery that points at it, marked external', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m, 1000);
    await fault({
      operation: 'cancel',
      match: { paymentKey: paid.paymentKey },
      fault: { type: 'webhook', mode: 'drop' },
    });
    await refundAtToss(m, paid.paymentKey, 3.0);
    expect(await getOrder(m, paid.orderId)).toMatchObject({ status: 'paid', refundedAmount: 0 }); // nothing told us yet
    await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'PARTIAL_CANCELED' }).expect(200);
    const order = await getOrder(m, paid.orderId);
    expect(order).toMatchObject({ status: 'partially_canceled', refundedAmount: 300, refundableAmount: 700 });
    expect(order.cancels).toEqual([expect.objectContaining({ kind: 'external', status: 'done', amount: 300 })]);
    // Delivered again (Toss's own retry, or a re-fetch): recorded once.
    await post(m, {
      paymentKey: paid.paymentKey,
      orderId: paid.orderId,
      status: 'PARTIAL_CANCELED',
      cancels: [{}],
    }).expect(200);
    expect((await getOrder(m, paid.orderId)).cancels).toHaveLength(1);
  });

  it('past the budget the genuine delivery is answered 503 and kept; the reconciler applies it (an external full refund)', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m, 1000);
    // The confirm's own webhook spent one re-fetch; forged claims spend the rest.
    const answers: number[] = [];
    for (let i = 0; i < LIMIT; i++)
      answers.push(
        (await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: `FORGED_${i}` })).status,
      );
    expect(answers).toEqual([...Array(LIMIT - 1).fill(200), 503]);
    await refundAtToss(m, paid.paymentKey); // Toss's own webhooks arrive while the budget is spent: 503, kept
    const genuine = await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'CANCELED' });
    expect(genuine.status).toBe(503);
    expect(await t.app.get(WebhookInboxRepository).count('toss-foreign-pay', m.id)).toBe(1);
    await advance(61_000);
    await run(m);
    expect(await getOrder(m, paid.orderId)).toMatchObject({
      status: 'canceled',
      refundedAmount: 1000,
      refundableAmount: 0,
    });
    expect(await t.app.get(WebhookInboxRepository).count('toss-foreign-pay', m.id)).toBe(0);
  });

  it('a forged transmission id spelled like a pointer key does not mask the genuine delivery of that state', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m, 1000);
    await fault({
      operation: 'cancel',
      match: { paymentKey: paid.paymentKey },
      fault: { type: 'webhook', mode: 'drop' },
    });
    // The attacker knows the order id (it is in the buyer's redirect URLs) and guesses the pointer key's spelling; a
    // claim not seen before gets the delivery re-fetched, and its transmission id remembered.
    await t
      .http()
      .post(`/v1/webhooks/toss/${m.id}`)
      .set('tosspayments-webhook-transmission-id', `p:${paid.orderId}:CANCELED:0`)
      .send({
        eventType: 'PAYMENT_STATUS_CHANGED',
        createdAt: '2026-12-01T00:00:00.000000',
        data: { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'ABORTED' },
      })
      .expect(200);
    await refundAtToss(m, paid.paymentKey);
    await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'CANCELED' }).expect(200);
    expect(await getOrder(m, paid.orderId)).toMatchObject({ status: 'canceled', refundedAmount: 1000 });
  });

  it('Toss unreachable: the delivery for a real order is kept and answered like one for an invented order', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m, 1000);
    await fault({ operation: 'retrievePayment', fault: { type: 'http_error', status: 500 }, times: 10 });
    await fault({ operation: 'retrieveByOrderId', fault: { type: 'http_error', status: 500 }, times: 10 });
    const real = await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'CANCELED' });
    const none = await post(m, { paymentKey: 'tpk_made_up_000000000000', orderId: 'tfo_made_up', status: 'CANCELED' });
    expect([real.status, real.body]).toEqual([none.status, none.body]);
    expect(real.status).toBe(200);
    expect(await t.app.get(WebhookInboxRepository).count('toss-foreign-pay', m.id)).toBe(1);
  });

  it('removes remembered deliveries once the retention has passed', async () => {
    const m = await createMerchant(t);
    const paid = await paidOrder(m);
    const events = t.app.get(DataSource).getRepository(TossWebhookEvent);
    await post(m, { paymentKey: paid.paymentKey, orderId: paid.orderId, status: 'DONE' }).expect(200);
    await post(m, { paymentKey: 'tpk_made_up_000000000000', orderId: 'tfo_made_up', status: 'DONE' }).expect(200);
    // One transmission id and one pointer (the claim matched Toss); nothing for the made-up order.
    expect(await events.countBy({ merchantId: m.id })).toBe(2);
    await run(m);
    expect(await events.countBy({ merchantId: m.id })).toBe(2);
    await advance(600_001);
    await run(m);
    expect(await events.countBy({ merchantId: m.id })).toBe(0);
  });
});
