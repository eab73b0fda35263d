import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

describe('customers and plans (e2e)', () => {
  let t: TestApp;
  let a: { authorization: string };
  let b: { authorization: string };
  beforeAll(async () => {
    t = await startTestApp();
    a = { authorization: `Bearer ${(await createMerchant(t)).apiKey}` };
    b = { authorization: `Bearer ${(await createMerchant(t, { name: 'Other' })).apiKey}` };
  });
  afterAll(() => t.close());

  const customer = {
    email: 'jane@example.com',
    firstName: 'Jane',
    lastName: 'Doe',
    phone: '+14155550100',
    countryCode: 'US',
    accountCreatedAt: '2024-05-01T09:00:00Z',
  };

  it('creates and reads a customer', async () => {
    const res = await t
      .http()
      .post('/v1/customers')
      .set(a)
      .send({ ...customer, externalId: 'u-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...customer, accountCreatedAt: '2024-05-01T09:00:00.000Z', externalId: 'u-1' });
    expect(res.body.id).toMatch(/^cus_/);
    const got = await t.http().get(`/v1/customers/${res.body.id}`).set(a);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("answers 404 for another merchant's customer, exactly like a missing one", async () => {
    const res = await t.http().post('/v1/customers').set(a).send(customer);
    const foreign = await t.http().get(`/v1/customers/${res.body.id}`).set(b);
    const missing = await t.http().get('/v1/customers/cus_doesnotexist').set(b);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    expect({ ...foreign.body, requestId: undefined }).toEqual({ ...missing.body, requestId: undefined });
  });

  it('refuses a duplicate externalId per merchant but not across merchants', async () => {
    expect(
      (
        await t
          .http()
          .post('/v1/customers')
          .set(a)
          .send({ ...customer, externalId: 'dup' })
      ).status,
    ).toBe(201);
    const dup = await t
      .http()
      .post('/v1/customers')
      .set(a)
      .send({ ...customer, externalId: 'dup' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('DUPLICATE_EXTERNAL_ID');
    expect(
      (
        await t
          .http()
          .post('/v1/customers')
          .set(b)
          .send({ ...customer, externalId: 'dup' })
      ).status,
    ).toBe(201);
  });

  it('creates and reads a plan in minor units, scoped by merchant', async () => {
    const res = await t
      .http()
      .post('/v1/plans')
      .set(a)
      .send({ name: 'Pro', amount: 1999, currency: 'USD', interval: 'month' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Pro', amount: 1999, currency: 'USD', interval: 'month', intervalCount: 1 });
    expect((await t.http().get(`/v1/plans/${res.body.id}`).set(a)).body).toEqual(res.body);
    expect((await t.http().get(`/v1/plans/${res.body.id}`).set(b)).status).toBe(404);
  });

  describe('validation', () => {
    it.each([
      ['an unknown field', { ...customer, isAdmin: true }, 'isAdmin'],
      ['a wrong type', { ...customer, firstName: 42 }, 'firstName'],
      ['a bad email', { ...customer, email: 'not-an-email' }, 'email'],
      ['a bad country', { ...customer, countryCode: 'USA' }, 'countryCode'],
      ['a missing field', { email: 'x@example.com', firstName: 'X', countryCode: 'US' }, 'lastName'],
    ])('customer with %s -> 400 VALIDATION_FAILED naming the field', async (_name, body, field) => {
      const res = await t.http().post('/v1/customers').set(a).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it.each([
      ['a fractional amount', { amount: 19.99 }],
      ['a zero amount', { amount: 0 }],
      ['a string amount', { amount: '1999' }],
      ['an unknown currency', { currency: 'XYZ' }],
      ['an unknown interval', { interval: 'fortnight' }],
      ['a zero intervalCount', { intervalCount: 0 }],
    ])('plan with %s -> 400', async (_name, patch) => {
      const res = await t
        .http()
        .post('/v1/plans')
        .set(a)
        .send({ name: 'P', amount: 1000, currency: 'USD', interval: 'month', ...patch });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it.each([
      // Seed 004's own STC example, as a Korean customer types it.
      ['(02)16705176', 'KR', '+82216705176'],
      ['+1 (415) 555-0100', 'US', '+14155550100'],
      ['010-1234-5678', 'KR', '+821012345678'],
    ])('customer phone %j in %s is stored and returned as E.164 %s', async (phone, countryCode, e164) => {
      const res = await t
        .http()
        .post('/v1/customers')
        .set(a)
        .send({ ...customer, phone, countryCode });
      expect(res.status).toBe(201);
      expect(res.body.phone).toBe(e164);
      expect((await t.http().get(`/v1/customers/${res.body.id}`).set(a)).body.phone).toBe(e164);
    });

    it('customer phone null is refused like any null optional field (never a 500)', async () => {
      const res = await t
        .http()
        .post('/v1/customers')
        .set(a)
        .send({ ...customer, phone: null });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['phone']);
    });

    it.each([['hello'], ['123'], ['+1234567'], [42]])(
      'customer phone %j -> 400 VALIDATION_FAILED on the phone field',
      async (phone) => {
        const res = await t
          .http()
          .post('/v1/customers')
          .set(a)
          .send({ ...customer, phone });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['phone']);
      },
    );

    // Only currencies some registered gateway takes (its descriptors); CNY is a real code none of them lists.
    it.each(['XXX', 'CNY', 'XAU'])(
      'plan in %s, which no gateway takes -> 400 UNSUPPORTED_CURRENCY with what is accepted',
      async (currency) => {
        const res = await t
          .http()
          .post('/v1/plans')
          .set(a)
          .send({ name: 'P', amount: 1000, currency, interval: 'month' });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('UNSUPPORTED_CURRENCY');
        expect(res.body.details[0]).toMatchObject({
          field: 'currency',
          accepted: expect.arrayContaining(['USD', 'EUR']),
        });
        expect(res.body.details[0].accepted).not.toContain(currency);
      },
    );

    it.each(['USD', 'usd', 'EUR', 'JPY'])('plan in %s is accepted', async (currency) => {
      const res = await t
        .http()
        .post('/v1/plans')
        .set(a)
        .send({ name: 'P', amount: 1000, currency, interval: 'month' });
      expect(res.status).toBe(201);
      expect(res.body.currency).toBe(currency.toUpperCase());
    });

    it('malformed JSON -> 400 MALFORMED_JSON, never 500', async () => {
      const res = await t
        .http()
        .post('/v1/customers')
        .set(a)
        .set('content-type', 'application/json')
        .send('{"email": "x@example.com",');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MALFORMED_JSON');
      const empty = await t.http().post('/v1/customers').set(a).set('content-type', 'application/json').send('');
      expect(empty.status).toBe(400);
      expect(empty.body.code).toMatch(/MALFORMED_JSON|VALIDATION_FAILED/);
    });

    it('a JSON array or scalar body -> 400, never 500', async () => {
      for (const body of ['[]', '"text"', '42', 'null']) {
        const res = await t.http().post('/v1/customers').set(a).set('content-type', 'application/json').send(body);
        expect(res.status).toBe(400);
      }
    });

    it('an unknown route -> 404 ROUTE_NOT_FOUND with the error body', async () => {
      const res = await t.http().get('/v1/nothing-here').set(a);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'ROUTE_NOT_FOUND' });
    });
  });
});
