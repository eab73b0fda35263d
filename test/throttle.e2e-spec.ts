import { startTestApp, TestApp } from './helpers/test-app';

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
      statuses.push((await t.http().post('/v1/webhooks/portone/mch_unknown').send({ imp_uid: `imp_${i}`, merchant_uid: `m_${i}`, status: 'paid' })).status);
      statuses.push((await t.http().post('/v1/webhooks/toss/mch_unknown').send({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} })).status);
    }
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    // The API itself is still limited for this address.
    expect((await t.http().get('/v1/merchants/me')).status).toBe(429);
  });
});
