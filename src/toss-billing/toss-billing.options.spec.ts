import { TossBillingAdapter } from './toss-billing.adapter';
import { TOSS_API_BASE_URL, tossBillingOptions } from './toss-billing.options';
import type { TossBillingOptions } from './toss-billing.types';

describe('toss-billing options', () => {
  it('uses an explicit Toss base URL first, then the sandbox plugin in sandbox mode, then Toss', () => {
    expect(
      tossBillingOptions({
        sandbox: true,
        localOrigin: 'http://127.0.0.1:3000/',
        tossBaseUrl: 'https://toss.proxy',
        timeoutMs: 5000,
      }).baseUrl,
    ).toBe('https://toss.proxy');
    expect(
      tossBillingOptions({
        sandbox: true,
        localOrigin: 'http://127.0.0.1:3000/',
        timeoutMs: 5000,
        connectTimeoutMs: 1000,
      }),
    ).toEqual({
      baseUrl: 'http://127.0.0.1:3000/sandbox/toss/billing',
      timeoutMs: 5000,
      connectTimeoutMs: 1000,
    });
    expect(tossBillingOptions({ sandbox: false, localOrigin: 'http://127.0.0.1:3000', timeoutMs: 5000 }).baseUrl).toBe(
      TOSS_API_BASE_URL,
    );
  });

  it("reaches its API under the sub-path when TOSS_BASE_URL names another process's sandbox", () => {
    const other = (tossBaseUrl: string) =>
      tossBillingOptions({ sandbox: true, localOrigin: 'http://127.0.0.1:3000', tossBaseUrl, timeoutMs: 5000 }).baseUrl;
    expect(other('http://127.0.0.1:4010/sandbox/toss')).toBe('http://127.0.0.1:4010/sandbox/toss/billing');
    expect(other('http://127.0.0.1:4010/sandbox/toss/')).toBe('http://127.0.0.1:4010/sandbox/toss/billing');
    expect(other('https://api.tosspayments.com')).toBe('https://api.tosspayments.com');
  });

  it('refuses to build an adapter without options instead of guessing a host', () => {
    expect(() => new TossBillingAdapter(undefined as unknown as TossBillingOptions)).toThrow(/TOSS_BILLING_OPTIONS/);
  });
});
