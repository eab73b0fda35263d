import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A sealed value names a key this process was not given (see SECRETS_KEYS). */
export class UnknownSecretsKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`sealed with secrets key ${keyId}, which is not among the configured keys`);
    this.name = 'UnknownSecretsKeyError';
  }
}

/** Injection token of the app's one SecretBox (provided by MerchantsModule from SECRETS_KEY). */
export const SECRET_BOX = Symbol('SECRET_BOX');

/**
 * AES-256-GCM for PG credentials at rest, with key rotation. Sealed format `v2.<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url), sealed with the current (first) key; the key id is a digest of the key, so it names the key without
 * revealing it. `v1.<iv>.<tag>.<ciphertext>` values (before rotation existed: no key id) are opened with each key in
 * turn. The associated data binds a ciphertext to its row (merchant and gateway), so a ciphertext copied onto another
 * merchant's row fails to open.
 */
export class SecretBox {
  private readonly keys: ReadonlyArray<{ id: string; key: Buffer }>;

  /** `keys`: the current key first, then older keys that can still be read. */
  constructor(keys: Buffer | readonly Buffer[]) {
    const list = Buffer.isBuffer(keys) ? [keys] : [...keys];
    if (list.length === 0 || list.some((k) => k.length !== 32)) throw new Error('SecretBox needs 32-byte keys');
    this.keys = list.map((key) => ({ id: secretsKeyId(key), key }));
  }

  /** The key id new values are sealed with. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }

  knows(keyId: string): boolean {
    return this.keys.some((k) => k.id === keyId);
  }

  seal(plaintext: string, aad: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return ['v2', id, ...parts].join('.');
  }

  open(sealed: string, aad: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, data] = parts;
      let last: unknown;
      for (const { key } of this.keys) {
        try {
          return decrypt(key, iv, tag, data, aad);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    }
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, id, iv, tag, data] = parts;
      const entry = this.keys.find((k) => k.id === id);
      if (!entry) throw new UnknownSecretsKeyError(id);
      return decrypt(entry.key, iv, tag, data, aad);
    }
    throw new Error('Unrecognised sealed value');
  }

  /** True when `sealed` already uses the current key (nothing to re-seal). */
  isCurrent(sealed: string): boolean {
    return sealedKeyId(sealed) === this.currentKeyId;
  }
}

/** A key's public name: 8 base64url characters of a domain-separated SHA-256 of the key. */
export function secretsKeyId(key: Buffer): string {
  return createHash('sha256').update('secrets-key-id\0').update(key).digest('base64url').slice(0, 8);
}

/** The key id a sealed value names, or undefined for a `v1.` value (which names none). */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts[0] === 'v2' && parts.length === 5 ? parts[1] : undefined;
}

function decrypt(key: Buffer, iv: string, tag: string, data: string, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/** `abcd…wxyz` style hint: enough to tell keys apart, never enough to use one. */
export function maskSecret(value: string, visible = 4): string {
  if (value.length <= visible * 2) return '•'.repeat(value.length);
  return `${'•'.repeat(8)}${value.slice(-visible)}`;
}
