import { createMerchant, startTestApp, TEST_ADMIN_KEY, TestApp } from './helpers/test-app';

describe('platform: health, docs, metrics, request ids, secrets, test clock (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves /health with a database check', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.info.database.status).toBe('up');
  });

  it('serves OpenAPI at /docs-json describing every route, and the UI at /docs', async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    for (const p of ['/v1/merchants', '/v1/merchants/me', '/v1/merchants/me/gateways/toss-foreign-pay', '/v1/merchants/me/gateways/portone-paypal-rt', '/v1/customers', '/v1/customers/{id}', '/v1/plans', '/v1/plans/{id}', '/v1/admin/clock', '/health']) {
      expect(paths).toContain(p);
    }
    expect((await t.http().get('/docs')).status).toBe(200);
  });

  it('serves Prometheus metrics including request durations', async () => {
    await t.http().get('/health');
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('route="/health"');
  });

  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    const given = await t.http().get('/health').set('x-request-id', 'req-abc-123');
    expect(given.headers['x-request-id']).toBe('req-abc-123');
    const generated = await t.http().get('/health').set('x-request-id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const err = await t.http().get('/v1/merchants/me');
    expect(err.body.requestId).toBe(err.headers['x-request-id']);
  });

  it('sets security headers (helmet)', async () => {
    const res = await t.http().get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('never writes API keys or PG secrets to a log line or a response', async () => {
    const m = await createMerchant(t);
    const auth = { authorization: `Bearer ${m.apiKey}` };
    const secretKey = 'test_sk_sbx_' + 'logcheck-secret-5678';
    const impSecret = 'sbx_secret_' + 'logcheck-portone-4321';
    const responses = [
      await t.http().put('/v1/merchants/me/gateways/toss-foreign-pay').set(auth).send({ clientKey: 'test_ck_sbx_logcheck', secretKey }),
      await t.http().put('/v1/merchants/me/gateways/portone-paypal-rt').set(auth).send({ userCode: 'imp_sbx_logcheck', impKey: 'sbx_key_logcheck', impSecret }),
      // A failing request echoes nothing of the body either.
      await t.http().put('/v1/merchants/me/gateways/portone-paypal-rt').set(auth).send({ userCode: 'bad', impKey: 'k', impSecret }),
      await t.http().get('/v1/merchants/me/gateways').set(auth),
      await t.http().get('/v1/merchants/me').set(auth),
    ];
    await new Promise((r) => setImmediate(r));
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain('/v1/merchants/me/gateways'); // requests are logged...
    for (const secret of [m.apiKey, TEST_ADMIN_KEY, secretKey, impSecret]) {
      expect(logs).not.toContain(secret); // ...but never their secrets
      for (const r of responses) expect(JSON.stringify(r.body) + JSON.stringify(r.headers)).not.toContain(secret);
    }
  });

  it('writes one access-log line per request: route template, status, duration, request id, who called; no key, no query', async () => {
    const m = await createMerchant(t);
    const paymentKey = 'tpk_accesslog_' + 'secretish_4242';
    const sent = {
      unauthorized: await t.http().get('/v1/merchants/me').set('x-request-id', 'al-401'),
      admin: await t.http().get('/v1/admin/clock').set('authorization', `Bearer ${TEST_ADMIN_KEY}`).set('x-request-id', 'al-admin'),
      merchant: await t.http().get('/v1/merchants/me').set('authorization', `Bearer ${m.apiKey}`).set('x-request-id', 'al-merchant'),
      webhook: await t.http().post(`/v1/webhooks/toss/${m.id}`).set('x-request-id', 'al-webhook').send({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} }),
      redirect: await t.http().get(`/v1/toss/success?paymentKey=${paymentKey}&orderId=ord_accesslog&amount=1000`).set('x-request-id', 'al-redirect'),
    };
    await new Promise((r) => setImmediate(r));
    const lines = t.logs.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const accessLine = (id: string) => {
      const found = lines.filter((l) => l.msg === 'request' && l.requestId === id);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const expected = {
      'al-401': { method: 'GET', route: '/v1/merchants/me', status: sent.unauthorized.status },
      'al-admin': { method: 'GET', route: '/v1/admin/clock', status: sent.admin.status, principal: 'admin' },
      'al-merchant': { method: 'GET', route: '/v1/merchants/me', status: 200, principal: 'merchant', merchantId: m.id },
      'al-webhook': { method: 'POST', route: '/v1/webhooks/toss/:merchantId', status: sent.webhook.status },
      'al-redirect': { method: 'GET', route: '/v1/toss/success', status: sent.redirect.status },
    };
    expect(sent.unauthorized.status).toBe(401);
    expect(sent.admin.status).toBe(200);
    for (const [id, fields] of Object.entries(expected)) {
      const line = accessLine(id);
      expect(line).toMatchObject({ ...fields, requestId: id });
      expect(typeof line.durationMs).toBe('number');
      if (!('merchantId' in fields)) expect(line.merchantId).toBeUndefined();
      const text = JSON.stringify(line);
      for (const secret of [m.apiKey, TEST_ADMIN_KEY, paymentKey, 'Bearer']) expect(text).not.toContain(secret);
    }
    expect(t.logs.join('')).not.toContain(paymentKey); // no other line carries the query string either
  });

  describe('test clock', () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    it('moves the application clock forward and is admin-only', async () => {
      const before = await t.http().get('/v1/admin/clock').set(admin);
      expect(before.status).toBe(200);
      const moved = await t.http().post('/v1/admin/clock').set(admin).send({ advanceMs: 86_400_000 });
      expect(moved.status).toBe(200);
      expect(new Date(moved.body.now).getTime() - new Date(before.body.now).getTime()).toBeGreaterThanOrEqual(86_400_000);
      expect(moved.body.offsetMs).toBeGreaterThanOrEqual(86_400_000);

      // Objects created now carry the moved time.
      const m = await createMerchant(t);
      expect(new Date(m.createdAt as string).getTime()).toBeGreaterThanOrEqual(new Date(moved.body.now).getTime());

      const target = new Date(new Date(moved.body.now).getTime() + 3 * 86_400_000).toISOString();
      const to = await t.http().post('/v1/admin/clock').set(admin).send({ now: target });
      expect(new Date(to.body.now).getTime()).toBeGreaterThanOrEqual(new Date(target).getTime());

      const back = await t.http().post('/v1/admin/clock').set(admin).send({ now: '2000-01-01T00:00:00Z' });
      expect(back.status).toBe(400);
      expect(back.body.code).toBe('TEST_CLOCK_BACKWARDS');
      expect((await t.http().post('/v1/admin/clock').set('authorization', `Bearer ${m.apiKey}`).send({ advanceMs: 1 })).status).toBe(401);
    });
  });
});
