import { randomBytes } from 'node:crypto';

/** Opaque, prefixed, unguessable ids (`cus_…`): 96 random bits, URL-safe. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
