import { DataSource } from 'typeorm';
import {
  activeBillingKey,
  advanceClock,
  auth,
  billingSetup,
  createCustomer,
  createPlan,
  type Api,
  type Merchant,
} from './helpers/multi-fixtures';
import { encodeCursor } from '../src/common/pagination';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait-for';

type Row = { id: string; createdAt: string };
type PageBody<R = Row> = { data: R[]; hasMore: boolean; nextCursor: string | null };

/** Every page of a list, following nextCursor; checks the envelope on the way. */
async function allPages(api: Api, m: Merchant, path: string, limit: number): Promise<PageBody[]> {
  const pages: PageBody[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, auth(m));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'hasMore', 'nextCursor']);
    expect(res.body.hasMore).toBe(res.body.nextCursor !== null);
    pages.push(res.body);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

/** Newest first: (createdAt, id) strictly descending. */
function expectNewestFirst(rows: Row[]): void {
  const keys = rows.map((r) => `${r.createdAt}|${r.id}`);
  expect(keys).toEqual([...keys].sort().reverse());
  expect(new Set(keys).size).toBe(keys.length);
}

describe('lists, customer and plan changes, API keys (e2e)', () => {
  let t: TestApp;
  let api: Api;
  beforeAll(async () => {
    t = await startTestApp({ SCHEDULER_ENABLED: 'false' });
    api = {
      get: async (path, headers = {}) => {
        const r = await t.http().get(path).set(headers);
        return { status: r.status, body: r.body };
      },
      post: async (path, body, headers = {}) => {
        const r = await t
          .http()
          .post(path)
          .set(headers)
          .send(body as object);
        return { status: r.status, body: r.body };
      },
    };
  });
  afterAll(() => t.close());

  const keysOf = async (key: string) =>
    (await api.get('/v1/merchants/me/api-keys', { authorization: `Bearer ${key}` })).body as PageBody<
      Row & { hint: string; lastUsedAt: string | null; revokedAt: string | null }
    >;

  describe('cursor pagination', () => {
    it('walks every customer exactly once, newest first, in pages of the asked size', async () => {
      const m = await createMerchant(t);
      const made: string[] = [];
      for (let i = 0; i < 23; i++) made.push((await createCustomer(api, m, { externalId: `c-${i}` })).id);
      const pages = await allPages(api, m, '/v1/customers', 10);
      expect(pages.map((p) => p.data.length)).toEqual([10, 10, 3]);
      expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
      const rows = pages.flatMap((p) => p.data);
      expectNewestFirst(rows);
      expect(rows.map((r) => r.id).sort()).toEqual([...made].sort());
      // Default page: 20.
      expect((await api.get('/v1/customers', auth(m))).body.data).toHaveLength(20);
    });

    it('refuses a bad cursor, limit or filter with 400 VALIDATION_FAILED naming the field', async () => {
      const m = await createMerchant(t);
      for (const path of ['/v1/customers', '/v1/plans', '/v1/subscriptions', '/v1/charges', '/v1/billing-keys']) {
        const bad = await api.get(`${path}?cursor=not-a-cursor`, auth(m));
        expect(bad.status).toBe(400);
        expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });
        expect((await api.get(`${path}?limit=0`, auth(m))).status).toBe(400);
        expect((await api.get(`${path}?limit=101`, auth(m))).status).toBe(400);
        expect((await api.get(`${path}?limit=abc`, auth(m))).status).toBe(400);
        expect((await api.get(`${path}?sort=asc`, auth(m))).status).toBe(400);
      }
      expect((await api.get('/v1/subscriptions?status=paused', auth(m))).body.code).toBe('VALIDATION_FAILED');
      expect((await api.get('/v1/charges?status=paid', auth(m))).body.code).toBe('VALIDATION_FAILED');
      expect((await api.get('/v1/orders?status=nope', auth(m))).body.code).toBe('VALIDATION_FAILED');
      expect((await api.get('/v1/toss/orders?gateway=x', auth(m))).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('filters', () => {
    it('subscriptions by customer and status; charges by customer, subscription and status', async () => {
      const { m, c, plan, key } = await billingSetup(t);
      const c2 = await createCustomer(api, m, { email: 'second@example.com' });
      const key2 = await activeBillingKey(t.app.get(DataSource), `${t.url}/sandbox`, m, c2.id);
      const subscribe = async (customerId: string, billingKeyId: string) => {
        const res = await api.post('/v1/subscriptions', { customerId, planId: plan.id, billingKeyId }, auth(m));
        expect(res.status).toBe(201);
        return res.body as { id: string };
      };
      const s1 = await subscribe(c.id, key.id);
      const s2 = await subscribe(c2.id, key2.id);
      const run = await api.post('/v1/billing/runs', {}, auth(m));
      expect(run.status).toBe(200);
      const s3 = await subscribe(c.id, key.id); // not charged yet: incomplete
      const ids = (body: PageBody) => body.data.map((r) => r.id).sort();

      expect(ids((await api.get(`/v1/subscriptions?customerId=${c.id}`, auth(m))).body)).toEqual([s1.id, s3.id].sort());
      expect(ids((await api.get('/v1/subscriptions?status=incomplete', auth(m))).body)).toEqual([s3.id]);
      expect(ids((await api.get('/v1/subscriptions?status=active', auth(m))).body)).toEqual([s1.id, s2.id].sort());
      expect(ids((await api.get(`/v1/subscriptions?customerId=${c2.id}&status=active`, auth(m))).body)).toEqual([
        s2.id,
      ]);

      const all = (await api.get('/v1/charges', auth(m))).body as PageBody<
        Row & { subscriptionId: string; customerId: string; status: string }
      >;
      expect(all.data).toHaveLength(2);
      expectNewestFirst(all.data);
      const first = all.data.find((ch) => ch.subscriptionId === s1.id)!;
      expect(ids((await api.get(`/v1/charges?subscriptionId=${s1.id}`, auth(m))).body)).toEqual([first.id]);
      expect(ids((await api.get(`/v1/charges?customerId=${c.id}`, auth(m))).body)).toEqual([first.id]);
      expect(ids((await api.get(`/v1/charges?status=${first.status}`, auth(m))).body)).toEqual(ids(all));
      expect((await api.get('/v1/charges?status=failed', auth(m))).body.data).toEqual([]);
      // The review queue keeps its v1 query.
      expect((await api.get('/v1/charges?review=true', auth(m))).body).toEqual({
        data: [],
        hasMore: false,
        nextCursor: null,
      });

      // Billing keys: all of the merchant's, or one customer's.
      expect(ids((await api.get('/v1/billing-keys', auth(m))).body)).toEqual([key.id, key2.id].sort());
      expect(ids((await api.get(`/v1/billing-keys?customerId=${c2.id}`, auth(m))).body)).toEqual([key2.id]);
    });
  });

  describe('PATCH /v1/customers/{id}', () => {
    it('corrects any create field with the same validation; absent fields stay', async () => {
      const m = await createMerchant(t);
      const c = await createCustomer(api, m, { externalId: 'x-1' });
      await createCustomer(api, m, { externalId: 'taken' });
      const patch = (body: unknown, who: Merchant = m, id = c.id) =>
        t
          .http()
          .patch(`/v1/customers/${id}`)
          .set(auth(who))
          .send(body as object);

      const ok = await patch({ firstName: 'Grace', phone: '02-1234-5678', countryCode: 'kr' });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({
        id: c.id,
        firstName: 'Grace',
        lastName: 'Lovelace',
        phone: '+82212345678',
        countryCode: 'KR',
        externalId: 'x-1',
      });
      expect((await api.get(`/v1/customers/${c.id}`, auth(m))).body).toEqual(ok.body);

      const badPhone = await patch({ phone: 'not a phone' });
      expect(badPhone.status).toBe(400);
      expect(badPhone.body.details[0].field).toBe('phone');
      expect((await patch({ email: 'nope' })).body.code).toBe('VALIDATION_FAILED');
      expect((await patch({ firstName: null })).body.code).toBe('VALIDATION_FAILED');
      expect((await patch({ merchantId: 'mch_x' })).body.code).toBe('VALIDATION_FAILED');
      expect((await patch({ externalId: 'taken' })).body.code).toBe('DUPLICATE_EXTERNAL_ID');
      expect((await patch({ externalId: 'x-1' })).status).toBe(200); // its own externalId again
      expect((await api.get(`/v1/customers/${c.id}`, auth(m))).body.firstName).toBe('Grace');
    });
  });

  describe('POST /v1/plans/{id}/archive', () => {
    it('shows archivedAt, refuses new subscriptions with 409 PLAN_ARCHIVED, and keeps existing ones billing', async () => {
      const { m, c, plan, key } = await billingSetup(t);
      const sub = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id },
        auth(m),
      );
      expect(sub.status).toBe(201);

      const archived = await api.post(`/v1/plans/${plan.id}/archive`, {}, auth(m));
      expect(archived.status).toBe(200);
      expect(archived.body.archivedAt).toEqual(expect.any(String));
      expect((await api.get(`/v1/plans/${plan.id}`, auth(m))).body).toEqual(archived.body);
      // Again: unchanged (the first archive time stays).
      expect((await api.post(`/v1/plans/${plan.id}/archive`, {}, auth(m))).body).toEqual(archived.body);
      const listed = (await api.get('/v1/plans', auth(m))).body.data as Array<{ id: string; archivedAt: string }>;
      expect(listed.find((p) => p.id === plan.id)?.archivedAt).toBe(archived.body.archivedAt);

      const refused = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id },
        auth(m),
      );
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'PLAN_ARCHIVED', details: [{ field: 'planId' }] });

      // The existing subscription is still charged.
      const run = await api.post('/v1/billing/runs', {}, auth(m));
      expect(run.status).toBe(200);
      expect((await api.get(`/v1/subscriptions/${sub.body.id}`, auth(m))).body.status).toBe('active');
      // A fresh plan still takes subscriptions.
      const open = await createPlan(api, m);
      expect(
        (await api.post('/v1/subscriptions', { customerId: c.id, planId: open.id, billingKeyId: key.id }, auth(m)))
          .status,
      ).toBe(201);
    });
  });

  describe('API keys', () => {
    it('lists the creation key first, creates more (shown once), revokes at once, never the last one', async () => {
      const m = await createMerchant(t);
      let listed = await keysOf(m.apiKey);
      expect(listed.data).toHaveLength(1);
      const creation = listed.data[0];
      expect(creation.hint.startsWith(m.apiKey.slice(0, 10))).toBe(true);
      expect(creation.hint).not.toContain(m.apiKey.slice(10, -4));
      expect(creation.revokedAt).toBeNull();

      // lastUsedAt: written after a use (the request does not wait for it), then at most once a minute per key.
      const lastUsed = async () => (await keysOf(m.apiKey)).data[0].lastUsedAt;
      let firstUse: string | null = null;
      await waitFor(async () => (firstUse = await lastUsed()) !== null);
      expect(firstUse).toEqual(expect.any(String));
      await advanceClock(api, 30_000);
      for (let i = 0; i < 3; i++) expect((await api.get('/v1/merchants/me', auth(m))).status).toBe(200);
      expect(await lastUsed()).toBe(firstUse);
      await advanceClock(api, 31_000);
      await api.get('/v1/merchants/me', auth(m));
      let laterUse: string | null = null;
      await waitFor(async () => (laterUse = await lastUsed()) !== firstUse);
      expect(Date.parse(laterUse ?? '') - Date.parse(firstUse ?? '')).toBeGreaterThanOrEqual(60_000);

      const made = await t.http().post('/v1/merchants/me/api-keys').set(auth(m)).set('idempotency-key', 'k-1');
      expect(made.status).toBe(201);
      expect(made.body.apiKey).toMatch(/^mk_/);
      expect(made.body.id).toMatch(/^key_/);
      const second = made.body.apiKey as string;
      expect((await api.get('/v1/merchants/me', { authorization: `Bearer ${second}` })).status).toBe(200);
      // A replay answers the same key (sealed in the replay store, never stored in clear).
      const replay = await t.http().post('/v1/merchants/me/api-keys').set(auth(m)).set('idempotency-key', 'k-1');
      expect(replay.body).toEqual(made.body);
      const stored = await t.app.get(DataSource).query('SELECT * FROM idempotency_records');
      expect(JSON.stringify(stored)).not.toContain(second);
      expect(JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM api_keys'))).not.toContain(second);

      listed = await keysOf(second);
      expect(listed.data.map((k) => k.id)).toEqual([made.body.id, creation.id]);
      expect(JSON.stringify(listed)).not.toContain(second);
      expect(listed.data[0].hint).toBe(`${second.slice(0, 10)}…${second.slice(-4)}`);

      // Revoke the creation key with the new one: refused at once on this instance.
      const del = await t
        .http()
        .delete(`/v1/merchants/me/api-keys/${creation.id}`)
        .set(auth({ ...m, apiKey: second }));
      expect(del.status).toBe(204);
      const gone = await api.get('/v1/merchants/me', auth(m));
      expect(gone.status).toBe(401);
      expect(gone.body.code).toBe('UNAUTHORIZED');
      expect((await keysOf(second)).data.find((k) => k.id === creation.id)?.revokedAt).toEqual(expect.any(String));
      // Again: nothing changes.
      expect(
        (
          await t
            .http()
            .delete(`/v1/merchants/me/api-keys/${creation.id}`)
            .set(auth({ ...m, apiKey: second }))
        ).status,
      ).toBe(204);

      // The last active key cannot be revoked.
      const last = await t
        .http()
        .delete(`/v1/merchants/me/api-keys/${made.body.id}`)
        .set(auth({ ...m, apiKey: second }));
      expect(last.status).toBe(409);
      expect(last.body.code).toBe('LAST_API_KEY');
      expect((await api.get('/v1/merchants/me', { authorization: `Bearer ${second}` })).status).toBe(200);
    });
  });

  describe('BOLA over the new routes', () => {
    it("merchant B gets 404 for every one of A's objects, and B's lists never show A's rows", async () => {
      const { m: a, c, plan, key } = await billingSetup(t);
      const sub = await api.post(
        '/v1/subscriptions',
        { customerId: c.id, planId: plan.id, billingKeyId: key.id },
        auth(a),
      );
      expect(sub.status).toBe(201);
      expect((await api.post('/v1/billing/runs', {}, auth(a))).status).toBe(200);
      const aKeys = (await keysOf(a.apiKey)).data;
      const b = await createMerchant(t, { name: 'B' });
      await createCustomer(api, b);

      const missing = async (res: { status: number; body: { code: string } }) => {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      };
      await missing(await t.http().patch(`/v1/customers/${c.id}`).set(auth(b)).send({ firstName: 'Mallory' }));
      await missing(await api.post(`/v1/plans/${plan.id}/archive`, {}, auth(b)));
      await missing(await t.http().delete(`/v1/merchants/me/api-keys/${aKeys[0].id}`).set(auth(b)));
      await missing(await api.get(`/v1/billing-keys?customerId=${c.id}`, auth(b)));
      // Nothing of A's changed.
      expect((await api.get(`/v1/customers/${c.id}`, auth(a))).body.firstName).not.toBe('Mallory');
      expect((await api.get(`/v1/plans/${plan.id}`, auth(a))).body.archivedAt).toBeNull();
      expect((await api.get('/v1/merchants/me', auth(a))).status).toBe(200);

      const aIds = new Set<string>([c.id, plan.id, key.id, sub.body.id, ...aKeys.map((k) => k.id)]);
      for (const charge of (await api.get('/v1/charges', auth(a))).body.data as Row[]) aIds.add(charge.id);
      expect(aIds.size).toBeGreaterThan(5);
      for (const path of [
        '/v1/customers',
        '/v1/plans',
        '/v1/billing-keys',
        '/v1/subscriptions',
        `/v1/subscriptions?customerId=${c.id}`,
        '/v1/charges',
        `/v1/charges?customerId=${c.id}`,
        `/v1/charges?subscriptionId=${sub.body.id}`,
        '/v1/orders',
        '/v1/toss/orders',
        '/v1/risk/decisions',
        '/v1/merchants/me/api-keys',
      ]) {
        const res = await api.get(path, auth(b));
        expect([path, res.status]).toEqual([path, 200]);
        const leaked = (res.body.data as Row[]).filter((r) => aIds.has(r.id));
        expect([path, leaked]).toEqual([path, []]);
      }
      // A cursor from anywhere (here: past every row) still reads only B's rows.
      const future = encodeCursor({ createdAt: new Date('2100-01-01T00:00:00.000Z'), id: 'zzzz' });
      const viaCursor = await api.get(`/v1/customers?cursor=${future}`, auth(b));
      expect(viaCursor.status).toBe(200);
      expect(viaCursor.body.data).toHaveLength(1);
      expect((viaCursor.body.data as Row[]).filter((r) => aIds.has(r.id))).toEqual([]);
    });
  });
});
