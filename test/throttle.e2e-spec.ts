import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

describe('rate limiting (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '60000' });
  });
  afterAll(() => t.close());

  it('answers 429 RATE_LIMITED past the limit, with the error body', async () => {
    const statuses: number[] = [];
    let last: { body: { code?: string } } | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await t.http().get('/v1/merchants/me').set('authorization', 'Bearer whatever');
      statuses.push(res.status);
      last = res;
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(last?.body.code).toBe('RATE_LIMITED');
  });

  it('does not throttle PG webhooks by address (PGs send every merchant’s from a few addresses; they have their own limits)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (
          await t
            .http()
            .post('/v1/webhooks/portone/mch_unknown')
            .send({ imp_uid: `imp_${i}`, merchant_uid: `m_${i}`, status: 'paid' })
        ).status,
      );
      statuses.push(
        (await t.http().post('/v1/webhooks/toss/mch_unknown').send({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} }))
          .status,
      );
    }
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    // The API itself is still limited for this address.
    expect((await t.http().get('/v1/merchants/me')).status).toBe(429);
  });
});

describe('rate limiting: client identity (e2e)', () => {
  const fiveFrom = async (
    t: TestApp,
    addressOf: (i: number) => string,
    auth: (i: number) => string = (i) => `Bearer whatever-${i}`,
  ) => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await t.http().get('/v1/merchants/me').set('authorization', auth(i)).set('x-forwarded-for', addressOf(i)))
          .status,
      );
    }
    return statuses;
  };

  describe('no TRUST_PROXY (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '60000' });
    });
    afterAll(() => t.close());

    it('ignores X-Forwarded-For: rotating it does not escape the address limit', async () => {
      expect(await fiveFrom(t, (i) => `198.51.100.${i + 1}`)).toEqual([401, 401, 401, 429, 429]);
    });
  });

  describe('TRUST_PROXY naming another host', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ THROTTLE_LIMIT: '3', TRUST_PROXY: '10.0.0.0/8' });
    });
    afterAll(() => t.close());

    it('still ignores X-Forwarded-For from an address that is not a configured proxy', async () => {
      expect(await fiveFrom(t, (i) => `198.51.100.${i + 1}`)).toEqual([401, 401, 401, 429, 429]);
    });
  });

  describe('behind a configured proxy', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ THROTTLE_LIMIT: '3', THROTTLE_KEY_LIMIT: '4', TRUST_PROXY: '127.0.0.1' });
    });
    afterAll(() => t.close());

    it('counts each forwarded client on its own', async () => {
      expect(await fiveFrom(t, (i) => `198.51.100.${i + 1}`)).toEqual([401, 401, 401, 401, 401]);
      expect(await fiveFrom(t, () => '198.51.100.200')).toEqual([401, 401, 401, 429, 429]);
    });

    it('limits one API key across addresses (THROTTLE_KEY_LIMIT), and another key is unaffected', async () => {
      const m = await createMerchant(t);
      const statuses = await fiveFrom(
        t,
        (i) => `203.0.113.${i + 1}`,
        () => `Bearer ${m.apiKey}`,
      );
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      const other = await createMerchant(t);
      expect(
        (
          await t
            .http()
            .get('/v1/merchants/me')
            .set('authorization', `Bearer ${other.apiKey}`)
            .set('x-forwarded-for', '203.0.113.99')
        ).status,
      ).toBe(200);
    });
  });
});
