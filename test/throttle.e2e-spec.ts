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
});
