import { DataSource } from 'typeorm';
import { DeliveryWorker } from '../src/webhook-endpoints/delivery.worker';
import { verifyBillingSignature } from '../src/webhook-endpoints/verify-signature';
import { WebhookDelivery } from '../src/webhook-endpoints/webhook-delivery.entity';
import { WebhookEndpoint } from '../src/webhook-endpoints/webhook-endpoint.entity';
import { startEventReceiver, type EventReceiver, type ReceivedDelivery } from './helpers/event-receiver';
import { writeEvents } from './helpers/outbox';
import { createMerchant, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

/** Events to merchants' webhook endpoints: endpoints CRUD, signed deliveries, retries in order, filters, the list. */
describe('webhook endpoints and event delivery (e2e)', () => {
  let t: TestApp;
  let receiver: EventReceiver;
  let key: string;
  let merchantId: string;
  let n = 0;
  const auth = () => ({ authorization: `Bearer ${key}` });
  const idem = () => ({ 'idempotency-key': `k-${++n}-${Date.now()}` });

  const createEndpoint = async (body: Record<string, unknown>, headers = auth()) => {
    const res = await t.http().post('/v1/webhook-endpoints').set(headers).set(idem()).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; url: string; events: string[]; secret: string; createdAt: string };
  };
  const deleteEndpoint = (id: string) => t.http().delete(`/v1/webhook-endpoints/${id}`).set(auth()).set(idem());
  const verified = (d: ReceivedDelivery, secret: string) =>
    verifyBillingSignature(d.rawBody, d.headers['billing-signature'] as string, secret).ok;

  beforeAll(async () => {
    t = await startTestApp({
      EVENT_DELIVERY_ENABLED: 'true',
      EVENT_DELIVERY_POLL_MS: '25',
      EVENT_DELIVERY_RETRY_DELAYS_MS: '40,80,120',
      EVENT_DELIVERY_MAX_DELAY_MS: '200',
      EVENT_DELIVERY_TIMEOUT_MS: '2000',
    });
    const m = await createMerchant(t);
    key = m.apiKey;
    merchantId = m.id;
  });
  beforeEach(async () => {
    receiver = await startEventReceiver();
  });
  afterEach(async () => {
    // Endpoints of one test must not receive the next one's events.
    const list = await t.http().get('/v1/webhook-endpoints?limit=100').set(auth());
    for (const e of list.body.data as Array<{ id: string }>) await deleteEndpoint(e.id);
    await receiver.close();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('drain (SIGTERM)', () => {
    it('lets the POST in flight finish and be recorded, then claims nothing more', async () => {
      const app = await startTestApp({
        EVENT_DELIVERY_ENABLED: 'true',
        EVENT_DELIVERY_POLL_MS: '25',
        EVENT_DELIVERY_TIMEOUT_MS: '5000',
      });
      try {
        const m = await createMerchant(app);
        const created = await app
          .http()
          .post('/v1/webhook-endpoints')
          .set('authorization', `Bearer ${m.apiKey}`)
          .set('idempotency-key', `drain-${Date.now()}`)
          .send({ url: receiver.url });
        expect(created.status).toBe(201);
        let release!: () => void;
        receiver.hold = new Promise<void>((r) => (release = r));
        const [first] = await writeEvents(app, m.id, [{ type: 'charge.succeeded', objectId: 'ch_drain_1' }]);
        expect(await waitFor(() => receiver.arrivals === 1)).toBe(true);

        const drained = app.app.get(DeliveryWorker).drain(new AbortController().signal);
        const [second] = await writeEvents(app, m.id, [{ type: 'charge.succeeded', objectId: 'ch_drain_2' }]);
        release();
        await drained;
        const status = async (eventId: string) =>
          (await app.app.get(DataSource).getRepository(WebhookDelivery).findOneBy({ eventId }))?.status;
        // Recorded before the drain returned: the pool is still open for it.
        expect(await status(first.id)).toBe('delivered');
        // Several poll intervals later nothing more was claimed or sent.
        await new Promise((r) => setTimeout(r, 300));
        expect(receiver.arrivals).toBe(1);
        expect(await status(second.id)).not.toBe('delivered');
      } finally {
        receiver.hold = undefined;
        await app.close();
      }
    });
  });

  describe('endpoints', () => {
    it('creates one with a secret shown once, lists it without the secret, deletes it', async () => {
      const created = await createEndpoint({ url: receiver.url });
      expect(created).toEqual({
        id: expect.stringMatching(/^we_/),
        url: receiver.url,
        events: ['*'],
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
        createdAt: expect.any(String),
      });
      const list = await t.http().get('/v1/webhook-endpoints').set(auth());
      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        data: [{ id: created.id, url: receiver.url, events: ['*'], createdAt: created.createdAt }],
        hasMore: false,
        nextCursor: null,
      });
      expect(list.text).not.toContain(created.secret);
      // Sealed at rest: the table never holds the secret in clear.
      const row = await t.app.get(DataSource).getRepository(WebhookEndpoint).findOneByOrFail({ id: created.id });
      expect(row.secretSealed).not.toContain(created.secret);
      expect((await deleteEndpoint(created.id)).status).toBe(200);
      expect((await deleteEndpoint(created.id)).status).toBe(404);
    });

    it('replays a creation under the same Idempotency-Key with the same secret (sealed in the replay store)', async () => {
      const headers = { ...auth(), 'idempotency-key': `same-${Date.now()}` };
      const first = await t.http().post('/v1/webhook-endpoints').set(headers).send({ url: receiver.url });
      const again = await t.http().post('/v1/webhook-endpoints').set(headers).send({ url: receiver.url });
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      const stored = await t.app.get(DataSource).query('SELECT response_body FROM idempotency_records');
      expect(JSON.stringify(stored)).not.toContain(first.body.secret);
    });

    it('refuses bad URLs and filters with our error body', async () => {
      for (const url of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/x']) {
        const res = await t.http().post('/v1/webhook-endpoints').set(auth()).set(idem()).send({ url });
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({ code: 'WEBHOOK_URL_FORBIDDEN', details: [{ field: 'url' }] });
      }
      for (const events of [[], ['charge'], ['Charge.*'], 'charge.*', [1], ['*', '*']]) {
        const res = await t
          .http()
          .post('/v1/webhook-endpoints')
          .set(auth())
          .set(idem())
          .send({ url: receiver.url, events });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it("answers 404 for another merchant's endpoint on every route, as for a missing one", async () => {
      const mine = await createEndpoint({ url: receiver.url });
      const other = await createMerchant(t, { name: 'Other' });
      const theirs = { authorization: `Bearer ${other.apiKey}` };
      for (const id of [mine.id, 'we_missing']) {
        const del = await t.http().delete(`/v1/webhook-endpoints/${id}`).set(theirs).set(idem());
        const rot = await t.http().post(`/v1/webhook-endpoints/${id}/rotate-secret`).set(theirs).set(idem());
        const dl = await t.http().get(`/v1/webhook-endpoints/${id}/deliveries`).set(theirs);
        for (const res of [del, rot, dl]) expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
      }
      const list = await t.http().get('/v1/webhook-endpoints').set(theirs);
      expect(list.body.data).toEqual([]);
      // Still there for its owner.
      expect((await t.http().get(`/v1/webhook-endpoints/${mine.id}/deliveries`).set(auth())).status).toBe(200);
    });

    it('pages endpoints newest first with a cursor', async () => {
      const a = await createEndpoint({ url: `${receiver.url}?a` });
      const b = await createEndpoint({ url: `${receiver.url}?b` });
      const c = await createEndpoint({ url: `${receiver.url}?c` });
      const p1 = await t.http().get('/v1/webhook-endpoints?limit=2').set(auth());
      expect(p1.body.data.map((e: { id: string }) => e.id)).toEqual([c.id, b.id]);
      expect(p1.body.hasMore).toBe(true);
      const p2 = await t.http().get(`/v1/webhook-endpoints?limit=2&cursor=${p1.body.nextCursor}`).set(auth());
      expect(p2.body).toMatchObject({ data: [{ id: a.id }], hasMore: false, nextCursor: null });
      const bad = await t.http().get('/v1/webhook-endpoints?cursor=bm9wZQ').set(auth());
      expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    });
  });

  describe('delivery', () => {
    it('POSTs each event signed with the endpoint secret, with Billing-Event-Id, in the public event shape', async () => {
      const ep = await createEndpoint({ url: receiver.url });
      const [e1, e2] = await writeEvents(t, merchantId, [
        { type: 'subscription.created', objectId: 'sub_a' },
        { type: 'charge.succeeded', objectId: 'ch_a' },
      ]);
      expect(await waitFor(() => receiver.accepted().length >= 2, { timeoutMs: 10_000 })).toBe(true);
      const got = receiver.accepted();
      for (const d of got) {
        expect(verified(d, ep.secret)).toBe(true);
        expect(verifyBillingSignature(d.rawBody, d.headers['billing-signature'] as string, 'whsec_wrong').ok).toBe(
          false,
        );
        expect(d.headers['billing-event-id']).toBe(d.event.id);
      }
      expect(got.map((d) => d.event).sort((x, y) => x.id.localeCompare(y.id))).toEqual(
        [e1, e2]
          .map((e) => ({
            id: e.id,
            type: e.type,
            createdAt: e.createdAt.toISOString(),
            merchantId,
            objectId: e.objectId,
            sequence: e.sequence,
            data: e.data,
          }))
          .sort((x, y) => x.id.localeCompare(y.id)),
      );
      // The receiver has both before the worker records their answers: wait for those writes.
      const deliveries = () => t.http().get(`/v1/webhook-endpoints/${ep.id}/deliveries`).set(auth());
      await waitFor(async () =>
        ((await deliveries()).body.data ?? []).every((d: { status: string }) => d.status === 'delivered'),
      );
      const list = await deliveries();
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(2);
      expect(list.body.data[0]).toMatchObject({
        endpointId: ep.id,
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: expect.any(String),
      });
      expect(list.body.data.map((d: { eventId: string }) => d.eventId).sort()).toEqual([e1.id, e2.id].sort());
      const metrics = await t.http().get('/metrics').set('authorization', `Bearer ${TEST_ADMIN_KEY}`);
      expect(metrics.text).toMatch(/billing_event_delivery_lag_seconds_count \d+/);
      expect(metrics.text).toMatch(/billing_event_deliveries_sent_total [1-9]/);
    });

    it('a receiver answering 500 three times gets every event, in order per object, after it recovers', async () => {
      let refusals = 3;
      receiver.answer = () => (refusals-- > 0 ? 500 : 200);
      const ep = await createEndpoint({ url: receiver.url });
      const written = await writeEvents(t, merchantId, [
        { type: 'subscription.created', objectId: 'sub_r' },
        { type: 'charge.failed', objectId: 'ch_r' },
        { type: 'subscription.past_due', objectId: 'sub_r' },
        { type: 'subscription.updated', objectId: 'sub_r' },
        { type: 'charge.succeeded', objectId: 'ch_r2' },
        { type: 'subscription.renewed', objectId: 'sub_r' },
      ]);
      expect(await waitFor(() => receiver.accepted().length >= written.length, { timeoutMs: 15_000 })).toBe(true);
      expect(receiver.received.filter((d) => d.status === 500)).toHaveLength(3);
      expect(new Set(receiver.accepted().map((d) => d.event.id))).toEqual(new Set(written.map((e) => e.id)));
      for (const d of receiver.received) expect(verified(d, ep.secret)).toBe(true);
      // In order per object: everything the receiver saw of an object (refused tries included) never goes back to an
      // earlier sequence once a later one arrived, and a later one arrives only after the earlier was accepted.
      for (const objectId of ['sub_r', 'ch_r', 'ch_r2']) {
        const seen = receiver.received.filter((d) => d.event.objectId === objectId);
        const accepted = new Set<number>();
        for (const d of seen) {
          for (let s = 1; s < d.event.sequence; s++) expect(accepted.has(s)).toBe(true);
          if (d.status === 200) accepted.add(d.event.sequence);
        }
      }
      expect(
        receiver
          .accepted()
          .filter((d) => d.event.objectId === 'sub_r')
          .map((d) => d.event.sequence),
      ).toEqual([1, 2, 3, 4]);
      const retried = await t.http().get(`/v1/webhook-endpoints/${ep.id}/deliveries?limit=100`).set(auth());
      const attempts = (retried.body.data as Array<{ attempts: number; status: string }>).map((d) => d.attempts);
      expect(attempts.reduce((a, b) => a + b, 0)).toBe(written.length + 3);
      expect(retried.body.data.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    });

    it('sends each endpoint only the event types it asked for', async () => {
      const other = await startEventReceiver('/charges-only');
      try {
        const all = await createEndpoint({ url: receiver.url });
        const charges = await createEndpoint({ url: other.url, events: ['charge.*', 'subscription.past_due'] });
        await writeEvents(t, merchantId, [
          { type: 'subscription.created', objectId: 'sub_f' },
          { type: 'charge.failed', objectId: 'ch_f' },
          { type: 'subscription.past_due', objectId: 'sub_f' },
          { type: 'billing_key.activated', objectId: 'bk_f' },
        ]);
        expect(await waitFor(() => receiver.accepted().length >= 4 && other.accepted().length >= 2)).toBe(true);
        expect(
          other
            .accepted()
            .map((d) => d.event.type)
            .sort(),
        ).toEqual(['charge.failed', 'subscription.past_due']);
        for (const d of other.accepted()) expect(verified(d, charges.secret)).toBe(true);
        for (const d of receiver.accepted()) expect(verified(d, all.secret)).toBe(true);
        const onlyCharges = await t.http().get(`/v1/webhook-endpoints/${charges.id}/deliveries`).set(auth());
        expect(onlyCharges.body.data).toHaveLength(2);
        // Nothing more arrives for the filtered endpoint once the others are done.
        expect(other.received).toHaveLength(2);
      } finally {
        await other.close();
      }
    });

    it('signs with the new secret after a rotation', async () => {
      const ep = await createEndpoint({ url: receiver.url });
      const rotated = await t.http().post(`/v1/webhook-endpoints/${ep.id}/rotate-secret`).set(auth()).set(idem());
      expect(rotated.status).toBe(200);
      expect(rotated.body).toMatchObject({ id: ep.id, secret: expect.stringMatching(/^whsec_/) });
      expect(rotated.body.secret).not.toBe(ep.secret);
      await writeEvents(t, merchantId, [{ type: 'charge.succeeded', objectId: 'ch_rot' }]);
      expect(await waitFor(() => receiver.accepted().length >= 1)).toBe(true);
      expect(verified(receiver.accepted()[0], rotated.body.secret)).toBe(true);
      expect(verified(receiver.accepted()[0], ep.secret)).toBe(false);
    });

    it('fails a delivery after the retry window and then lets the next event of the object go', async () => {
      const ep = await createEndpoint({ url: receiver.url });
      const [first, second] = await writeEvents(t, merchantId, [
        { type: 'subscription.created', objectId: 'sub_w' },
        { type: 'subscription.activated', objectId: 'sub_w' },
      ]);
      receiver.answer = (d) => (d.event.id === first.id ? 500 : 200);
      expect(await waitFor(() => receiver.received.length >= 2)).toBe(true);
      // The later event waits while the first is retried.
      expect(receiver.received.every((d) => d.event.id === first.id)).toBe(true);
      // 73 h later (test clock), the next try of the first is past the 72 h window: failed; the second goes out.
      const moved = await t
        .http()
        .post('/v1/admin/clock')
        .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .send({ advanceMs: 73 * 3_600_000 });
      expect(moved.status).toBe(200);
      expect(
        await waitFor(() => receiver.accepted().some((d) => d.event.id === second.id), { timeoutMs: 10_000 }),
      ).toBe(true);
      // The receiver has the second before the worker records its answer: wait for that write.
      const statuses = async () =>
        Object.fromEntries(
          (await t.app.get(DataSource).getRepository(WebhookDelivery).findBy({ endpointId: ep.id })).map((r) => [
            r.eventId,
            r.status,
          ]),
        );
      await waitFor(async () => (await statuses())[second.id] === 'delivered');
      expect(await statuses()).toEqual({ [first.id]: 'failed', [second.id]: 'delivered' });
      const failedOnly = await t.http().get(`/v1/webhook-endpoints/${ep.id}/deliveries?status=failed`).set(auth());
      expect(failedOnly.body.data).toMatchObject([{ eventId: first.id, status: 'failed', lastStatusCode: 500 }]);
    });
  });
});
