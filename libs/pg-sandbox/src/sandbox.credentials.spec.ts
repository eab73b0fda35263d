import {
  accountOfPortoneKeyPair,
  accountOfPortoneUserCode,
  accountOfTossClientKey,
  accountOfTossSecretKey,
  sandboxPortoneKeys,
  sandboxTossKeys,
  secretKeyFromBasicAuth,
} from './sandbox.credentials';

describe('sandbox credentials', () => {
  it('derive deterministic keys from the account name', () => {
    expect(sandboxTossKeys('acme-1')).toEqual({
      clientKey: 'test_ck_sbx_acme-1',
      secretKey: 'test_sk_sbx_acme-1',
      mId: 'sbx_acme-1',
    });
    expect(sandboxPortoneKeys('acme-1')).toEqual({
      userCode: 'imp_sbx_acme-1',
      impKey: 'sbx_key_acme-1',
      impSecret: 'sbx_secret_acme-1',
    });
  });

  it.each(['', 'a'.repeat(41), 'with space', 'under_score', 'ünï'])('refuse the account name %p', (name) => {
    expect(() => sandboxTossKeys(name)).toThrow();
    expect(() => sandboxPortoneKeys(name)).toThrow();
  });

  it('map keys back to their account, and only matching pairs', () => {
    expect(accountOfTossSecretKey('test_sk_sbx_acme')).toBe('acme');
    expect(accountOfTossSecretKey('test_ck_sbx_acme')).toBeUndefined();
    expect(accountOfTossClientKey('test_ck_sbx_acme')).toBe('acme');
    expect(accountOfPortoneUserCode('imp_sbx_acme')).toBe('acme');
    expect(accountOfPortoneKeyPair('sbx_key_acme', 'sbx_secret_acme')).toBe('acme');
    expect(accountOfPortoneKeyPair('sbx_key_acme', 'sbx_secret_other')).toBeUndefined();
    expect(accountOfTossSecretKey('test_sk_sbx_')).toBeUndefined();
  });

  it('parse Basic auth only as base64(secretKey + ":")', () => {
    const enc = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(secretKeyFromBasicAuth(enc('test_sk_sbx_a:'))).toBe('test_sk_sbx_a');
    expect(secretKeyFromBasicAuth(enc('test_sk_sbx_a'))).toBeUndefined();
    expect(secretKeyFromBasicAuth(enc('test_sk_sbx_a:password'))).toBeUndefined();
    expect(secretKeyFromBasicAuth(enc(':'))).toBeUndefined();
    expect(secretKeyFromBasicAuth('Bearer x')).toBeUndefined();
    expect(secretKeyFromBasicAuth(undefined)).toBeUndefined();
  });
});
