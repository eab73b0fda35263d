import { randomBytes } from 'node:crypto';
import { maskSecret, SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('{"secretKey":"abc-secret"}', 'mch_1:toss');
    expect(sealed).not.toContain('abc-secret');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed, 'mch_1:toss')).toBe('{"secretKey":"abc-secret"}');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('x', 'a')).not.toBe(box.seal('x', 'a'));
  });

  it('refuses a ciphertext moved to another row (associated data)', () => {
    const sealed = box.seal('secret', 'mch_1:toss');
    expect(() => box.open(sealed, 'mch_2:toss')).toThrow();
  });

  it('refuses a tampered ciphertext and a wrong key', () => {
    const sealed = box.seal('secret', 'a');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'a')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'a')).toThrow();
    expect(() => new SecretBox(randomBytes(16))).toThrow();
  });

  it('masks secrets to a short hint', () => {
    expect(maskSecret('sbx_secret_abcdefgh')).toBe('••••••••efgh');
    expect(maskSecret('short')).toBe('•••••');
  });
});
