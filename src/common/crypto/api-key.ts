import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Merchant API keys: 256 random bits. High entropy, so a fast hash is enough (no password stretching needed). */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `mk_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
