import { connect } from 'node:net';
import { createMerchant, startTestApp, TEST_ADMIN_KEY, type TestApp } from './helpers/test-app';

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
    for (const p of [
      '/v1/merchants',
      '/v1/merchants/me',
      '/v1/merchants/me/gateways/{gateway}',
      '/v1/gateways',
      '/v1/customers',
      '/v1/customers/{id}',
      '/v1/plans',
      '/v1/plans/{id}',
      '/v1/admin/clock',
      '/health',
    ]) {
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
      await t
        .http()
        .put('/v1/merchants/me/gateways/toss-foreign-pay')
        .set(auth)
        .send({ clientKey: 'test_ck_sbx_logcheck', secretKey }),
      await t
        .http()
        .put('/v1/merchants/me/gateways/portone-paypal-rt')
        .set(auth)
        .send({ userCode: 'imp_sbx_logcheck', impKey: 'sbx_key_logcheck', impSecret }),
      // A failing request echoes nothing of the body either.
      await t
        .http()
        .put('/v1/merchants/me/gateways/portone-paypal-rt')
        .set(auth)
        .send({ userCode: 'bad', impKey: 'k', impSecret }),
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
      admin: await t
        .http()
        .get('/v1/admin/clock')
        .set('authorization', `Bearer ${TEST_ADMIN_KEY}`)
        .set('x-request-id', 'al-admin'),
      merchant: await t
        .http()
        .get('/v1/merchants/me')
        .set('authorization', `Bearer ${m.apiKey}`)
        .set('x-request-id', 'al-merchant'),
      webhook: await t
        .http()
        .post(`/v1/webhooks/toss/${m.id}`)
        .set('x-request-id', 'al-webhook')
        .send({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} }),
      redirect: await t
        .http()
        .get(`/v1/toss/success?paymentKey=${paymentKey}&orderId=ord_accesslog&amount=1000`)
        .set('x-request-id', 'al-redirect'),
    };
    await new Promise((r) => setImmediate(r));
    const lines = t.logs
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const accessLine = (id: string) => {
      const found = lines.filter((l) => l.msg === 'request' && l.requestId === id);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const expected = {
      'al-401': { method: 'GET', route: '/v1/merchants/me', status: sent.unauthorized.status },
      'al-admin': { method: 'GET', route: '/v1/admin/clock', status: sent.admin.status, principal: 'admin' },
      'al-merchant': { method: 'GET', route: '/v1/merchants/me', status: 200, principal: 'merchant', merchantId: m.id },
      'al-webhook': { method: 'POST', route: '/v1/webhooks/:gateway/:merchantId', status: sent.webhook.status },
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
      expect(new Date(moved.body.now).getTime() - new Date(before.body.now).getTime()).toBeGreaterThanOrEqual(
        86_400_000,
      );
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
      expect(
        (await t.http().post('/v1/admin/clock').set('authorization', `Bearer ${m.apiKey}`).send({ advanceMs: 1 }))
          .status,
      ).toBe(401);
    });
  });
});

describe('hostile input: framework errors, nesting, control characters (e2e)', () => {
  let t: TestApp;
  let auth: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    auth = { authorization: `Bearer ${(await createMerchant(t)).apiKey}` };
  });
  afterAll(() => t.close());
  const customer = { email: 'kim@example.com', firstName: 'Kim', lastName: 'Lee', countryCode: 'US' };

  function expectOurBody(
    res: { status: number; body: Record<string, unknown>; headers: Record<string, string> },
    status: number,
    code: string,
  ): void {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.body.statusCode).toBe(status);
    expect(typeof res.body.message).toBe('string');
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  }

  it('answers every framework error in our error body with the request id', async () => {
    const post = (type: string, body: string) =>
      t.http().post('/v1/customers').set(auth).set('content-type', type).send(body);
    expectOurBody(await t.http().get('/v1/customers/%zz').set(auth), 400, 'MALFORMED_URL');
    expectOurBody(
      await t
        .http()
        .get(`/v1/customers/${'a'.repeat(300)}`)
        .set(auth),
      414,
      'URI_TOO_LONG',
    );
    expectOurBody(await post('application/json', `{"name":"${'x'.repeat(1024 * 1024)}"}`), 413, 'PAYLOAD_TOO_LARGE');
    expectOurBody(await post('text/plain', 'hello'), 400, 'VALIDATION_FAILED'); // Fastify parses text/plain; no DTO takes it
    expectOurBody(await post('application/xml', '<a/>'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectOurBody(await post('application/json', '{"name":'), 400, 'MALFORMED_JSON');
    expectOurBody(await post('application/json', ''), 400, 'MALFORMED_JSON');
    expectOurBody(await post('application/json', '{"__proto__":{"x":1}}'), 400, 'MALFORMED_JSON');
    expectOurBody(await t.http().get('/v1/no-such-route').set(auth), 404, 'ROUTE_NOT_FOUND');
    expectOurBody(await t.http().delete('/v1/customers').set(auth), 404, 'ROUTE_NOT_FOUND');
  });

  it('answers requests the HTTP parser refuses in our error body, and closes the connection saying so', async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(t.url).port), '127.0.0.1', () => socket.end(request));
        let data = '';
        socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
    const cases: [string, number, string][] = [
      ['GET /v1/customers/\u00fc HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'MALFORMED_REQUEST'], // a byte a URL cannot carry
      ['GET /v1/merchants/me HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      ['BREW /v1/customers HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'MALFORMED_REQUEST'], // a method HTTP does not have
      ['PROPFIND /v1/customers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404, 'ROUTE_NOT_FOUND'], // one no route takes
    ];
    for (const [request, status, code] of cases) {
      const response = await raw(request);
      const [head, body] = response.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head.toLowerCase()).toContain('connection: close');
      const parsed = JSON.parse(body) as Record<string, unknown>;
      expect(parsed).toEqual({ statusCode: status, code, message: expect.any(String), requestId: expect.any(String) });
      expect(head.toLowerCase()).toContain(`x-request-id: ${String(parsed.requestId)}`);
    }
  });

  it('refuses JSON nested 5,000 levels deep with JSON_TOO_DEEP before parsing, and still takes ordinary bodies', async () => {
    const deepObject = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const deepArray = '['.repeat(5000) + ']'.repeat(5000);
    for (const body of [deepObject, deepArray, JSON.stringify(customer).replace('{', `{"meta":${deepArray},`)]) {
      const res = await t.http().post('/v1/customers').set(auth).set('content-type', 'application/json').send(body);
      expectOurBody(res, 400, 'JSON_TOO_DEEP');
    }
    // Brackets inside strings are text, not nesting.
    const ok = await t
      .http()
      .post('/v1/customers')
      .set(auth)
      .send({ ...customer, firstName: '['.repeat(50) + '{'.repeat(50) });
    expect(ok.status).toBe(201);
  });

  it('refuses NUL and other control characters in the query, the path and the body before the database', async () => {
    expectOurBody(
      await t.http().get('/v1/toss/fail?code=PAY_PROCESS_CANCELED&message=x%00y&ref=ord_1'),
      400,
      'VALIDATION_FAILED',
    );
    expectOurBody(await t.http().get('/v1/toss/fail?code=A%01B'), 400, 'VALIDATION_FAILED');
    expectOurBody(await t.http().get('/v1/customers/cus_%00').set(auth), 400, 'VALIDATION_FAILED');
    expectOurBody(
      await t
        .http()
        .post('/v1/customers')
        .set(auth)
        .send({ ...customer, lastName: 'Lee\u0000' }),
      400,
      'VALIDATION_FAILED',
    );
    expectOurBody(
      await t.http().patch('/v1/merchants/me').set(auth).send({ name: 'A\u001bB' }),
      400,
      'VALIDATION_FAILED',
    );
    const key = await t
      .http()
      .post('/v1/customers')
      .set(auth)
      .send({ ...customer, ['x\u0000']: 1 });
    expectOurBody(key, 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(key.body)).not.toContain('\u0000');
    // Tab, CR and LF are text.
    expect(
      (
        await t
          .http()
          .post('/v1/customers')
          .set(auth)
          .send({ ...customer, lastName: 'Lee\tKim\r\n' })
      ).status,
    ).toBe(201);
  });

  it('refuses null for a field that may only be absent', async () => {
    const res = await t.http().patch('/v1/merchants/me').set(auth).send({ name: null });
    expectOurBody(res, 400, 'VALIDATION_FAILED');
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'name' })]);
    for (const body of [{ country: null }, { returnUrl: null }, { industry: null }]) {
      expectOurBody(await t.http().patch('/v1/merchants/me').set(auth).send(body), 400, 'VALIDATION_FAILED');
    }
    expectOurBody(
      await t
        .http()
        .post('/v1/customers')
        .set(auth)
        .send({ ...customer, phone: null }),
      400,
      'VALIDATION_FAILED',
    );
    expect((await t.http().get('/v1/merchants/me').set(auth)).body.name).toBe('Acme');
    expect((await t.http().patch('/v1/merchants/me').set(auth).send({})).status).toBe(200);
  });

  it('caps customData (50 keys, 500 characters, 2 levels, 8 KB) before anything else runs', async () => {
    const patch = (customData: unknown) =>
      t.http().patch('/v1/billing-keys/bk_missing/request').set(auth).send({ customData });
    const keys = (n: number, v: unknown = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, v]));
    // Within the caps the request reaches the service, which does not know the key.
    expect((await patch({ plan: 'pro', order: { id: 'o1' } })).status).toBe(404);
    for (const [customData, field] of [
      [keys(51), /more than 50/],
      [{ a: 'x'.repeat(501) }, /customData\.a must be at most 500/],
      [{ a: { b: { c: 1 } } }, /nests deeper than 2/],
      [keys(30, 'x'.repeat(400)), /at most 8192 bytes/],
      [null, /must be an object/],
    ] as const) {
      const res = await patch(customData);
      expectOurBody(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field: 'customData', errors: [expect.stringMatching(field)] }]);
    }
  });
});
