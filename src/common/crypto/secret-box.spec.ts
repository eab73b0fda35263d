import { createCipheriv, randomBytes } from 'node:crypto';
import { maskSecret, SecretBox, sealedKeyId, secretsKeyId, UnknownSecretsKeyError } from './secret-box';

/** A value in the format sealed before key ids existed (`v1.<iv>.<tag>.<data>`), built independently of SecretBox. */
function sealV1(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

describe('SecretBox', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const box = new SecretBox(keyA);

  it('round-trips, names its key and never stores the plaintext', () => {
    const sealed = box.seal('{"secretKey":"abc-secret"}', 'mch_1:toss');
    expect(sealed).not.toContain('abc-secret');
    expect(sealed.startsWith(`v2.${secretsKeyId(keyA)}.`)).toBe(true);
    expect(sealedKeyId(sealed)).toBe(box.currentKeyId);
    expect(box.open(sealed, 'mch_1:toss')).toBe('{"secretKey":"abc-secret"}');
  });

  it('the key id is stable, differs per key and does not contain the key', () => {
    expect(secretsKeyId(keyA)).toBe(secretsKeyId(Buffer.from(keyA)));
    expect(secretsKeyId(keyA)).not.toBe(secretsKeyId(keyB));
    expect(secretsKeyId(keyA)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(keyA.toString('base64url')).not.toContain(secretsKeyId(keyA));
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
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'a')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'a')).toThrow(UnknownSecretsKeyError);
    expect(() => new SecretBox(randomBytes(16))).toThrow();
    expect(() => new SecretBox([])).toThrow();
  });

  it('rotation: seals with the first key, opens values of every listed key, refuses an unlisted key id', () => {
    const sealedA = box.seal('creds', 'm:g');
    const rotated = new SecretBox([keyB, keyA]);
    expect(rotated.currentKeyId).toBe(secretsKeyId(keyB));
    expect(rotated.open(sealedA, 'm:g')).toBe('creds');
    expect(rotated.isCurrent(sealedA)).toBe(false);
    const sealedB = rotated.seal('creds', 'm:g');
    expect(rotated.isCurrent(sealedB)).toBe(true);
    expect(new SecretBox(keyB).open(sealedB, 'm:g')).toBe('creds');
    const err = (() => {
      try {
        new SecretBox(keyB).open(sealedA, 'm:g');
      } catch (e) {
        return e as UnknownSecretsKeyError;
      }
    })();
    expect(err).toBeInstanceOf(UnknownSecretsKeyError);
    expect(err?.keyId).toBe(secretsKeyId(keyA));
  });

  it('opens `v1.` values (no key id) with whichever listed key sealed them', () => {
    const legacy = sealV1(keyA, 'old creds', 'm:g');
    expect(sealedKeyId(legacy)).toBeUndefined();
    expect(new SecretBox(keyA).open(legacy, 'm:g')).toBe('old creds');
    expect(new SecretBox([keyB, keyA]).open(legacy, 'm:g')).toBe('old creds');
    expect(new SecretBox([keyB, keyA]).isCurrent(legacy)).toBe(false);
    expect(() => new SecretBox(keyB).open(legacy, 'm:g')).toThrow();
    expect(() => box.open('v3.x.y.z', 'm:g')).toThrow('Unrecognised sealed value');
  });

  it('masks secrets to a short hint', () => {
    expect(maskSecret('sbx_secret_abcdefgh')).toBe('••••••••efgh');
    expect(maskSecret('short')).toBe('•••••');
  });
});
