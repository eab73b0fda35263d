import { hashClientSecret, mintClientSecret, parseClientSecret } from './client-secret';

describe('client secret format', () => {
  it('names its object in front and parses back to it, for each object type', () => {
    for (const [id, objectType] of [
      ['bk_AbC-dEf_GhIjKlMn', 'billing_key'],
      ['tfo_x_secret_y-Zz0123456789ab', 'order'],
    ] as const) {
      const secret = mintClientSecret(id);
      expect(secret).toMatch(/_secret_[A-Za-z0-9_-]{32}$/);
      expect(parseClientSecret(secret)).toEqual({ objectType, objectId: id });
    }
  });

  it('is random per mint', () => {
    expect(mintClientSecret('bk_1234')).not.toBe(mintClientSecret('bk_1234'));
  });

  it.each([
    ['a merchant API key', `mk_${'a'.repeat(43)}`],
    ['an unknown object prefix', `cus_1234_secret_${'a'.repeat(32)}`],
    ['a short random part', `bk_1234_secret_${'a'.repeat(31)}`],
    ['a long random part', `bk_1234_secret_${'a'.repeat(33)}`],
    ['characters outside base64url', `bk_12.4_secret_${'a'.repeat(32)}`],
    ['the pre-v1.1 shape', `bks_${'a'.repeat(32)}`],
  ])('is not recognised in %s', (_, token) => {
    expect(parseClientSecret(token)).toBeNull();
  });

  it('is stored as its SHA-256', () => {
    expect(hashClientSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
