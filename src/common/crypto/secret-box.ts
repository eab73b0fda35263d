import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Injection token of the app's one SecretBox (provided by MerchantsModule from SECRETS_KEY). */
export const SECRET_BOX = Symbol('SECRET_BOX');

/**
 * AES-256-GCM for PG credentials at rest. Format `v1.<iv>.<tag>.<ciphertext>` (base64url). The associated data binds
 * a ciphertext to its row (merchant and gateway), so a ciphertext copied onto another merchant's row fails to open.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(
      '.',
    );
  }

  open(sealed: string, aad: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unrecognised sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** `abcd…wxyz` style hint: enough to tell keys apart, never enough to use one. */
export function maskSecret(value: string, visible = 4): string {
  if (value.length <= visible * 2) return '•'.repeat(value.length);
  return `${'•'.repeat(8)}${value.slice(-visible)}`;
}
