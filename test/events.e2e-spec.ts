import { DataSource } from 'typeorm';
import { EventsService } from '../src/events/events.service';
import { activeBillingKey, apiOf, auth, createCustomer } from './helpers/multi-fixtures';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

describe('events outbox (e2e)', () => {
  let t: TestApp;
  let events: EventsService;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
    events = t.app.get(EventsService);
    ds = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const write = (merchantId: string, objectId: string, type: string) =>
    ds.transaction((m) =>
      events.record(m, { merchantId, type, objectType: 'subscription', objectId, object: { id: objectId, type } }),
    );

  it('pages newest first with a cursor, filters by type and object, and reads one event', async () => {
    const api = apiOf(t.url);
    const m = await createMerchant(t);
    for (let i = 0; i < 5; i++)
      await write(m.id, `sub_page${i % 2}`, i % 2 ? 'subscription.updated' : 'subscription.created');
    const seen: Array<Record<string, any>> = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const res = await api.get(`/v1/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`, auth(m));
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      if (!res.body.hasMore) {
        expect(res.body.nextCursor).toBeNull();
        break;
      }
      cursor = res.body.nextCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((e) => e.id)).size).toBe(5);
    const times = seen.map((e) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(seen[0]).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: expect.any(String),
      createdAt: expect.any(String),
      merchantId: m.id,
      objectId: expect.stringMatching(/^sub_page/),
      sequence: expect.any(Number),
      data: { object: { id: seen[0].objectId, type: seen[0].type } },
    });

    const updated = await api.get('/v1/events?type=subscription.updated', auth(m));
    expect(updated.body.data.map((e: any) => e.type)).toEqual(['subscription.updated', 'subscription.updated']);
    const ofObject = await api.get('/v1/events?objectId=sub_page0', auth(m));
    expect(ofObject.body.data.map((e: any) => e.sequence)).toEqual([3, 2, 1]);

    const one = await api.get(`/v1/events/${seen[2].id}`, auth(m));
    expect(one.status).toBe(200);
    expect(one.body).toEqual(seen[2]);
  });

  it('answers another merchant’s event as missing, and refuses a bad cursor or limit with 400', async () => {
    const api = apiOf(t.url);
    const a = await createMerchant(t);
    const b = await createMerchant(t);
    const e = await write(a.id, 'sub_bola', 'subscription.created');
    expect((await api.get(`/v1/events/${e.id}`, auth(a))).status).toBe(200);
    const other = await api.get(`/v1/events/${e.id}`, auth(b));
    const missing = await api.get('/v1/events/evt_missing', auth(b));
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('NOT_FOUND');
    expect(other.body.message).toBe(missing.body.message);
    expect((await api.get('/v1/events', auth(b))).body.data).toEqual([]);
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'cursor=%21%21', 'cursor=bm9wZQ', 'type=DROP']) {
      const res = await api.get(`/v1/events?${q}`, auth(a));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('numbers one object’s events 1, 2, 3… under concurrent writers, and a rolled-back event leaves no number', async () => {
    const m = await createMerchant(t);
    await expect(
      ds.transaction(async (tx) => {
        await events.record(tx, {
          merchantId: m.id,
          type: 'charge.failed',
          objectType: 'charge',
          objectId: 'chg_c',
          object: {},
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const writers = 12;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        ds.transaction(async (tx) => {
          await events.recordMany(tx, [
            { merchantId: m.id, type: 'charge.pending', objectType: 'charge', objectId: 'chg_c', object: { i } },
            {
              merchantId: m.id,
              type: 'charge.pending',
              objectType: 'charge',
              objectId: `chg_other${i % 3}`,
              object: {},
            },
          ]);
        }),
      ),
    );
    const rows: Array<{ sequence: number }> = await ds.query(
      `SELECT sequence FROM events WHERE merchant_id = '${m.id}' AND object_id = 'chg_c' ORDER BY sequence`,
    );
    expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
    const others: Array<{ object_id: string; n: string; top: string }> = await ds.query(
      `SELECT object_id, COUNT(*) AS n, MAX(sequence) AS top FROM events WHERE merchant_id = '${m.id}' AND object_id LIKE 'chg_other%' GROUP BY object_id`,
    );
    expect(others.map((o) => [Number(o.n), Number(o.top)])).toEqual([
      [4, 4],
      [4, 4],
      [4, 4],
    ]);

    // Batches naming the same objects in opposite orders lock their counters in one order: no deadlock, no gap.
    const pair = (objectIds: string[]) =>
      ds.transaction((tx) =>
        events.recordMany(
          tx,
          objectIds.map((objectId) => ({ merchantId: m.id, type: 'x.y', objectType: 'charge', objectId, object: {} })),
        ),
      );
    await Promise.all(Array.from({ length: 10 }, (_, i) => pair(i % 2 ? ['chg_a', 'chg_b'] : ['chg_b', 'chg_a'])));
    const pairs: Array<{ object_id: string; n: string; top: string }> = await ds.query(
      `SELECT object_id, COUNT(*) AS n, MAX(sequence) AS top FROM events WHERE merchant_id = '${m.id}' AND object_id IN ('chg_a', 'chg_b') GROUP BY object_id ORDER BY object_id`,
    );
    expect(pairs.map((o) => [o.object_id, Number(o.n), Number(o.top)])).toEqual([
      ['chg_a', 10, 10],
      ['chg_b', 10, 10],
    ]);
  });

  it('one-time orders (toss_order.paid, partially_canceled, canceled) and billing keys (billing_key.revoked)', async () => {
    const api = apiOf(t.url);
    const m = await createMerchant(t);
    const order = await t
      .http()
      .post('/v1/orders')
      .set(auth(m))
      .send({ gateway: 'toss-foreign-pay', orderName: 'Pro', amount: 1000, currency: 'USD', country: 'US' });
    expect(order.status).toBe(201);
    const { orderId, checkout } = order.body;
    const buyer = await t
      .http()
      .post('/sandbox/toss/buyer/payments')
      .send({ clientKey: checkout.init.clientKey, paymentRequest: checkout.request, buyer: { outcome: 'approve' } });
    const redirect = new URL(buyer.body.redirectUrl as string);
    await t.http().get(`${redirect.pathname}${redirect.search}`);
    for (const body of [{ reason: 'part', amount: 400 }, { reason: 'rest' }])
      expect((await t.http().post(`/v1/orders/${orderId}/cancel`).set(auth(m)).send(body)).status).toBe(200);
    await t.sandbox!.idle();
    const orderEvents = (await api.get(`/v1/events?objectId=${orderId}`, auth(m))).body.data.reverse();
    expect(orderEvents.map((e: any) => [e.type, e.sequence, e.data.object.status])).toEqual([
      ['toss_order.paid', 1, 'paid'],
      ['toss_order.partially_canceled', 2, 'partially_canceled'],
      ['toss_order.canceled', 3, 'canceled'],
    ]);
    // The order as the API shows it (a webhook's facts may touch updatedAt later, without a change of state).
    const { updatedAt: _later, ...current } = (await t.http().get(`/v1/orders/${orderId}`).set(auth(m))).body;
    expect(orderEvents[2].data.object).toEqual({ ...current, updatedAt: expect.any(String) });

    const c = await createCustomer(api, m);
    const key = await activeBillingKey(ds, `${t.url}/sandbox`, m, c.id);
    const revoked = await t.http().delete(`/v1/billing-keys/${key.id}`).set(auth(m));
    expect(revoked.status).toBe(200);
    const keyEvents = (await api.get(`/v1/events?objectId=${key.id}`, auth(m))).body.data;
    expect(keyEvents.map((e: any) => [e.type, e.sequence])).toEqual([['billing_key.revoked', 1]]);
    expect(keyEvents[0].data.object).toMatchObject({ id: key.id, status: 'revoked', customerId: c.id });
  });
});
