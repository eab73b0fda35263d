import { ConfigValidationError, validateEnv } from './env.validation';

describe('validateEnv', () => {
  const key = 'a'.repeat(64);

  it('accepts an empty environment (embedded defaults)', () => {
    expect(() => validateEnv({})).not.toThrow();
  });

  it('turns strings into typed values', () => {
    const env = validateEnv({ PORT: '8080', PG_SANDBOX: 'false', DATABASE_POOL_SIZE: '5' });
    expect(env.PORT).toBe(8080);
    expect(env.PG_SANDBOX).toBe(false);
    expect(env.DATABASE_POOL_SIZE).toBe(5);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['SECRETS_KEY', { SECRETS_KEY: 'short' }],
    ['ADMIN_API_KEY', { ADMIN_API_KEY: 'tooshort' }],
    ['TOSS_BASE_URL', { TOSS_BASE_URL: 'not a url' }],
    ['PG_TIMEOUT_MS', { PG_TIMEOUT_MS: '5' }],
  ])('fails with one line naming %s', (name, raw) => {
    let error: unknown;
    try {
      validateEnv(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('requires the production essentials and refuses the sandbox in production', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL, ADMIN_API_KEY, SECRETS_KEY, PUBLIC_BASE_URL/,
    );
    const prod = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/billing',
      ADMIN_API_KEY: 'x'.repeat(32),
      SECRETS_KEY: key,
      PUBLIC_BASE_URL: 'https://billing.example.com',
      TOSS_BASE_URL: 'https://api.tosspayments.com',
      PORTONE_BASE_URL: 'https://api.iamport.kr',
    };
    expect(() => validateEnv(prod)).not.toThrow();
    expect(() => validateEnv({ ...prod, PG_SANDBOX: 'true' })).toThrow(/PG_SANDBOX/);
    expect(() => validateEnv({ ...prod, TOSS_BASE_URL: '' })).toThrow(/TOSS_BASE_URL/);
  });

  it('never echoes a secret value in its message', () => {
    const secret = 'not-a-valid-key-but-private';
    expect(() => validateEnv({ SECRETS_KEY: secret })).toThrow(ConfigValidationError);
    try {
      validateEnv({ SECRETS_KEY: secret });
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
    }
  });
});
