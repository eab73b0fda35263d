import { createHash, randomBytes } from 'node:crypto';

/** The objects a browser may act on with a client secret, by the prefix of their ids (src/common/ids.ts). */
export const CLIENT_SECRET_OBJECTS = { billing_key: 'bk_', order: 'tfo_' } as const;
export type ClientSecretObject = keyof typeof CLIENT_SECRET_OBJECTS;

/** Random part: 24 bytes, always 32 base64url characters, so the secret splits unambiguously from the right. */
const RANDOM_BYTES = 24;
const SHAPE = /^([A-Za-z0-9_-]{4,64})_secret_([A-Za-z0-9_-]{32})$/;

/** What a client secret names before anything is read: the object it claims to open. */
export interface ParsedClientSecret {
  readonly objectType: ClientSecretObject;
  readonly objectId: string;
}

/**
 * `<objectId>_secret_<random>`: the id in front lets the guard read the one row by primary key and compare hashes,
 * instead of searching every table for a hash. Knowing the id gives nothing: the random part is 192 bits.
 */
export function mintClientSecret(objectId: string): string {
  return `${objectId}_secret_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
}

/** The object a bearer token claims, when it has a client secret's shape; null for anything else (API keys). */
export function parseClientSecret(token: string): ParsedClientSecret | null {
  const match = SHAPE.exec(token);
  if (!match) return null;
  const objectId = match[1];
  for (const [objectType, prefix] of Object.entries(CLIENT_SECRET_OBJECTS) as Array<[ClientSecretObject, string]>)
    if (objectId.startsWith(prefix)) return { objectType, objectId };
  return null;
}

/** SHA-256 (hex) of a client secret: what is stored (the secret is returned once). */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
