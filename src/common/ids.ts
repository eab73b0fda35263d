import { randomBytes } from 'node:crypto';

const ID_BYTES = 12;
// Random bytes drawn in blocks (as Node's randomUUID does): one randomBytes call per id cost ≈ 2 % of a billing run.
const POOL_BYTES = ID_BYTES * 512;
let pool = Buffer.alloc(0);
let offset = 0;

/** Opaque, prefixed, unguessable ids (`cus_…`): 96 random bits, URL-safe. */
export function newId(prefix: string): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${prefix}_${id}`;
}
