import { nanoid } from 'nanoid';

/** Random characters of an id: 16 of nanoid's URL-safe 64-symbol alphabet are 96 random bits. */
const ID_LENGTH = 16;

/** Opaque, prefixed, unguessable ids (`cus_…`): 96 random bits, URL-safe. */
export function newId(prefix: string): string {
  return `${prefix}_${nanoid(ID_LENGTH)}`;
}
