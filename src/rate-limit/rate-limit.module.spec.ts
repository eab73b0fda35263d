import { apiKeyTracker } from './rate-limit.module';

describe('apiKeyTracker', () => {
  it('tracks a digest of the bearer key, never the key, and one value for requests without a key', () => {
    const key = 'mk_live_secret_value_0123456789';
    const tracker = apiKeyTracker({ headers: { authorization: `Bearer ${key}` } });
    expect(tracker).toMatch(/^key:[A-Za-z0-9_-]{43}$/);
    expect(tracker).not.toContain(key);
    expect(tracker).not.toContain(key.slice(0, 12));
    expect(apiKeyTracker({ headers: { authorization: `bearer ${key}` } })).toBe(tracker);
    expect(apiKeyTracker({ headers: { authorization: 'Bearer another' } })).not.toBe(tracker);
    expect(apiKeyTracker({ headers: {} })).toBe('key:none');
  });
});
