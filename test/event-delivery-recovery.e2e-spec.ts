import { DataSource } from 'typeorm';
import { verifyBillingSignature } from '../src/webhook-endpoints/verify-signature';
import { startEventReceiver, type EventReceiver } from './helpers/event-receiver';
import { activeBillingKey, auth, billingSetup, fault, setClock } from './helpers/multi-fixtures';
import { startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

/**
 * The dunning recovery story as the merchant's endpoint sees it (issue 26, "done when"): a renewal is declined, the
 * endpoint receives charge.failed and subscription.past_due, signed, with increasing sequences; the merchant moves the
 * subscription to a new key, the next run succeeds, and subscription.renewed arrives. Both engines.
 */
describe('event delivery: the recovery story at the merchant endpoint (e2e)', () => {
  let t: TestApp;
  let sandbox: string;
  let receiver: EventReceiver;
  beforeAll(async () => {
    t = await startTestApp({
      SCHEDULER_ENABLED: 'false',
      EVENT_DELIVERY_ENABLED: 'true',
      EVENT_DELIVERY_POLL_MS: '25',
    });
    sandbox = `${t.url}/sandbox`;
    receiver = await startEventReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  it('receives charge.failed and subscription.past_due, then subscription.renewed after a new key', async () => {
    const { api, m, c, plan, key } = await billingSetup(t);
    const endpoint = await t
      .http()
      .post('/v1/webhook-endpoints')
      .set(auth(m))
      .set('idempotency-key', 'recovery-endpoint')
      .send({ url: receiver.url, events: ['subscription.*', 'charge.*'] });
    expect(endpoint.status).toBe(201);
    const secret = endpoint.body.secret as string;
    const run = async () => {
      const res = await api.post('/v1/billing/runs', {}, auth(m));
      expect(res.status).toBe(200);
      return res.body;
    };
    const got = (type: string, objectId?: string) =>
      receiver.accepted().some((d) => d.event.type === type && (!objectId || d.event.objectId === objectId));

    const created = await api.post(
      '/v1/subscriptions',
      { customerId: c.id, planId: plan.id, billingKeyId: key.id },
      auth(m),
    );
    expect(created.status).toBe(201);
    const sub = created.body;
    expect(await run()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(await waitFor(() => got('subscription.activated', sub.id), { timeoutMs: 10_000 })).toBe(true);

    // The renewal is declined.
    await fault(sandbox, {
      operation: 'again',
      match: { customer_uid: key.customerUid },
      fault: { type: 'decline', code: 'INSTRUMENT_DECLINED' },
      times: 10,
    });
    await setClock(api, new Date((await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body.nextChargeAt));
    expect(await run()).toMatchObject({ claimed: 1, failed: 1 });
    expect(
      await waitFor(() => got('charge.failed') && got('subscription.past_due', sub.id), { timeoutMs: 10_000 }),
    ).toBe(true);
    const failed = receiver.accepted().find((d) => d.event.type === 'charge.failed')!;
    expect(failed.event).toMatchObject({ data: { object: { status: 'failed', subscriptionId: sub.id } } });

    // The merchant moves the subscription to a new key; the next run succeeds.
    const key2 = await activeBillingKey(t.app.get(DataSource), sandbox, m, c.id);
    const patched = await t
      .http()
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(auth(m))
      .set('idempotency-key', 'recovery-patch')
      .send({ billingKeyId: key2.id });
    expect(patched.status).toBe(200);
    expect(await run()).toMatchObject({ claimed: 1, succeeded: 1 });
    expect(await waitFor(() => got('subscription.renewed', sub.id), { timeoutMs: 10_000 })).toBe(true);

    // Every POST verifies with the endpoint's secret and carries its event id.
    for (const d of receiver.received) {
      expect(verifyBillingSignature(d.rawBody, d.headers['billing-signature'] as string, secret).ok).toBe(true);
      expect(d.headers['billing-event-id']).toBe(d.event.id);
    }
    // The subscription's events arrived once each, in sequence order, 1, 2, 3, …
    const subEvents = receiver.accepted().filter((d) => d.event.objectId === sub.id);
    expect(subEvents.map((d) => d.event.type)).toEqual([
      'subscription.created',
      'subscription.activated',
      'subscription.past_due',
      'subscription.updated',
      'subscription.renewed',
    ]);
    expect(subEvents.map((d) => d.event.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(subEvents[4].event.data).toEqual({
      object: (await api.get(`/v1/subscriptions/${sub.id}`, auth(m))).body,
    });
    // The filter kept billing-key events away from this endpoint.
    expect(receiver.accepted().some((d) => d.event.type.startsWith('billing_key.'))).toBe(false);
  });
});
