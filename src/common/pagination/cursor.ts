import { DomainError } from '../errors/domain.error';

/** Where a page ended: the (createdAt, id) of its last row, the keyset every list is ordered by. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/**
 * Opaque page cursor: base64url of `<ISO instant>|<id>`. Kept byte-for-byte the format `/v1/risk/decisions` has
 * always returned, so a cursor a client holds from before the shared helper still works.
 */
export function encodeCursor(row: CursorPosition): string {
  return Buffer.from(`${new Date(row.createdAt).toISOString()}|${row.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or 400 VALIDATION_FAILED on `cursor` for anything this API did not hand out. */
export function decodeCursor(cursor: string): CursorPosition {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (
    rest.length ||
    !id ||
    !/^[A-Za-z0-9_-]{1,40}$/.test(id) ||
    Number.isNaN(createdAt.getTime()) ||
    createdAt.toISOString() !== at
  ) {
    throw new DomainError('VALIDATION_FAILED', 'cursor: not a cursor returned by this endpoint', [
      { field: 'cursor', errors: ['invalid cursor'] },
    ]);
  }
  return { createdAt, id };
}
